//! The outbox relay: publishes the events the database's triggers wrote (docs/EVENTS.md).
//!
//! It keeps leases on a fair share of the outbox's buckets, renewed every third of a lease
//! (several relays share them; a dead relay's leases lapse and another takes them), reads the
//! oldest unpublished events of those buckets, sends them in order to the idempotent producer,
//! waits for the broker's acknowledgements and marks the acknowledged ones published. Nothing
//! is locked while it publishes. A crash between the publish and the mark publishes those
//! events again: consumers de-duplicate by event id, and every event carries its aggregate's
//! sequence number.

use mtbp_infra::kafka::KafkaSettings;
use mtbp_store::PgPool;
use mtbp_store::events::{self, OutboxEvent};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use uuid::Uuid;

/// How the relay runs.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// The broker and topic names.
    pub kafka: KafkaSettings,
    /// Most events read and published per loop (`MTBP_RELAY_BATCH`, 500).
    pub batch: i64,
    /// How long a bucket stays leased without renewal (`MTBP_RELAY_LEASE_SECONDS`, 30).
    pub lease: Duration,
    /// Pause when nothing is waiting (`MTBP_RELAY_IDLE_MS`, 100).
    pub idle: Duration,
    /// Fault injection for crash tests: a pause after a batch is acknowledged by the broker,
    /// before it is marked published (`MTBP_FAULT_PAUSE_AFTER_PUBLISH_MS`; zero in production).
    pub pause_after_publish: Duration,
}

impl RelayConfig {
    /// Reads the config from the environment.
    pub fn from_env(kafka: KafkaSettings) -> anyhow::Result<Self> {
        use mtbp_infra::config::parse_or;
        Ok(Self {
            kafka,
            batch: parse_or("MTBP_RELAY_BATCH", 500i64)?.clamp(1, 10_000),
            lease: Duration::from_secs(parse_or("MTBP_RELAY_LEASE_SECONDS", 30u64)?.clamp(2, 600)),
            idle: Duration::from_millis(parse_or("MTBP_RELAY_IDLE_MS", 100u64)?.clamp(5, 10_000)),
            pause_after_publish: Duration::from_millis(parse_or(
                "MTBP_FAULT_PAUSE_AFTER_PUBLISH_MS",
                0u64,
            )?),
        })
    }
}

/// What a relay has done since it started.
#[derive(Debug, Default)]
pub struct RelayCounts {
    /// Events acknowledged by the broker and marked published.
    pub published: AtomicU64,
    /// Sends that failed (retried at a later loop).
    pub failed: AtomicU64,
}

/// Publishes until `stop` turns true. Errors of the database or the broker are logged and
/// retried with backoff; they never end the loop.
pub async fn run(
    db: PgPool,
    config: RelayConfig,
    counts: Arc<RelayCounts>,
    mut stop: watch::Receiver<bool>,
) {
    let relay_id = format!("relay-{}", Uuid::new_v4().simple());
    tracing::info!(relay.id = %relay_id, brokers = %config.kafka.brokers, "event relay started");
    let mut producer: Option<FutureProducer> = None;
    let mut leases = Leases::default();
    let mut backoff = Duration::from_millis(200);
    while !*stop.borrow() {
        let outcome = step(&db, &config, &relay_id, &mut leases, &mut producer, &counts).await;
        let wait = match outcome {
            Ok(0) => config.idle,
            Ok(_) => {
                backoff = Duration::from_millis(200);
                Duration::ZERO
            }
            Err(e) => {
                tracing::warn!(relay.id = %relay_id, error = %format!("{e:#}"),
                    "event relay: retrying");
                backoff = (backoff * 2).min(Duration::from_secs(10));
                backoff
            }
        };
        if !wait.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }
    if let Some(p) = &producer {
        let _ = p.flush(Timeout::After(Duration::from_secs(5)));
    }
    if let Err(e) = events::release_buckets(&db, &relay_id).await {
        tracing::warn!(relay.id = %relay_id, error = %e, "event relay: leases not given back");
    }
    tracing::info!(relay.id = %relay_id, "event relay stopped");
}

/// The buckets a relay holds, and when it last renewed them.
#[derive(Debug, Default)]
struct Leases {
    buckets: Vec<i16>,
    renewed: Option<Instant>,
}

