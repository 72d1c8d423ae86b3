//! Reading bookings: one with its seats, or a filtered page of summaries.

use crate::seats::HeldSeat;
use chrono::{DateTime, Utc};
use mtbp_domain::pricing::Quote;
use mtbp_domain::{AccountId, BookingId, BookingStatus, Currency, Money, PartnerId, ShowId};
use sqlx::PgPool;
use sqlx::types::Json;

/// A booking's own row.
struct BookingRow {
    show_id: ShowId,
    customer_id: Option<AccountId>,
    status: BookingStatus,
    status_reason: Option<String>,
    amount_minor: i64,
    currency: Currency,
    hold_expires_at: DateTime<Utc>,
    ticket_code: Option<String>,
    contact_name: Option<String>,
    needs_operator: Option<String>,
    needs_operator_since: Option<DateTime<Utc>>,
    operator_note: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    quote: Option<Json<Quote>>,
    offer_code: Option<String>,
}

/// A booking with its seats.
#[derive(Clone, Debug)]
pub struct BookingRecord {
    /// The booking.
    pub booking_id: BookingId,
    /// Its show.
    pub show_id: ShowId,
    /// The customer or broker it belongs to; `None` for a guest booking.
    pub customer_id: Option<AccountId>,
    /// Where the booking stands.
    pub status: BookingStatus,
    /// Why it stands there, when it did not complete.
    pub status_reason: Option<String>,
    /// The seats' total.
    pub total: Money,
    /// When the hold lapses.
    pub hold_expires_at: DateTime<Utc>,
    /// Issued once the seats are booked.
    pub ticket_code: Option<String>,
    /// The contact's name (gone once erased).
    pub contact_name: Option<String>,
    /// Why an operator is needed, while one is.
    pub needs_operator: Option<String>,
    /// Since when.
    pub needs_operator_since: Option<DateTime<Utc>>,
    /// The operator's note on how it was resolved.
    pub operator_note: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Its seats, by label.
    pub seats: Vec<HeldSeat>,
    /// The quote it was last priced at (`None` for bookings made before quotes were kept).
    pub quote: Option<Quote>,
    /// The offer code entered, if any.
    pub offer_code: Option<String>,
    /// Its add-ons, by code.
    pub addons: Vec<BookedAddonRecord>,
}

/// An add-on of a booking.
#[derive(Clone, Debug)]
pub struct BookedAddonRecord {
    /// The add-on's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// How many.
    pub quantity: i32,
    /// One unit's price when booked, in minor units.
    pub unit_price_minor: i64,
    /// The meal voucher's code, when one covers it.
    pub voucher_code: Option<String>,
    /// When the theater redeemed the voucher.
    pub voucher_redeemed_at: Option<DateTime<Utc>>,
}

