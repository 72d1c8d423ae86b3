//! The pricing function: basket, show, customer and candidate offers in; a quote out.

use super::apply::{Work, apply_member, apply_offer, waive_fee};
use super::offer::{Benefit, Candidate, CustomerFacts, Ineligible, Offer, ShowFacts, Stacking};
use super::quote::{DeclinedOffer, LineKind};
use super::round::{WHOLE_BP, rate_of};
use super::tax::{CONVENIENCE_FEE, TICKET, TaxRules};
use super::{Basket, PricingError, Quote, build};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The most one unit may cost, in minor units (₹1 crore): far above any ticket, far below
/// where sums could overflow.
pub const MAX_UNIT_MINOR: i64 = 1_000_000_000;
/// The most units of one add-on in a booking.
pub const MAX_ADDON_QUANTITY: u32 = 20;

/// The platform's convenience fee, charged per ticket: a flat part plus a percentage of the
/// ticket's price after discounts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRule {
    /// Flat part per ticket, in minor units.
    pub per_ticket_minor: i64,
    /// Percentage of the ticket, in basis points.
    pub percent_bp: u32,
}

/// The deployment's pricing configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingRules {
    /// The convenience fee.
    pub fee: FeeRule,
    /// Taxes.
    pub taxes: TaxRules,
}

impl PricingRules {
    /// The demo's rules: ₹20 plus 5 % a ticket, India's GST.
    pub fn demo() -> Self {
        Self {
            fee: FeeRule {
                per_ticket_minor: 2_000,
                percent_bp: 500,
            },
            taxes: TaxRules::india_gst(),
        }
    }

    /// Prices as listed: no fee, no tax (tests that look at discounts alone).
    pub fn plain() -> Self {
        Self {
            fee: FeeRule::default(),
            taxes: TaxRules::none(),
        }
    }
}

/// Everything the price depends on.
#[derive(Clone, Debug)]
pub struct PricingInput<'a> {
    /// Seats and add-ons.
    pub basket: &'a Basket,
    /// The show.
    pub show: &'a ShowFacts,
    /// The customer.
    pub customer: &'a CustomerFacts,
    /// Offers that may apply: the code the customer entered and the automatic offers in scope.
    pub candidates: &'a [Candidate],
    /// The time the offers are checked at.
    pub now: DateTime<Utc>,
}

/// Prices a booking. Deterministic: the same input gives the same quote, so the API's quote,
/// the charge, the invoice and a later re-pricing agree to the unit.
pub fn price(input: &PricingInput<'_>, rules: &PricingRules) -> Result<Quote, PricingError> {
    validate(input.basket, rules)?;
    let mut lines = base_lines(input.basket);
    if let Some(m) = &input.customer.membership {
        apply_member(&mut lines, &m.plan, m.ticket_discount_bp);
    }
    let mut declined = Vec::new();
    let eligible = eligible(input, &mut declined);
    let chosen = choose(&lines, &eligible, &mut declined);
    let mut applied = Vec::new();
    for c in chosen {
        // A stackable offer can find nothing left once the others have applied: it is not
        // redeemed for nothing.
        match apply_offer(&mut lines, &c.offer) {
            0 => declined.push(decline(c, Ineligible::NothingCovered)),
            amount => applied.push((c.offer.clone(), amount)),
        }
    }
    add_fees(&mut lines, rules, input.customer);
    Ok(build::quote(
        &input.basket.currency,
        lines,
        applied,
        declined,
        &rules.taxes,
    ))
}

fn validate(basket: &Basket, rules: &PricingRules) -> Result<(), PricingError> {
    if basket.seats.is_empty() {
        return Err(PricingError::NoSeats);
    }
    let unit_ok = |u: i64| (0..=MAX_UNIT_MINOR).contains(&u);
    if !basket.seats.iter().all(|s| unit_ok(s.list_minor))
        || !basket.addons.iter().all(|a| unit_ok(a.unit_minor))
        || !unit_ok(rules.fee.per_ticket_minor)
        || rules.fee.percent_bp > WHOLE_BP
    {
        return Err(PricingError::AmountOutOfRange);
    }
    if let Some(a) = basket
        .addons
        .iter()
        .find(|a| !(1..=MAX_ADDON_QUANTITY).contains(&a.quantity))
    {
        return Err(PricingError::BadQuantity(a.code.clone()));
    }
    let classes = [TICKET, CONVENIENCE_FEE]
        .into_iter()
        .chain(basket.addons.iter().map(|a| a.tax_class.as_str()));
    for class in classes {
        if !rules.taxes.knows(class) {
            return Err(PricingError::UnknownTaxClass(class.to_owned()));
        }
    }
    Ok(())
}

