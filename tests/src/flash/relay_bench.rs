//! What the relay sustains: `N` events of a booking's usual size written to the outbox of the
//! bench's database, published by the relay (leases, read, send, acknowledgement, mark), against
//! the limit: the same messages sent by a bare `rdkafka` producer with no database, to the same
//! broker, in the same run.

use mtbp_infra::kafka::KafkaSettings;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;
use serde::Serialize;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Both rates and their ratio.
#[derive(Debug, Serialize)]
pub struct RelayBench {
    /// Events published.
    pub events: usize,
    /// The relay's batch size.
    pub batch: i64,
    /// Relays sharing the outbox.
    pub relays: usize,
    /// Seconds the relays took to publish them all.
    pub relay_seconds: f64,
    /// Events per second through the relays.
    pub relay_per_second: f64,
    /// Seconds the bare producer took for as many messages.
    pub producer_seconds: f64,
    /// Messages per second from the bare producer (the limit).
    pub producer_per_second: f64,
    /// relay ÷ producer.
    pub ratio: f64,
}

/// Writes `events` synthetic booking events to the outbox of `db` (one aggregate each, the
/// body of a `booking.status_changed`), publishes them with `relays` relays on topics of a
/// prefix of their own, then sends as many messages with a bare producer.
pub async fn run(
    db: &PgPool,
    mut kafka: KafkaSettings,
    events: usize,
    relays: usize,
    batch: i64,
) -> anyhow::Result<RelayBench> {
    anyhow::ensure!(kafka.enabled(), "no MTBP_KAFKA_BROKERS: nothing to measure");
    anyhow::ensure!((1..=200_000).contains(&events), "1-200,000 events");
    let run_id = Uuid::new_v4().simple().to_string();
    kafka.topic_prefix = format!("bench{}.mtbp.", &run_id[..8]);
    kafka.ensure_topics().await?;
    // Nothing else in the outbox: earlier runs' events would be published first.
    sqlx::query("update events set published_at = now() where published_at is null")
        .execute(db)
        .await?;
    sqlx::query(
        "insert into events (event_type, schema_version, topic, aggregate_type, aggregate_id,
                             sequence, kafka_key, bucket, body)
         select 'booking.status_changed', 1, 'booking', 'booking', id, 1, id,
                mtbp_event_bucket(id),
                jsonb_build_object('booking_id', id, 'show_id', gen_random_uuid(),
                    'customer_id', null, 'from', 'PaymentCompleted', 'to', 'BookingCompleted',
                    'amount_minor', 45000, 'currency', 'INR')
           from (select gen_random_uuid() as id from generate_series(1, $1)) ids",
    )
    .bind(i64::try_from(events)?)
    .execute(db)
    .await?;

    let started = Instant::now();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for _ in 0..relays.max(1) {
        let config = mtbp_workers::relay::RelayConfig {
            kafka: kafka.clone(),
            batch,
            lease: Duration::from_secs(10),
            idle: Duration::from_millis(20),
            pause_after_publish: Duration::ZERO,
        };
        let counts = Arc::new(mtbp_workers::relay::RelayCounts::default());
        tasks.push(tokio::spawn(mtbp_workers::relay::run(
            db.clone(),
            config,
            counts,
            stopped.clone(),
        )));
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let left = mtbp_store::events::backlog(db).await?;
        if left == 0 {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "{left} events still unpublished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let relay_seconds = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    for t in tasks {
        let _ = t.await;
    }

    // The limit: the same number of messages of the same size (the envelopes), from memory.
    let payloads: Vec<(String, String)> = sqlx::query_as(
        "select kafka_key::text,
                jsonb_build_object('event_id', event_id, 'type', event_type,
                    'schema_version', schema_version, 'aggregate', aggregate_type,
                    'key', aggregate_id, 'sequence', sequence, 'occurred_at', occurred_at,
                    'body', body)::text
           from events
          where published_at >= now() - interval '1 hour' order by position desc limit $1",
    )
    .bind(i64::try_from(events)?)
    .fetch_all(db)
    .await?;
    let producer: FutureProducer = kafka.producer("bench-producer")?;
    let topic = kafka.topic("booking");
    let started = Instant::now();
    let sends = payloads.iter().map(|(key, body)| {
        producer.send(
            FutureRecord::to(&topic)
                .key(key.as_str())
                .payload(body.as_str()),
            Timeout::After(Duration::from_secs(30)),
        )
    });
    let results = futures::future::join_all(sends).await;
    let producer_seconds = started.elapsed().as_secs_f64();
    let failed = results.iter().filter(|r| r.is_err()).count();
    anyhow::ensure!(failed == 0, "{failed} messages of the bare producer failed");
    let relay_per_second = events as f64 / relay_seconds.max(1e-3);
    let producer_per_second = payloads.len() as f64 / producer_seconds.max(1e-3);
    Ok(RelayBench {
        events,
        batch,
        relays,
        relay_seconds,
        relay_per_second,
        producer_seconds,
        producer_per_second,
        ratio: relay_per_second / producer_per_second.max(1e-9),
    })
}
