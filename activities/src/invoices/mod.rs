//! The invoice step: number a booking's invoices, render them, store the PDFs; and credit
//! notes for refunds. Ordinary activities over [`mtbp_store::invoices`], the PDF renderer and
//! the object store.
//!
//! **Idempotent, and repaired by its retry.** Numbering happens in one database transaction per
//! document; a booking has at most one invoice per issuer, so a retry gets the numbers the
//! first attempt took. Rendering and the upload come after, keyed by the number, and a document
//! counts as stored only once `uploaded_at` is set: a worker that dies between numbering and
//! upload leaves rows without it, and the next attempt renders and uploads those.
//!
//! Every S3 call times out after [`mtbp_infra::aws::OPERATION_TIMEOUT`] (10 s); give these
//! activities a start-to-close of 30 s or more.

mod issue;

pub use issue::{InvoiceError, IssueOutcome};

use crate::error::{from_sqlx, permanent};
use mtbp_domain::invoice::{CreditScope, IssuerRole};
use mtbp_domain::{BookingId, InvoiceId, Money};
use mtbp_infra::config::PlatformIssuer;
use mtbp_infra::objects::ObjectStore;
use mtbp_store::PgPool;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// One document the step issued (or found issued).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedInvoice {
    /// Its id.
    pub invoice_id: InvoiceId,
    /// Its number, e.g. `PVR-2026-27/000123`.
    pub number: String,
    /// Who issued it.
    pub issuer: IssuerRole,
    /// What it bills (or credits).
    pub total: Money,
}

/// A booking's invoices: the partner's and, unless there was no fee, the platform's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedInvoices {
    /// The invoices, the partner's first.
    pub invoices: Vec<IssuedInvoice>,
}

/// A refund to issue credit notes for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNoteInput {
    /// The booking.
    pub booking_id: BookingId,
    /// The refund's key (its id, or the workflow's key for it): one credit note per invoice
    /// and key, however often this runs.
    pub refund_key: String,
    /// What the refund gives back.
    pub scope: CreditScope,
}

/// The credit notes of a refund: one per invoice it reduces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCreditNote {
    /// The credit notes.
    pub credit_notes: Vec<IssuedInvoice>,
}

/// The invoice activities.
pub struct InvoiceActivities {
    db: PgPool,
    objects: ObjectStore,
    platform: PlatformIssuer,
    pause_after_numbering: Duration,
}

impl InvoiceActivities {
    /// Builds the activities over the pool, the documents bucket and the platform's details.
    pub fn new(db: PgPool, objects: ObjectStore, platform: PlatformIssuer) -> Self {
        Self {
            db,
            objects,
            platform,
            pause_after_numbering: Duration::ZERO,
        }
    }

    /// Fault injection for crash tests: waits this long between numbering a booking's
    /// documents and storing their PDFs (zero in production).
    pub fn with_pause_after_numbering(mut self, pause: Duration) -> Self {
        self.pause_after_numbering = pause;
        self
    }
}

fn to_activity(e: InvoiceError) -> ActivityError {
    match e {
        InvoiceError::Database(e) => from_sqlx(e),
        InvoiceError::Refused(why) => permanent(why),
        InvoiceError::Transient(why) => ActivityError::from(anyhow::anyhow!(why)),
    }
}

#[activities]
impl InvoiceActivities {
    /// Issues the booking's invoices (once) and stores their PDFs.
    #[activity]
    pub async fn issue_invoice(
        self: Arc<Self>,
        _ctx: ActivityContext,
        booking_id: BookingId,
    ) -> Result<IssuedInvoices, ActivityError> {
        self.issue_invoices(booking_id)
            .await
            .map(|o| IssuedInvoices {
                invoices: o.documents,
            })
            .map_err(to_activity)
    }

    /// Issues the credit notes of a refund (once per refund key) and stores their PDFs.
    #[activity]
    pub async fn issue_credit_note(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: CreditNoteInput,
    ) -> Result<IssuedCreditNote, ActivityError> {
        self.issue_credit_notes(&input)
            .await
            .map(|o| IssuedCreditNote {
                credit_notes: o.documents,
            })
            .map_err(to_activity)
    }
}
