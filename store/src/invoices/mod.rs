//! Invoices and credit notes (`invoices`, `invoice_counters`): the facts a document is built
//! from, numbering without gaps, and reading a booking's documents back.
//!
//! A number is handed out by incrementing the series' counter row under its lock in the same
//! transaction that inserts the document: a transaction that rolls back gives its number back,
//! and two bookings of one issuer take turns on the row (held for two short statements). A
//! booking gets at most one invoice per issuer and one credit note per issuer and refund
//! (`invoices_once_key`): a retry finds the document it already has.

mod issue;
mod read;

pub use issue::{Issued, NewDocument, UploadTiming, issue, mark_booking_invoiced, mark_uploaded};
pub use read::{SaleContext, StoredDocument, documents, not_uploaded, sale_context};

/// The issuer key of the platform.
pub const PLATFORM_ISSUER: &str = "platform";

/// The issuer key of a partner.
pub fn partner_issuer(partner_id: mtbp_domain::PartnerId) -> String {
    format!("partner:{partner_id}")
}
