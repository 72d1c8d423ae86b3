//! Turns priced working lines into a [`Quote`]: taxes per line, totals as sums of the lines.

use super::apply::Work;
use super::offer::{Funder, Offer};
use super::quote::{
    AppliedOffer, DeclinedOffer, LineDiscount, LineKind, LineTax, Quote, QuoteLine, TaxTotal,
    Totals,
};
use super::tax::TaxRules;
use crate::money::{Currency, Money};

fn money(currency: &Currency, amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: currency.clone(),
    }
}

fn line(currency: &Currency, work: Work, taxes: &TaxRules) -> QuoteLine {
    let net = work.net();
    // The slab goes by one unit's taxable value; lines of several units are add-ons, whose
    // classes have one slab, so the average is exact enough to choose it.
    let unit_taxable = net / i64::from(work.quantity.max(1));
    let parts = taxes.on_line(&work.tax_class, unit_taxable, net);
    let tax: i64 = parts.iter().map(|p| p.amount_minor).sum();
    QuoteLine {
        kind: work.kind,
        list: money(currency, work.list()),
        unit_price: money(currency, work.unit_price),
        discounts: work
            .cuts
            .into_iter()
            .map(|c| LineDiscount {
                source: c.source,
                funded_by: c.funded_by,
                amount: money(currency, c.amount),
            })
            .collect(),
        net: money(currency, net),
        taxes: parts
            .into_iter()
            .map(|p| LineTax {
                name: p.name,
                rate_bp: p.rate_bp,
                amount: money(currency, p.amount_minor),
            })
            .collect(),
        total: money(currency, net + tax),
        item: work.item,
        description: work.description,
        tax_class: work.tax_class,
        quantity: work.quantity,
    }
}

/// Taxes summed by component and rate, in the order they first appear.
fn tax_totals(lines: &[QuoteLine]) -> Vec<TaxTotal> {
    let mut totals: Vec<TaxTotal> = Vec::new();
    for l in lines {
        for t in &l.taxes {
            match totals
                .iter_mut()
                .find(|x| x.name == t.name && x.rate_bp == t.rate_bp)
            {
                Some(x) => {
                    x.taxable.amount_minor += l.net.amount_minor;
                    x.amount.amount_minor += t.amount.amount_minor;
                }
                None => totals.push(TaxTotal {
                    name: t.name.clone(),
                    rate_bp: t.rate_bp,
                    taxable: l.net.clone(),
                    amount: t.amount.clone(),
                }),
            }
        }
    }
    totals
}

fn totals(currency: &Currency, lines: &[QuoteLine]) -> Totals {
    let sum = |f: &dyn Fn(&QuoteLine) -> i64| money(currency, lines.iter().map(f).sum());
    let funded = |who: Funder| {
        move |l: &QuoteLine| {
            l.discounts
                .iter()
                .filter(|d| d.funded_by == who)
                .map(|d| d.amount.amount_minor)
                .sum::<i64>()
        }
    };
    let of_kind = |kind: LineKind| {
        move |l: &QuoteLine| {
            if l.kind == kind {
                l.total.amount_minor
            } else {
                0
            }
        }
    };
    Totals {
        list: sum(&|l| l.list.amount_minor),
        discount: sum(&|l| l.list.amount_minor - l.net.amount_minor),
        partner_funded: sum(&funded(Funder::Partner)),
        platform_funded: sum(&funded(Funder::Platform)),
        net: sum(&|l| l.net.amount_minor),
        tax: sum(&|l| l.total.amount_minor - l.net.amount_minor),
        total: sum(&|l| l.total.amount_minor),
        tickets: sum(&of_kind(LineKind::Seat)),
        addons: sum(&of_kind(LineKind::Addon)),
        fees: sum(&of_kind(LineKind::Fee)),
    }
}

/// The quote of priced lines.
pub(super) fn quote(
    currency: &Currency,
    work: Vec<Work>,
    applied: Vec<(Offer, i64)>,
    declined: Vec<DeclinedOffer>,
    taxes: &TaxRules,
) -> Quote {
    let lines: Vec<QuoteLine> = work.into_iter().map(|w| line(currency, w, taxes)).collect();
    let offers = applied
        .into_iter()
        .map(|(o, amount)| AppliedOffer {
            offer_id: o.id,
            name: o.name,
            code: o.code,
            funded_by: o.funded_by,
            discount: money(currency, amount),
        })
        .collect();
    Quote {
        currency: currency.clone(),
        taxes: tax_totals(&lines),
        totals: totals(currency, &lines),
        lines,
        offers,
        declined,
    }
}