fn base_lines(basket: &Basket) -> Vec<Work> {
    let seats = basket.seats.iter().map(|s| Work {
        kind: LineKind::Seat,
        item: s.label.clone(),
        description: s.category.clone(),
        tax_class: TICKET.to_owned(),
        category: Some(s.category.clone()),
        quantity: 1,
        unit_price: s.list_minor,
        cuts: Vec::new(),
    });
    let addons = basket.addons.iter().map(|a| Work {
        kind: LineKind::Addon,
        item: a.code.clone(),
        description: a.name.clone(),
        tax_class: a.tax_class.clone(),
        category: None,
        quantity: a.quantity,
        unit_price: a.unit_minor,
        cuts: Vec::new(),
    });
    seats.chain(addons).collect()
}

fn decline(c: &Candidate, reason: Ineligible) -> DeclinedOffer {
    DeclinedOffer {
        offer_id: c.offer.id,
        name: c.offer.name.clone(),
        code: c.offer.code.clone(),
        entered: c.entered,
        reason,
    }
}

/// The candidates that pass their checks, in a stable order (by id); the others are declined.
fn eligible<'a>(input: &PricingInput<'a>, out: &mut Vec<DeclinedOffer>) -> Vec<&'a Candidate> {
    let seats = input.basket.seats.len();
    let mut ok: Vec<&Candidate> = Vec::new();
    for c in input.candidates {
        if ok.iter().any(|o| o.offer.id == c.offer.id) {
            continue; // the same offer found twice (entered and automatic) counts once
        }
        match c
            .offer
            .check(c, input.show, input.customer, seats, input.now)
        {
            Ok(()) => ok.push(c),
            Err(reason) => out.push(decline(c, reason)),
        }
    }
    ok.sort_by_key(|c| c.offer.id);
    ok
}

/// The order stackable offers are applied in: per-ticket rules before booking-wide amounts,
/// so a flat amount comes off what is left; add-ons last (they touch other lines).
fn rank(offer: &Offer) -> u8 {
    match offer.benefit {
        Benefit::NthTicket { .. } => 0,
        Benefit::PercentOff { .. } => 1,
        Benefit::FlatOff { .. } => 2,
        Benefit::MealVoucher { .. } => 3,
    }
}

/// What a set of offers would take off, applied in order on a copy of the lines.
fn value(lines: &[Work], set: &[&Candidate]) -> i64 {
    let mut trial = lines.to_vec();
    set.iter().map(|c| apply_offer(&mut trial, &c.offer)).sum()
}

/// Picks what to apply: each exclusive offer alone, or every stackable offer together,
/// whichever takes off most; on a tie the option with an entered code, then the stackable set.
/// Offers that would take nothing off are declined as covering nothing; the rest that lose as
/// not combinable.
fn choose<'a>(
    lines: &[Work],
    eligible: &[&'a Candidate],
    out: &mut Vec<DeclinedOffer>,
) -> Vec<&'a Candidate> {
    let mut useful: Vec<&Candidate> = Vec::new();
    for c in eligible {
        if value(lines, &[c]) > 0 {
            useful.push(c);
        } else {
            out.push(decline(c, Ineligible::NothingCovered));
        }
    }
    let mut stack: Vec<&Candidate> = useful
        .iter()
        .copied()
        .filter(|c| c.offer.stacking == Stacking::Stackable)
        .collect();
    stack.sort_by_key(|c| (rank(&c.offer), c.offer.id));
    let mut options: Vec<Vec<&Candidate>> = vec![stack];
    options.extend(
        useful
            .iter()
            .filter(|c| c.offer.stacking == Stacking::Exclusive)
            .map(|c| vec![*c]),
    );
    let score = |set: &Vec<&Candidate>| (value(lines, set), set.iter().any(|c| c.entered));
    let mut best = 0;
    for (i, option) in options.iter().enumerate().skip(1) {
        if score(option) > score(&options[best]) {
            best = i;
        }
    }
    let chosen = options.swap_remove(best);
    for c in useful {
        if !chosen.iter().any(|x| x.offer.id == c.offer.id) {
            out.push(decline(c, Ineligible::NotCombinable));
        }
    }
    chosen
}

/// One convenience fee line per ticket, after the ticket's discounts; waived for members whose
/// plan says so (shown as a member discount, so the quote tells what the plan saved).
fn add_fees(lines: &mut Vec<Work>, rules: &PricingRules, customer: &CustomerFacts) {
    let fees: Vec<Work> = lines
        .iter()
        .filter(|l| l.kind == LineKind::Seat)
        .map(|seat| Work {
            kind: LineKind::Fee,
            item: seat.item.clone(),
            description: "Convenience fee".to_owned(),
            tax_class: CONVENIENCE_FEE.to_owned(),
            category: None,
            quantity: 1,
            unit_price: rules.fee.per_ticket_minor + rate_of(seat.net(), rules.fee.percent_bp),
            cuts: Vec::new(),
        })
        .filter(|fee| fee.unit_price > 0)
        .collect();
    for mut fee in fees {
        if let Some(m) = customer.membership.as_ref().filter(|m| m.fee_waived) {
            waive_fee(&mut fee, &m.plan);
        }
        lines.push(fee);
    }
}