/// Loads a booking with its seats, if it exists.
pub async fn find(db: &PgPool, booking_id: BookingId) -> sqlx::Result<Option<BookingRecord>> {
    let row = sqlx::query_as!(
        BookingRow,
        r#"select show_id as "show_id: ShowId", customer_id as "customer_id: AccountId",
                  status as "status: BookingStatus", status_reason, amount_minor,
                  currency as "currency: Currency", hold_expires_at, ticket_code, contact_name,
                  needs_operator, needs_operator_since, operator_note, created_at, updated_at,
                  quote as "quote: Json<Quote>", offer_code
             from bookings where booking_id = $1"#,
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let seats = sqlx::query_as!(
        HeldSeat,
        "select seat_label as label, category_code as category, price_minor
           from booking_seats where booking_id = $1 order by seat_label",
        booking_id.as_uuid(),
    )
    .fetch_all(db)
    .await?;
    let addons = sqlx::query_as!(
        BookedAddonRecord,
        "select a.code, a.name, ba.quantity, ba.unit_price_minor, ba.voucher_code,
                ba.voucher_redeemed_at
           from booking_addons ba join addons a on a.addon_id = ba.addon_id
          where ba.booking_id = $1 order by a.code",
        booking_id.as_uuid(),
    )
    .fetch_all(db)
    .await?;
    Ok(Some(BookingRecord {
        booking_id,
        show_id: row.show_id,
        customer_id: row.customer_id,
        status: row.status,
        status_reason: row.status_reason,
        total: Money {
            amount_minor: row.amount_minor,
            currency: row.currency,
        },
        hold_expires_at: row.hold_expires_at,
        ticket_code: row.ticket_code,
        contact_name: row.contact_name,
        needs_operator: row.needs_operator,
        needs_operator_since: row.needs_operator_since,
        operator_note: row.operator_note,
        created_at: row.created_at,
        updated_at: row.updated_at,
        seats,
        quote: row.quote.map(|q| q.0),
        offer_code: row.offer_code,
        addons,
    }))
}

/// Which bookings [`list`] reads; every filter given must hold.
#[derive(Clone, Debug, Default)]
pub struct BookingFilter {
    /// Bookings of this customer or broker.
    pub customer: Option<AccountId>,
    /// Bookings for shows of this partner's theaters.
    pub partner: Option<PartnerId>,
    /// Bookings in this status.
    pub status: Option<BookingStatus>,
    /// Bookings of this show.
    pub show: Option<ShowId>,
    /// Bookings made before this instant.
    pub before: Option<DateTime<Utc>>,
    /// At most this many.
    pub limit: i64,
}

/// A booking in a list.
#[derive(Clone, Debug)]
pub struct BookingSummary {
    /// The booking.
    pub booking_id: BookingId,
    /// Its show.
    pub show_id: ShowId,
    /// Its customer or broker; `None` for a guest booking.
    pub customer_id: Option<AccountId>,
    /// Where it stands.
    pub status: BookingStatus,
    /// How many seats.
    pub seat_count: i64,
    /// The seats' total.
    pub total: Money,
    /// Issued once the seats are booked.
    pub ticket_code: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// One row of [`list`].
struct SummaryRow {
    booking_id: BookingId,
    show_id: ShowId,
    customer_id: Option<AccountId>,
    status: BookingStatus,
    seat_count: i64,
    amount_minor: i64,
    currency: Currency,
    ticket_code: Option<String>,
    created_at: DateTime<Utc>,
}

/// The bookings the filter selects, newest first.
pub async fn list(db: &PgPool, filter: &BookingFilter) -> sqlx::Result<Vec<BookingSummary>> {
    let rows = sqlx::query_as!(
        SummaryRow,
        r#"select b.booking_id as "booking_id: BookingId", b.show_id as "show_id: ShowId",
                  b.customer_id as "customer_id: AccountId", b.status as "status: BookingStatus",
                  (select count(*) from booking_seats bs
                    where bs.booking_id = b.booking_id) as "seat_count!",
                  b.amount_minor, b.currency as "currency: Currency", b.ticket_code, b.created_at
             from bookings b
            where ($1::uuid is null or b.customer_id = $1)
              and ($2::uuid is null or b.show_id in (
                      select s.show_id from shows s join theaters t using (theater_id)
                       where t.partner_id = $2))
              and ($3::text is null or b.status = $3)
              and ($4::uuid is null or b.show_id = $4)
              and ($5::timestamptz is null or b.created_at < $5)
            order by b.created_at desc
            limit $6"#,
        filter.customer.map(|c| c.as_uuid()),
        filter.partner.map(|p| p.as_uuid()),
        filter.status.map(BookingStatus::as_str),
        filter.show.map(|s| s.as_uuid()),
        filter.before,
        filter.limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| BookingSummary {
            booking_id: r.booking_id,
            show_id: r.show_id,
            customer_id: r.customer_id,
            status: r.status,
            seat_count: r.seat_count,
            total: Money {
                amount_minor: r.amount_minor,
                currency: r.currency,
            },
            ticket_code: r.ticket_code,
            created_at: r.created_at,
        })
        .collect())
}

/// The partner whose theater runs the show: `None` for no such show, `Some(None)` for a
/// theater without a partner.
pub async fn partner_of_show(
    db: &PgPool,
    show_id: ShowId,
) -> sqlx::Result<Option<Option<PartnerId>>> {
    sqlx::query_scalar!(
        r#"select t.partner_id as "partner_id: PartnerId"
             from shows s join theaters t using (theater_id)
            where s.show_id = $1"#,
        show_id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}
