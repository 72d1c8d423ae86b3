//! The event outbox (migration `20261206000001_events.sql`): the triggers write an event with
//! every state change; the relay reads what is unpublished in the buckets it leases, publishes
//! it and marks it published. No row lock is held while a relay publishes: a bucket is owned
//! through a lease row with an expiry, which the relay renews every third of its length.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// Buckets the outbox is split into (the migration's `mtbp_event_bucket`).
pub const BUCKETS: i64 = 16;

/// One event as the relay publishes it.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEvent {
    /// Unique id (consumers de-duplicate on it).
    pub event_id: Uuid,
    /// Insertion (and, for one aggregate, commit) order.
    pub position: i64,
    /// E.g. `booking.status_changed`.
    pub event_type: String,
    /// Version of the body's schema.
    pub schema_version: i32,
    /// Logical topic (`booking`, `payment`, `invoice`, `show`, `analytics`).
    pub topic: String,
    /// `booking` or `show`.
    pub aggregate_type: String,
    /// The aggregate's id.
    pub aggregate_id: Uuid,
    /// 1, 2, 3… per aggregate.
    pub sequence: i64,
    /// The Kafka message key.
    pub kafka_key: Uuid,
    /// When the change committed (its transaction's clock).
    pub occurred_at: DateTime<Utc>,
    /// The body: ids, statuses, amounts.
    pub body: serde_json::Value,
}

impl OutboxEvent {
    /// The message as published: the envelope with the body inside.
    pub fn envelope(&self) -> serde_json::Value {
        serde_json::json!({
            "event_id": self.event_id,
            "type": self.event_type,
            "schema_version": self.schema_version,
            "aggregate": self.aggregate_type,
            "key": self.aggregate_id,
            "sequence": self.sequence,
            "occurred_at": self.occurred_at,
            "body": self.body,
        })
    }
}

/// Announces relay `relay_id`, keeps (and renews) its fair share of the buckets, gives back
/// the rest and takes free or lapsed ones up to that share. Answers the buckets it now owns,
/// for `lease` from now.
pub async fn lease_buckets(db: &PgPool, relay_id: &str, lease: Duration) -> sqlx::Result<Vec<i16>> {
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    let mut tx = db.begin().await?;
    sqlx::query!(
        "insert into event_relays (relay_id) values ($1)
         on conflict (relay_id) do update set seen_at = now()",
        relay_id,
    )
    .execute(&mut *tx)
    .await?;
    let live = sqlx::query_scalar!(
        r#"select count(*) as "n!" from event_relays
            where seen_at > now() - make_interval(secs => $1::bigint / 1000.0)"#,
        lease_ms,
    )
    .fetch_one(&mut *tx)
    .await?
    .max(1);
    let share = (BUCKETS + live - 1) / live;
    let kept = sqlx::query_scalar!(
        "update event_relay_leases
            set until = now() + make_interval(secs => $3::bigint / 1000.0)
          where bucket in (select bucket from event_relay_leases
                            where owner = $1 and until > now()
                            order by bucket limit $2)
         returning bucket",
        relay_id,
        share,
        lease_ms,
    )
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query!(
        "update event_relay_leases set owner = null, until = '-infinity'
          where owner = $1 and bucket <> all($2)",
        relay_id,
        &kept,
    )
    .execute(&mut *tx)
    .await?;
    let need = share - i64::try_from(kept.len()).unwrap_or(BUCKETS);
    let taken = sqlx::query_scalar!(
        "update event_relay_leases l
            set owner = $1, until = now() + make_interval(secs => $3::bigint / 1000.0)
           from (select bucket from event_relay_leases where until <= now()
                  order by bucket limit $2 for update skip locked) free
          where l.bucket = free.bucket
         returning l.bucket",
        relay_id,
        need.max(0),
        lease_ms,
    )
    .fetch_all(&mut *tx)
    .await?;
    // Relays gone for a minute are forgotten, so the share grows back.
    sqlx::query!("delete from event_relays where seen_at < now() - interval '1 minute'")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut owned = kept;
    owned.extend(taken);
    owned.sort_unstable();
    Ok(owned)
}

/// Gives back every bucket of `relay_id` (a relay shutting down cleanly).
pub async fn release_buckets(db: &PgPool, relay_id: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update event_relay_leases set owner = null, until = '-infinity' where owner = $1",
        relay_id,
    )
    .execute(db)
    .await?;
    sqlx::query!("delete from event_relays where relay_id = $1", relay_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The oldest unpublished events of `buckets`, in publishing order, at most `limit`.
pub async fn unpublished(
    db: &PgPool,
    buckets: &[i16],
    limit: i64,
) -> sqlx::Result<Vec<OutboxEvent>> {
    sqlx::query_as!(
        OutboxEvent,
        "select event_id, position, event_type, schema_version, topic, aggregate_type,
                aggregate_id, sequence, kafka_key, occurred_at, body
           from events
          where published_at is null and bucket = any($1)
          order by position
          limit $2",
        buckets,
        limit,
    )
    .fetch_all(db)
    .await
}

/// Marks events published (a second mark keeps the first time).
pub async fn mark_published(db: &PgPool, ids: &[Uuid]) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "update events set published_at = coalesce(published_at, now()) where event_id = any($1)",
        ids,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// How many events wait to be published.
pub async fn backlog(db: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from events where published_at is null"#)
        .fetch_one(db)
        .await
}

/// Every event, in order (tests and tools).
pub async fn all(db: &PgPool) -> sqlx::Result<Vec<OutboxEvent>> {
    sqlx::query_as!(
        OutboxEvent,
        "select event_id, position, event_type, schema_version, topic, aggregate_type,
                aggregate_id, sequence, kafka_key, occurred_at, body
           from events order by position",
    )
    .fetch_all(db)
    .await
}
