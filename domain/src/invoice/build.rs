//! A quote split into what each issuer bills.

use super::{DocumentBody, DocumentTotals, InvoiceLine, IssuerRole, TaxLine};
use crate::money::Currency;
use crate::pricing::quote::QuoteLine;
use crate::pricing::{LineKind, Quote};

/// The invoices a quote calls for: the partner's (tickets and add-ons) first, then the
/// platform's (convenience fees) unless the fees come to nothing. At a venue the platform runs
/// itself (`partner_venue` false) the platform bills everything on one invoice. Their totals
/// add up to the quote's.
pub fn split_quote(quote: &Quote, partner_venue: bool) -> Vec<DocumentBody> {
    if !partner_venue {
        let lines = quote.lines.iter().map(line).collect();
        return vec![body(IssuerRole::Platform, &quote.currency, lines)];
    }
    let partner: Vec<InvoiceLine> = quote
        .lines
        .iter()
        .filter(|l| matches!(l.kind, LineKind::Seat | LineKind::Addon))
        .map(line)
        .collect();
    let platform: Vec<InvoiceLine> = quote
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Fee)
        .map(line)
        .collect();
    let mut bodies = vec![body(IssuerRole::Partner, &quote.currency, partner)];
    let fees = body(IssuerRole::Platform, &quote.currency, platform);
    if fees.totals.total_minor > 0 {
        bodies.push(fees);
    }
    bodies
}

fn line(q: &QuoteLine) -> InvoiceLine {
    InvoiceLine {
        kind: q.kind,
        item: q.item.clone(),
        description: q.description.clone(),
        quantity: q.quantity,
        unit_minor: q.unit_price.amount_minor,
        list_minor: q.list.amount_minor,
        discount_minor: q.discounts.iter().map(|d| d.amount.amount_minor).sum(),
        net_minor: q.net.amount_minor,
        taxes: q.taxes.clone(),
        total_minor: q.total.amount_minor,
    }
}

/// A document body over `lines`: its tax summary (by component and rate, in the order first
/// met) and its totals, each the sum of the lines.
pub(super) fn body(role: IssuerRole, currency: &Currency, lines: Vec<InvoiceLine>) -> DocumentBody {
    let mut taxes: Vec<TaxLine> = Vec::new();
    for l in &lines {
        for t in &l.taxes {
            match taxes
                .iter_mut()
                .find(|s| s.name == t.name && s.rate_bp == t.rate_bp)
            {
                Some(s) => {
                    s.taxable_minor += l.net_minor;
                    s.amount_minor += t.amount.amount_minor;
                }
                None => taxes.push(TaxLine {
                    name: t.name.clone(),
                    rate_bp: t.rate_bp,
                    taxable_minor: l.net_minor,
                    amount_minor: t.amount.amount_minor,
                }),
            }
        }
    }
    let totals = DocumentTotals {
        list_minor: lines.iter().map(|l| l.list_minor).sum(),
        discount_minor: lines.iter().map(|l| l.discount_minor).sum(),
        net_minor: lines.iter().map(|l| l.net_minor).sum(),
        tax_minor: taxes.iter().map(|t| t.amount_minor).sum(),
        total_minor: lines.iter().map(|l| l.total_minor).sum(),
    };
    DocumentBody {
        role,
        currency: currency.clone(),
        lines,
        taxes,
        totals,
    }
}
