//! The lines being priced, and how each kind of discount is taken off them.

use super::offer::{Benefit, Funder, Offer};
use super::quote::{DiscountSource, LineKind};
use super::round::{WHOLE_BP, rate_of, spread};

/// A discount on a working line, in minor units.
#[derive(Clone, Debug)]
pub(super) struct Cut {
    pub source: DiscountSource,
    pub funded_by: Funder,
    pub amount: i64,
}

/// A line while it is priced.
#[derive(Clone, Debug)]
pub(super) struct Work {
    pub kind: LineKind,
    pub item: String,
    pub description: String,
    pub tax_class: String,
    /// Seat category, for seat lines.
    pub category: Option<String>,
    pub quantity: u32,
    pub unit_price: i64,
    pub cuts: Vec<Cut>,
}

impl Work {
    pub fn list(&self) -> i64 {
        self.unit_price * i64::from(self.quantity)
    }

    pub fn net(&self) -> i64 {
        self.list() - self.cuts.iter().map(|c| c.amount).sum::<i64>()
    }

    /// Takes `amount` off, never more than is left; a zero cut leaves no trace.
    fn cut(&mut self, source: &DiscountSource, funded_by: Funder, amount: i64) -> i64 {
        let amount = amount.clamp(0, self.net());
        if amount > 0 {
            self.cuts.push(Cut {
                source: source.clone(),
                funded_by,
                amount,
            });
        }
        amount
    }
}

/// Indices of the seat lines `offer` covers.
fn covered_seats(lines: &[Work], offer: &Offer) -> Vec<usize> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            l.kind == LineKind::Seat
                && l.category
                    .as_deref()
                    .is_some_and(|c| offer.covers_category(c))
        })
        .map(|(i, _)| i)
        .collect()
}

/// Takes `offer` off `lines`; answers what it took off in all.
pub(super) fn apply_offer(lines: &mut [Work], offer: &Offer) -> i64 {
    let source = DiscountSource::Offer { offer_id: offer.id };
    let funder = offer.funded_by;
    let seats = covered_seats(lines, offer);
    let cuts: Vec<(usize, i64)> = match &offer.benefit {
        Benefit::PercentOff {
            percent_bp,
            max_off_minor,
        } => percent_off(lines, &seats, *percent_bp, *max_off_minor),
        Benefit::FlatOff { amount_minor } => {
            let nets: Vec<i64> = seats.iter().map(|&i| lines[i].net()).collect();
            let total = (*amount_minor).clamp(0, nets.iter().sum());
            seats.iter().copied().zip(spread(total, &nets)).collect()
        }
        Benefit::NthTicket { every, percent_bp } => nth_ticket(lines, &seats, *every, *percent_bp),
        Benefit::MealVoucher {
            addon_code,
            percent_bp,
            max_units,
        } => meal_voucher(lines, addon_code.as_deref(), *percent_bp, *max_units),
    };
    cuts.into_iter()
        .map(|(i, amount)| lines[i].cut(&source, funder, amount))
        .sum()
}

fn percent_off(lines: &[Work], seats: &[usize], bp: u32, max: Option<i64>) -> Vec<(usize, i64)> {
    let bp = bp.min(WHOLE_BP);
    let each: Vec<i64> = seats.iter().map(|&i| rate_of(lines[i].net(), bp)).collect();
    let sum: i64 = each.iter().sum();
    let each = match max {
        // The cap is shared out in proportion to what each ticket would have had.
        Some(cap) if sum > cap => spread(cap.max(0), &each),
        _ => each,
    };
    seats.iter().copied().zip(each).collect()
}

fn nth_ticket(lines: &[Work], seats: &[usize], every: u32, bp: u32) -> Vec<(usize, i64)> {
    if every < 2 {
        return Vec::new();
    }
    let groups = seats.len() / every as usize;
    let mut cheapest = seats.to_vec();
    // Cheapest first; equal prices in the booking's own order.
    cheapest.sort_by_key(|&i| (lines[i].net(), i));
    cheapest
        .into_iter()
        .take(groups)
        .map(|i| (i, rate_of(lines[i].net(), bp.min(WHOLE_BP))))
        .collect()
}

fn meal_voucher(
    lines: &[Work],
    addon_code: Option<&str>,
    bp: u32,
    max_units: u32,
) -> Vec<(usize, i64)> {
    let mut left = max_units;
    let mut cuts = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if left == 0 {
            break;
        }
        let wanted = line.kind == LineKind::Addon
            && addon_code.is_none_or(|code| code.eq_ignore_ascii_case(&line.item));
        if wanted {
            let units = left.min(line.quantity);
            left -= units;
            cuts.push((
                i,
                rate_of(line.unit_price, bp.min(WHOLE_BP)) * i64::from(units),
            ));
        }
    }
    cuts
}

/// Takes the member discount off every ticket.
pub(super) fn apply_member(lines: &mut [Work], plan: &str, bp: u32) {
    let source = DiscountSource::Member {
        plan: plan.to_owned(),
    };
    for line in lines.iter_mut().filter(|l| l.kind == LineKind::Seat) {
        let amount = rate_of(line.net(), bp.min(WHOLE_BP));
        line.cut(&source, Funder::Platform, amount);
    }
}

/// Waives a fee line entirely, as the member's benefit.
pub(super) fn waive_fee(line: &mut Work, plan: &str) {
    let source = DiscountSource::Member {
        plan: plan.to_owned(),
    };
    let all = line.net();
    line.cut(&source, Funder::Platform, all);
}
