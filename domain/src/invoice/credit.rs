//! Credit notes: what part of an invoice a refund gives back.

use super::InvoiceDocument;
use super::build::body;
use super::{DocumentBody, InvoiceLine};
use crate::pricing::LineKind;
use serde::{Deserialize, Serialize};

/// What a refund covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "items", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CreditScope {
    /// Everything the booking was billed.
    Full,
    /// Some seats (by label) and add-ons (by code); a seat's convenience fee goes with it.
    Items(Vec<String>),
}

impl CreditScope {
    fn covers(&self, line: &InvoiceLine) -> bool {
        match self {
            Self::Full => true,
            // A fee line's item is the seat it is charged on.
            Self::Items(items) => {
                matches!(line.kind, LineKind::Seat | LineKind::Addon | LineKind::Fee)
                    && items.iter().any(|i| i.eq_ignore_ascii_case(&line.item))
            }
        }
    }
}

/// The body of a credit note against `invoice` for `scope`: its covered lines at the amounts
/// they were billed (so the taxes reverse exactly), or `None` when the scope covers nothing
/// that was billed on it.
pub fn credit_note(invoice: &InvoiceDocument, scope: &CreditScope) -> Option<DocumentBody> {
    let lines: Vec<InvoiceLine> = invoice
        .body
        .lines
        .iter()
        .filter(|l| scope.covers(l))
        .cloned()
        .collect();
    let credit = body(invoice.body.role, &invoice.body.currency, lines);
    (credit.totals.total_minor > 0).then_some(credit)
}
