//! Sagas to start (`saga_starts`) and sagas that never can (`saga_starts_failed`): the
//! transactional outbox of booking workflow starts that the API's hold writes and its relay
//! drains.
//!
//! The row is written with the booking, by [`crate::bookings::insert_held`] inside the hold's
//! transaction; every statement here commits on its own, so no lock outlives it: nothing the relay does while it waits for Temporal holds a row,
//! a transaction or a pool connection.

use chrono::{DateTime, Utc};
use mtbp_domain::BookingId;
use sqlx::PgPool;
use std::time::Duration;

/// The input of the booking's saga, if it is still to start.
pub async fn pending_input(
    db: &PgPool,
    booking_id: BookingId,
) -> sqlx::Result<Option<serde_json::Value>> {
    sqlx::query_scalar!(
        "select input from saga_starts where booking_id = $1",
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}

/// A claimed row: its booking, the saga's input, and how many times it was claimed.
#[derive(Debug)]
pub struct Claimed {
    /// The booking.
    pub booking_id: BookingId,
    /// The saga's input, as recorded with the hold.
    pub input: serde_json::Value,
    /// Claims so far, this one included.
    pub attempts: i32,
    /// When the hold recorded it.
    pub created_at: DateTime<Utc>,
    /// The hold's trace (W3C `traceparent`), when traces were on.
    pub trace_parent: Option<String>,
}

/// Claims up to `limit` due rows older than `grace`, oldest first: each one's `not_before` moves
/// `lease` ahead, so no other relay takes it meanwhile, and it is due again if this one dies.
pub async fn claim(
    db: &PgPool,
    grace: Duration,
    lease: Duration,
    limit: i64,
) -> sqlx::Result<Vec<Claimed>> {
    let mut claimed = sqlx::query_as!(
        Claimed,
        r#"update saga_starts s
              set not_before = now() + make_interval(secs => $2), attempts = s.attempts + 1
            where s.booking_id in (
                  select booking_id from saga_starts
                   where created_at < now() - make_interval(secs => $1) and not_before <= now()
                   order by created_at limit $3
                     for update skip locked)
        returning s.booking_id as "booking_id: BookingId", s.input, s.attempts, s.created_at,
                  s.trace_parent"#,
        grace.as_secs_f64(),
        lease.as_secs_f64(),
        limit,
    )
    .fetch_all(db)
    .await?;
    claimed.sort_by_key(|c| c.created_at);
    Ok(claimed)
}

/// The saga runs: its row is done.
pub async fn started(db: &PgPool, booking_id: BookingId) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from saga_starts where booking_id = $1",
        booking_id.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Temporal could not take the row now: it is due again after `delay`, with its error kept.
pub async fn back_off(
    db: &PgPool,
    booking_id: BookingId,
    delay: Duration,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update saga_starts set not_before = now() + make_interval(secs => $2), last_error = $3
          where booking_id = $1",
        booking_id.as_uuid(),
        delay.as_secs_f64(),
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Claimed rows this pass did not get to: due again at once.
pub async fn release(db: &PgPool, booking_ids: &[BookingId]) -> sqlx::Result<()> {
    if booking_ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<uuid::Uuid> = booking_ids.iter().map(BookingId::as_uuid).collect();
    sqlx::query!(
        "update saga_starts set not_before = now() where booking_id = any($1)",
        &ids,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The saga can never start: its row moves to `saga_starts_failed` with `error`, in one
/// statement, for an operator to look at.
pub async fn set_aside(db: &PgPool, booking_id: BookingId, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "with moved as (
             delete from saga_starts where booking_id = $1
          returning booking_id, input, created_at, attempts)
         insert into saga_starts_failed (booking_id, input, created_at, attempts, error)
         select booking_id, input, created_at, attempts, $2 from moved
             on conflict (booking_id) do update set error = excluded.error, failed_at = now()",
        booking_id.as_uuid(),
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How many sagas were set aside as unstartable.
pub async fn failed_count(db: &PgPool) -> sqlx::Result<i64> {
    let n = sqlx::query_scalar!(r#"select count(*) as "n!" from saga_starts_failed"#)
        .fetch_one(db)
        .await?;
    Ok(n)
}
