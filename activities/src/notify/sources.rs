//! The notification activity's outside sources: text messages through SNS, and the booking's
//! invoice (its number, and its PDF to attach) from the invoices the invoice step stored.

use super::{InvoiceDoc, InvoiceSource, TextSender};
use futures::FutureExt;
use futures::future::BoxFuture;
use mtbp_domain::BookingId;
use mtbp_domain::invoice::DocumentKind;
use mtbp_infra::mail::SendError;
use mtbp_infra::objects::ObjectStore;
use mtbp_infra::sms::{SmsError, SmsSender};
use mtbp_store::PgPool;
use mtbp_store::invoices;

/// Text messages through SNS. SNS's `Publish` takes no idempotency key, so only a failure that
/// says nothing reached SNS (it refused, or the connection was never made) is definite; any
/// other error may have been accepted and is ambiguous: never sent again.
#[derive(Debug)]
pub struct SnsTexts(pub SmsSender);

impl TextSender for SnsTexts {
    fn send_text<'a>(
        &'a self,
        phone: &'a str,
        text: &'a str,
        _key: &'a str,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        async move {
            self.0.send(phone, text).await.map_err(|e| match e {
                SmsError::Refused(why) => SendError::Definite(why),
                SmsError::Unavailable(why) if never_connected(&why) => SendError::Definite(why),
                SmsError::Unavailable(why) => SendError::Ambiguous(why),
            })
        }
        .boxed()
    }
}

/// Whether an SNS failure happened before any request was on the wire.
fn never_connected(why: &str) -> bool {
    let why = why.to_ascii_lowercase();
    why.contains("connection refused") || why.contains("dns error") || why.contains("connect")
}

/// The booking's invoices as the invoice step stored them: the first invoice's number, and its
/// PDF attached once uploaded.
#[derive(Debug)]
pub struct StoredInvoices {
    db: PgPool,
    objects: ObjectStore,
}

impl StoredInvoices {
    /// Reads invoices from `db` and their PDFs from `objects`.
    pub fn new(db: PgPool, objects: ObjectStore) -> Self {
        Self { db, objects }
    }
}

impl InvoiceSource for StoredInvoices {
    fn invoice(&self, booking_id: BookingId) -> BoxFuture<'_, anyhow::Result<Option<InvoiceDoc>>> {
        async move {
            let docs = invoices::documents(&self.db, booking_id).await?;
            let Some(first) = docs.into_iter().find(|d| d.kind == DocumentKind::Invoice) else {
                return Ok(None);
            };
            let pdf = match first.uploaded_at {
                Some(_) => Some(self.objects.get(&first.object_key).await?.bytes),
                None => None,
            };
            Ok(Some(InvoiceDoc {
                number: first.number,
                url: None,
                pdf,
            }))
        }
        .boxed()
    }
}
