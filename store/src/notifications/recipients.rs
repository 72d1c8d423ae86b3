//! Who a booking's messages go to, what they agreed to, and what a ticket message says.

use chrono::{DateTime, Utc};
use mtbp_domain::notification::Consent;
use mtbp_domain::{BookingId, BookingStatus};
use sqlx::PgExecutor;

/// Where a booking's messages go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// A guest booking (no account): transactional email only, to the address given.
    pub guest: bool,
    /// The email address (an account's, or the guest's); `None` once erased.
    pub email: Option<String>,
    /// The account's phone, if any.
    pub phone: Option<String>,
    /// The account's languages, most preferred first (empty for a guest).
    pub languages: Vec<String>,
    /// What the account agreed to (nothing for a guest).
    pub consent: Consent,
    /// The name to greet.
    pub name: Option<String>,
}

/// The recipient of `booking_id`'s messages, if the booking exists.
pub async fn of_booking(
    db: impl PgExecutor<'_>,
    booking_id: BookingId,
) -> sqlx::Result<Option<Recipient>> {
    let row = sqlx::query!(
        r#"select b.customer_id is null as "guest!",
                  case when b.customer_id is null then b.contact_email
                       when a.erased_at is null then a.email end as email,
                  case when a.erased_at is null then a.phone end as phone,
                  coalesce(a.languages, '{}') as "languages!",
                  coalesce(a.consent_email and a.erased_at is null, false) as "consent_email!",
                  coalesce(a.consent_sms and a.erased_at is null, false) as "consent_sms!",
                  coalesce(b.contact_name, a.name) as name
             from bookings b left join accounts a on a.account_id = b.customer_id
            where b.booking_id = $1"#,
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Recipient {
        guest: r.guest,
        email: r.email.filter(|e| !e.is_empty()),
        phone: r.phone.filter(|p| !p.is_empty()),
        languages: r.languages,
        consent: Consent {
            email: r.consent_email,
            sms: r.consent_sms,
        },
        name: r.name,
    }))
}

/// What a booking's messages say about its show.
#[derive(Clone, Debug)]
pub struct TicketFacts {
    /// Where the booking stands.
    pub status: BookingStatus,
    /// The ticket code, once booked.
    pub ticket_code: Option<String>,
    /// The movie's title.
    pub movie_title: String,
    /// The theater's name.
    pub theater_name: String,
    /// The theater's address.
    pub theater_address: String,
    /// The theater's city.
    pub city: String,
    /// The screen's name.
    pub screen_name: String,
    /// When the show starts.
    pub starts_at: DateTime<Utc>,
    /// The show's language.
    pub language: String,
    /// The booking's total, in minor units.
    pub amount_minor: i64,
    /// Its currency.
    pub currency: String,
    /// What has been refunded of it so far, under every key.
    pub refunded_minor: i64,
}

/// The show, theater and ticket of `booking_id`, if the booking exists.
pub async fn ticket_facts(
    db: impl PgExecutor<'_>,
    booking_id: BookingId,
) -> sqlx::Result<Option<TicketFacts>> {
    sqlx::query_as!(
        TicketFacts,
        r#"select b.status as "status: BookingStatus", b.ticket_code, m.title as movie_title,
                  t.name as theater_name, t.address as theater_address, t.city,
                  sc.name as screen_name, s.starts_at, s.language, b.amount_minor, b.currency,
                  (select coalesce(sum(r.amount_minor), 0) from refunds r
                    where r.booking_id = b.booking_id)::bigint as "refunded_minor!"
             from bookings b
             join shows s on s.show_id = b.show_id
             join movies m on m.movie_id = s.movie_id
             join theaters t on t.theater_id = s.theater_id
             join screens sc on sc.screen_id = s.screen_id
            where b.booking_id = $1"#,
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}

/// When `booking_id`'s show starts, if the booking exists.
pub async fn show_starts_at(
    db: impl PgExecutor<'_>,
    booking_id: BookingId,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!(
        "select s.starts_at from bookings b join shows s on s.show_id = b.show_id
          where b.booking_id = $1",
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}
