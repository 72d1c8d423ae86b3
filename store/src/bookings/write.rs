//! Writing a new booking: the row a successful hold leaves, with its seats.

use crate::seats::{Hold, HoldRequest};
use chrono::{DateTime, Utc};
use mtbp_domain::pricing::Quote;
use sqlx::PgConnection;
use sqlx::types::Json;
use std::net::IpAddr;
use uuid::Uuid;

/// How a new booking was priced: its quote, the code entered, and its add-ons.
#[derive(Clone, Copy, Debug)]
pub struct Priced<'a> {
    /// The quote; its total is the booking's amount.
    pub quote: &'a Quote,
    /// The code the customer entered, upper case.
    pub offer_code: Option<&'a str>,
    /// Add-ons: (addon id, quantity, unit price in minor units).
    pub addons: &'a [(Uuid, i32, i64)],
}

/// Writes the booking (`PreBooking`) and its seats for a hold just made; returns `created_at`.
/// `client_addr`: the address of the API's client, for the per-address hold limit.
///
/// `saga_input`, when given, is recorded as the booking's saga to start (`saga_starts`, see
/// [`crate::saga_starts`] for the rest of that row's life) by the same statement: this runs
/// while the hold's transaction keeps the seats' rows locked, and one round trip less there is
/// measurably more holds a second in a flash sale. So are the quote and the add-ons, when
/// `priced` is given (the booking's amount is then the quote's total). `trace_parent`: the
/// hold's trace, for the relay to start the saga in.
pub async fn insert_held(
    conn: &mut PgConnection,
    req: &HoldRequest,
    hold: &Hold,
    client_addr: Option<IpAddr>,
    saga_input: Option<&serde_json::Value>,
    priced: Option<Priced<'_>>,
    trace_parent: Option<&str>,
) -> sqlx::Result<DateTime<Utc>> {
    let addons = priced.map_or(&[][..], |p| p.addons);
    let addon_ids: Vec<Uuid> = addons.iter().map(|a| a.0).collect();
    let quantities: Vec<i32> = addons.iter().map(|a| a.1).collect();
    let unit_prices: Vec<i64> = addons.iter().map(|a| a.2).collect();
    let labels: Vec<String> = hold.seats.iter().map(|s| s.label.clone()).collect();
    let categories: Vec<String> = hold.seats.iter().map(|s| s.category.clone()).collect();
    let prices: Vec<i64> = hold.seats.iter().map(|s| s.price_minor).collect();
    sqlx::query_scalar!(
        r#"with b as (
               insert into bookings (booking_id, show_id, customer_id, contact_name,
                                     contact_email, contact_phone, status, amount_minor,
                                     currency, hold_expires_at, client_addr, quote, offer_code)
               values ($1, $2, $3, $4, $5, $6, 'PreBooking', $7, $8,
                       to_timestamp($9::double precision / 1000), $13::text::inet, $15, $16)
            returning booking_id, created_at),
           addons as (
               insert into booking_addons (booking_id, addon_id, quantity, unit_price_minor)
               select b.booking_id, u.addon_id, u.quantity, u.unit_price
                 from b, unnest($17::uuid[], $18::int[], $19::bigint[])
                      as u(addon_id, quantity, unit_price)),
           seats as (
               insert into booking_seats (booking_id, seat_label, category_code, price_minor)
               select b.booking_id, u.label, u.category, u.price
                 from b, unnest($10::text[], $11::text[], $12::bigint[])
                      as u(label, category, price)),
           saga as (
               insert into saga_starts (booking_id, input, trace_parent)
               select b.booking_id, $14::jsonb, $20 from b where $14::jsonb is not null)
           select created_at as "created_at!" from b"#,
        req.booking_id.as_uuid(),
        req.show_id.as_uuid(),
        req.customer_id.map(|c| c.as_uuid()),
        &req.contact.name,
        &req.contact.email,
        req.contact.phone.as_deref(),
        hold.total.amount_minor,
        hold.total.currency.as_str(),
        hold.expires_at_ms as f64,
        &labels,
        &categories,
        &prices,
        client_addr.map(|a| a.to_string()),
        saga_input,
        priced.map(|p| Json(p.quote)) as _,
        priced.and_then(|p| p.offer_code),
        &addon_ids,
        &quantities,
        &unit_prices,
        trace_parent,
    )
    .fetch_one(conn)
    .await
}
