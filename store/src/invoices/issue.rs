//! Numbering a document and recording it, in one transaction.

use super::read::StoredDocument;
use mtbp_domain::invoice::{DocumentKind, InvoiceDocument, IssuerRole, invoice_number};
use mtbp_domain::{BookingId, InvoiceId};
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

/// A document to number: everything but its number, which [`issue`] fills in.
#[derive(Clone, Debug)]
pub struct NewDocument {
    /// The booking.
    pub booking_id: BookingId,
    /// Issuer key (`platform`, `partner:<id>`): one series of numbers per issuer.
    pub issuer: String,
    /// The issuer's number prefix, e.g. `PVR`.
    pub prefix: String,
    /// For a credit note: the invoice it reduces and the refund's key.
    pub credit_for: Option<(InvoiceId, String)>,
    /// The document; its `number` is replaced.
    pub document: InvoiceDocument,
}

/// What [`issue`] did.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The document, as stored.
    pub stored: StoredDocument,
    /// Whether this call numbered it (`false`: an earlier call had).
    pub new: bool,
}

fn role_name(role: IssuerRole) -> &'static str {
    match role {
        IssuerRole::Partner => "partner",
        IssuerRole::Platform => "platform",
    }
}

/// Where a document's PDF goes: derived from the booking, the issuer and the number, so every
/// retry puts the same key, and neither two issuers with the same prefix nor two databases
/// sharing a bucket (test runs) ever share one.
fn object_key(booking_id: BookingId, issuer: &str, number: &str) -> String {
    let issuer = issuer.replace(':', "-");
    format!(
        "invoices/{booking_id}/{issuer}/{}.pdf",
        number.replace('/', "_")
    )
}

/// Numbers and records `new`, unless the booking already has that document (then answers it).
/// The counter row of the series stays locked until the insert commits, so numbers follow
/// each other without gaps in the order documents are recorded.
pub async fn issue(db: &PgPool, mut new: NewDocument) -> sqlx::Result<Issued> {
    let kind = new.document.kind;
    let year = new.document.financial_year.to_string();
    let refund_key = new.credit_for.as_ref().map(|(_, k)| k.clone());
    let mut tx = db.begin().await?;
    sqlx::query!(
        "insert into invoice_counters (issuer, kind, financial_year) values ($1, $2, $3)
         on conflict do nothing",
        new.issuer,
        kind.as_str(),
        year,
    )
    .execute(&mut *tx)
    .await?;
    let last = sqlx::query_scalar!(
        "select last_seq from invoice_counters
          where issuer = $1 and kind = $2 and financial_year = $3 for update",
        new.issuer,
        kind.as_str(),
        year,
    )
    .fetch_one(&mut *tx)
    .await?;
    // Under the lock, a concurrent retry of this booking has committed or not started.
    if let Some(existing) = find(&mut tx, &new, kind, refund_key.as_deref()).await? {
        tx.commit().await?;
        return Ok(Issued {
            stored: existing,
            new: false,
        });
    }
    let seq = last + 1;
    let series = kind.series_prefix(&new.prefix);
    new.document.number = invoice_number(&series, new.document.financial_year, seq);
    let stored = insert(&mut tx, &new, seq, refund_key).await?;
    sqlx::query!(
        "update invoice_counters set last_seq = $4
          where issuer = $1 and kind = $2 and financial_year = $3",
        new.issuer,
        kind.as_str(),
        year,
        seq,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Issued { stored, new: true })
}

async fn find(
    tx: &mut sqlx::PgConnection,
    new: &NewDocument,
    kind: DocumentKind,
    refund_key: Option<&str>,
) -> sqlx::Result<Option<StoredDocument>> {
    let row = sqlx::query!(
        r#"select invoice_id as "invoice_id: InvoiceId", number,
                  refers_to as "refers_to: InvoiceId", refund_key,
                  document as "document: Json<InvoiceDocument>", object_key, uploaded_at
             from invoices
            where booking_id = $1 and issuer = $2 and kind = $3
              and refund_key is not distinct from $4"#,
        new.booking_id.as_uuid(),
        new.issuer,
        kind.as_str(),
        refund_key,
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|r| StoredDocument {
        invoice_id: r.invoice_id,
        kind,
        issuer: new.issuer.clone(),
        number: r.number,
        refers_to: r.refers_to,
        refund_key: r.refund_key,
        document: r.document.0,
        object_key: r.object_key,
        uploaded_at: r.uploaded_at,
    }))
}

async fn insert(
    tx: &mut sqlx::PgConnection,
    new: &NewDocument,
    seq: i64,
    refund_key: Option<String>,
) -> sqlx::Result<StoredDocument> {
    let invoice_id = InvoiceId::from_uuid(Uuid::new_v4());
    let doc = &new.document;
    let key = object_key(new.booking_id, &new.issuer, &doc.number);
    let refers_to = new.credit_for.as_ref().map(|(id, _)| *id);
    sqlx::query!(
        "insert into invoices (invoice_id, booking_id, issuer, issuer_role, kind, refers_to,
                               refund_key, financial_year, seq, number, document, total_minor,
                               currency, object_key)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        invoice_id.as_uuid(),
        new.booking_id.as_uuid(),
        new.issuer,
        role_name(doc.body.role),
        doc.kind.as_str(),
        refers_to.map(|r| r.as_uuid()),
        refund_key,
        doc.financial_year.to_string(),
        seq,
        doc.number,
        Json(doc) as _,
        doc.body.totals.total_minor,
        doc.body.currency.as_str(),
        key,
    )
    .execute(&mut *tx)
    .await?;
    Ok(StoredDocument {
        invoice_id,
        kind: doc.kind,
        issuer: new.issuer.clone(),
        number: doc.number.clone(),
        refers_to,
        refund_key,
        document: doc.clone(),
        object_key: key,
        uploaded_at: None,
    })
}

/// How long storing a document's PDF took, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UploadTiming {
    /// Rendering the PDF.
    pub render_ms: i32,
    /// Storing it in the object store.
    pub upload_ms: i32,
}

/// Records that a document's PDF is stored and what it took (once: a later call keeps the
/// first time and its figures).
pub async fn mark_uploaded(
    db: &PgPool,
    invoice_id: InvoiceId,
    timing: UploadTiming,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update invoices
            set render_ms = case when uploaded_at is null then $2 else render_ms end,
                upload_ms = case when uploaded_at is null then $3 else upload_ms end,
                uploaded_at = coalesce(uploaded_at, now())
          where invoice_id = $1",
        invoice_id.as_uuid(),
        timing.render_ms,
        timing.upload_ms,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Moves a booked booking to `Invoiced` once its invoices are issued and stored; a booking
/// already past it (invoiced, settled, refunded) keeps its status.
pub async fn mark_booking_invoiced(db: &PgPool, booking_id: BookingId) -> sqlx::Result<()> {
    sqlx::query!(
        "update bookings set status = 'Invoiced'
          where booking_id = $1 and status = 'BookingCompleted'",
        booking_id.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(())
}