impl Leases {
    /// The buckets, renewed (and shared out afresh) once a third of the lease has passed, so
    /// an idle relay costs the database one indexed read a loop, not a lease transaction.
    async fn current(
        &mut self,
        db: &PgPool,
        relay_id: &str,
        lease: Duration,
    ) -> anyhow::Result<&[i16]> {
        if self.renewed.is_none_or(|at| at.elapsed() >= lease / 3) {
            self.buckets = events::lease_buckets(db, relay_id, lease).await?;
            self.renewed = Some(Instant::now());
        }
        Ok(&self.buckets)
    }
}

/// One loop: lease, read, publish, mark. Answers how many events it published.
async fn step(
    db: &PgPool,
    config: &RelayConfig,
    relay_id: &str,
    leases: &mut Leases,
    producer: &mut Option<FutureProducer>,
    counts: &RelayCounts,
) -> anyhow::Result<usize> {
    let buckets = leases.current(db, relay_id, config.lease).await?;
    if buckets.is_empty() {
        return Ok(0);
    }
    let started = Instant::now();
    let batch = events::unpublished(db, buckets, config.batch).await?;
    if batch.is_empty() {
        return Ok(0);
    }
    if producer.is_none() {
        config.kafka.ensure_topics().await?;
        *producer = Some(config.kafka.producer(relay_id)?);
    }
    let Some(p) = producer.as_ref() else {
        return Ok(0);
    };
    let (acked, failed) = publish(p, &config.kafka, &batch).await;
    counts.failed.fetch_add(failed as u64, Ordering::Relaxed);
    if !config.pause_after_publish.is_zero() {
        // Fault injection for crash tests: a crash here publishes this batch twice.
        tokio::time::sleep(config.pause_after_publish).await;
    }
    let marked = events::mark_published(db, &acked).await?;
    counts.published.fetch_add(marked, Ordering::Relaxed);
    tracing::debug!(relay.id = %relay_id, published = acked.len(), failed,
        ms = started.elapsed().as_millis() as u64, "event relay batch");
    if failed > 0 {
        // A producer whose broker restarted may be fenced for good (an idempotent producer's
        // fatal error): the next loop starts a fresh one.
        *producer = None;
        anyhow::bail!("{failed} of {} events not acknowledged", batch.len());
    }
    Ok(acked.len())
}

/// Sends `batch` in order and waits for every acknowledgement; answers the acknowledged ids
/// and how many failed.
async fn publish(
    producer: &FutureProducer,
    kafka: &KafkaSettings,
    batch: &[OutboxEvent],
) -> (Vec<Uuid>, usize) {
    // Everything a record borrows, made first so the send futures can borrow it.
    let parts: Vec<(String, String, String, String)> = batch
        .iter()
        .map(|e| {
            (
                kafka.topic(&e.topic),
                e.kafka_key.to_string(),
                e.envelope().to_string(),
                e.event_id.to_string(),
            )
        })
        .collect();
    let sends = batch
        .iter()
        .zip(&parts)
        .map(|(event, (topic, key, payload, id))| {
            let headers = rdkafka::message::OwnedHeaders::new()
                .insert(rdkafka::message::Header {
                    key: "event_id",
                    value: Some(id.as_str()),
                })
                .insert(rdkafka::message::Header {
                    key: "event_type",
                    value: Some(event.event_type.as_str()),
                });
            let record = FutureRecord::to(topic)
                .key(key.as_str())
                .payload(payload.as_str())
                .headers(headers);
            // Enqueued when first polled, in order (join_all polls them in order); a full local
            // queue waits for room, bounded by the producer's own message timeout.
            producer.send(record, Timeout::After(Duration::from_secs(10)))
        });
    let results = futures::future::join_all(sends).await;
    let mut acked = Vec::with_capacity(batch.len());
    let mut failed = 0;
    for (id, result) in batch.iter().map(|e| e.event_id).zip(results) {
        match result {
            Ok(_) => acked.push(id),
            Err((e, _)) => {
                failed += 1;
                tracing::warn!(event.id = %id, error = %e, "event not acknowledged");
            }
        }
    }
    (acked, failed)
}
