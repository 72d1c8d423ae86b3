//! What an invoice is built from, and a booking's documents as stored.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use mtbp_domain::invoice::{DocumentKind, InvoiceDocument};
use mtbp_domain::pricing::Quote;
use mtbp_domain::{BookingId, BookingStatus, InvoiceId, PartnerId};
use sqlx::PgPool;
use sqlx::types::Json;

/// A booking as its invoices describe it.
#[derive(Clone, Debug)]
pub struct SaleContext {
    /// The booking.
    pub booking_id: BookingId,
    /// Its status.
    pub status: BookingStatus,
    /// The quote it was paid at (`None` for bookings made before quotes were kept).
    pub quote: Option<Quote>,
    /// Its ticket code (set once booked).
    pub ticket_code: Option<String>,
    /// The name the customer gave.
    pub customer_name: Option<String>,
    /// The theater.
    pub theater: String,
    /// Its city.
    pub city: String,
    /// The movie's title.
    pub movie: String,
    /// The show's start in the theater's time zone.
    pub show_starts_local: NaiveDateTime,
    /// Today in the theater's time zone: the issue date.
    pub today_local: NaiveDate,
    /// The theater's partner (`None`: a venue the platform runs).
    pub partner_id: Option<PartnerId>,
    /// The partner's name.
    pub partner_name: Option<String>,
    /// The partner's GSTIN.
    pub partner_gstin: Option<String>,
    /// The partner's invoice prefix.
    pub partner_prefix: Option<String>,
}

/// The facts of a booking's invoices, or `None` for an unknown booking.
pub async fn sale_context(db: &PgPool, booking_id: BookingId) -> sqlx::Result<Option<SaleContext>> {
    let row = sqlx::query!(
        r#"select b.status as "status: BookingStatus", b.quote as "quote: Json<Quote>",
                  b.ticket_code, b.contact_name, t.name as theater, t.city, m.title as movie,
                  (s.starts_at at time zone t.time_zone) as "show_starts_local!",
                  (now() at time zone t.time_zone)::date as "today_local!",
                  p.partner_id as "partner_id?: PartnerId", p.name as "partner_name?",
                  p.gstin as "partner_gstin?", p.invoice_prefix as "partner_prefix?"
             from bookings b
             join shows s on s.show_id = b.show_id
             join movies m on m.movie_id = s.movie_id
             join screens sc on sc.screen_id = s.screen_id
             join theaters t on t.theater_id = sc.theater_id
             left join partners p on p.partner_id = t.partner_id
            where b.booking_id = $1"#,
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| SaleContext {
        booking_id,
        status: r.status,
        quote: r.quote.map(|q| q.0),
        ticket_code: r.ticket_code,
        customer_name: r.contact_name,
        theater: r.theater,
        city: r.city,
        movie: r.movie,
        show_starts_local: r.show_starts_local,
        today_local: r.today_local,
        partner_id: r.partner_id,
        partner_name: r.partner_name,
        partner_gstin: r.partner_gstin,
        partner_prefix: r.partner_prefix,
    }))
}

/// A document as stored.
#[derive(Clone, Debug)]
pub struct StoredDocument {
    /// Its id.
    pub invoice_id: InvoiceId,
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// The issuer key (`platform`, `partner:<id>`).
    pub issuer: String,
    /// Its number.
    pub number: String,
    /// For a credit note: the invoice it reduces.
    pub refers_to: Option<InvoiceId>,
    /// For a credit note: its refund's key.
    pub refund_key: Option<String>,
    /// The document.
    pub document: InvoiceDocument,
    /// Where its PDF is.
    pub object_key: String,
    /// When the PDF got there; `None` until it has.
    pub uploaded_at: Option<DateTime<Utc>>,
}

fn kind_of(name: &str) -> DocumentKind {
    match name {
        "credit_note" => DocumentKind::CreditNote,
        _ => DocumentKind::Invoice,
    }
}

/// A booking's documents, invoices first, each kind in the order issued.
pub async fn documents(db: &PgPool, booking_id: BookingId) -> sqlx::Result<Vec<StoredDocument>> {
    let rows = sqlx::query!(
        r#"select invoice_id as "invoice_id: InvoiceId", kind, issuer, number,
                  refers_to as "refers_to: InvoiceId", refund_key,
                  document as "document: Json<InvoiceDocument>", object_key, uploaded_at
             from invoices where booking_id = $1
            order by kind = 'credit_note', issued_at, seq"#,
        booking_id.as_uuid(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredDocument {
            invoice_id: r.invoice_id,
            kind: kind_of(&r.kind),
            issuer: r.issuer,
            number: r.number,
            refers_to: r.refers_to,
            refund_key: r.refund_key,
            document: r.document.0,
            object_key: r.object_key,
            uploaded_at: r.uploaded_at,
        })
        .collect())
}

/// A booking's documents whose PDF is not stored yet.
pub async fn not_uploaded(db: &PgPool, booking_id: BookingId) -> sqlx::Result<Vec<StoredDocument>> {
    Ok(documents(db, booking_id)
        .await?
        .into_iter()
        .filter(|d| d.uploaded_at.is_none())
        .collect())
}
