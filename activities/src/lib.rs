//! Every side effect of mtbp, as Temporal activities over small adapters.
//!
//! Each module is one concern: [`seats`] (inventory in PostgreSQL, run as local activities),
//! [`payments`] (the Stripe API, run as ordinary activities), [`offers`] (re-quotes and the
//! redemption of offers, local activities), [`subscriptions`] (each period's charge at the
//! gateway, and the subscription's standing), [`invoices`] (invoice and credit-note numbers,
//! their PDFs in S3). Every activity is idempotent: it
//! is keyed by the booking id, which is derived from the workflow id, so a retry after a crash
//! finds and reuses what the first attempt did.

pub mod cancellations;
pub mod error;
pub mod invoices;
pub mod notify;
pub mod offers;
pub mod payments;
pub mod seats;
pub mod settlements;
pub mod subscriptions;
pub mod theater;

pub use cancellations::CancellationActivities;
pub use invoices::InvoiceActivities;
pub use notify::NotifyActivities;
pub use offers::OfferActivities;
pub use payments::{PaymentActivities, PaymentFaults};
pub use seats::SeatActivities;
pub use settlements::SettlementActivities;
pub use subscriptions::SubscriptionActivities;
pub use theater::TheaterActivities;

/// Milliseconds since `from`, saturated to an `int` column's range (the step timings).
pub(crate) fn millis(from: std::time::Instant) -> i32 {
    i32::try_from(from.elapsed().as_millis()).unwrap_or(i32::MAX)
}
