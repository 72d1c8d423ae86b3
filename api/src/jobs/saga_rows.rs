//! The relay's rows: `saga_starts` (sagas to start) and `saga_starts_failed` (sagas that never
//! can). Every statement here commits on its own, so no lock outlives it: nothing the relay
//! does while it waits for Temporal holds a row, a transaction or a pool connection.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// A claimed row: its booking, the saga's input, and how many times it was claimed.
pub struct Claimed {
    /// The booking.
    pub booking_id: Uuid,
    /// The saga's input, as recorded with the hold.
    pub input: serde_json::Value,
    /// Claims so far, this one included.
    pub attempts: i32,
    created_at: DateTime<Utc>,
}

/// Claims up to `limit` due rows older than `grace`, oldest first: each one's `not_before` moves
/// `lease` ahead, so no other relay takes it meanwhile, and it is due again if this one dies.
pub async fn claim(
    db: &PgPool,
    grace: Duration,
    lease: Duration,
    limit: i64,
) -> sqlx::Result<Vec<Claimed>> {
    let rows: Vec<(Uuid, serde_json::Value, i32, DateTime<Utc>)> = sqlx::query_as(
        "update saga_starts s
            set not_before = now() + make_interval(secs => $2), attempts = s.attempts + 1
          where s.booking_id in (
                select booking_id from saga_starts
                 where created_at < now() - make_interval(secs => $1) and not_before <= now()
                 order by created_at limit $3
                   for update skip locked)
      returning s.booking_id, s.input, s.attempts, s.created_at",
    )
    .bind(grace.as_secs_f64())
    .bind(lease.as_secs_f64())
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut claimed: Vec<Claimed> = rows
        .into_iter()
        .map(|(booking_id, input, attempts, created_at)| Claimed {
            booking_id,
            input,
            attempts,
            created_at,
        })
        .collect();
    claimed.sort_by_key(|c| c.created_at);
    Ok(claimed)
}

/// The saga runs: its row is done.
pub async fn started(db: &PgPool, booking_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("delete from saga_starts where booking_id = $1")
        .bind(booking_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Temporal could not take the row now: it is due again after `delay`, with its error kept.
pub async fn back_off(
    db: &PgPool,
    booking_id: Uuid,
    delay: Duration,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "update saga_starts set not_before = now() + make_interval(secs => $2), last_error = $3
          where booking_id = $1",
    )
    .bind(booking_id)
    .bind(delay.as_secs_f64())
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

/// Claimed rows this pass did not get to: due again at once.
pub async fn release(db: &PgPool, booking_ids: &[Uuid]) -> sqlx::Result<()> {
    if booking_ids.is_empty() {
        return Ok(());
    }
    sqlx::query("update saga_starts set not_before = now() where booking_id = any($1)")
        .bind(booking_ids)
        .execute(db)
        .await?;
    Ok(())
}

/// The saga can never start: its row moves to `saga_starts_failed` with `error`, in one
/// statement, for an operator to look at.
pub async fn set_aside(db: &PgPool, booking_id: Uuid, error: &str) -> sqlx::Result<()> {
    sqlx::query(
        "with moved as (
             delete from saga_starts where booking_id = $1
          returning booking_id, input, created_at, attempts)
         insert into saga_starts_failed (booking_id, input, created_at, attempts, error)
         select booking_id, input, created_at, attempts, $2 from moved
             on conflict (booking_id) do update set error = excluded.error, failed_at = now()",
    )
    .bind(booking_id)
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

/// How many sagas were set aside as unstartable.
pub async fn failed_count(db: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from saga_starts_failed")
        .fetch_one(db)
        .await
}
