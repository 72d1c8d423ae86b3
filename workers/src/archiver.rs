//! The analytics archiver: consumer group `mtbp-archiver` on the analytics topic, writing what
//! it reads to S3 as newline-delimited JSON under `{prefix}dt=YYYY-MM-DD/hour=HH/` (the hour
//! the event occurred, UTC), and committing its offsets only after the objects are stored. A
//! crash before the commit reads the batch again: an object of the same first offset is
//! overwritten, a batch cut differently adds at most one batch of duplicates, which the event
//! ids remove (docs/EVENTS.md shows the de-duplicating DuckDB query).

use mtbp_infra::kafka::KafkaSettings;
use mtbp_infra::objects::ObjectStore;
use rdkafka::Message;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How the archiver runs.
#[derive(Clone, Debug)]
pub struct ArchiverConfig {
    /// The broker and topic names.
    pub kafka: KafkaSettings,
    /// Its consumer group (`MTBP_ARCHIVER_GROUP`, `mtbp-archiver`).
    pub group: String,
    /// Key prefix in the bucket (`MTBP_ARCHIVE_PREFIX`, `analytics/`).
    pub prefix: String,
    /// Most events per batch (`MTBP_ARCHIVER_BATCH`, 1,000).
    pub batch: usize,
    /// Longest a batch waits to fill once it has its first event (`MTBP_ARCHIVER_WAIT_MS`,
    /// 5,000).
    pub wait: Duration,
}

impl ArchiverConfig {
    /// Reads the config from the environment.
    pub fn from_env(kafka: KafkaSettings) -> anyhow::Result<Self> {
        use mtbp_infra::config::{parse_or, var_or};
        Ok(Self {
            kafka,
            group: var_or("MTBP_ARCHIVER_GROUP", "mtbp-archiver"),
            prefix: var_or("MTBP_ARCHIVE_PREFIX", "analytics/"),
            batch: parse_or("MTBP_ARCHIVER_BATCH", 1_000usize)?.clamp(1, 100_000),
            wait: Duration::from_millis(
                parse_or("MTBP_ARCHIVER_WAIT_MS", 5_000u64)?.clamp(10, 600_000),
            ),
        })
    }
}

/// What an archiver has done since it started.
#[derive(Debug, Default)]
pub struct ArchiverCounts {
    /// Events written to the archive.
    pub archived: AtomicU64,
    /// Objects written.
    pub objects: AtomicU64,
}

/// One line of the archive and where it goes.
struct Line {
    topic: String,
    partition: i32,
    offset: i64,
    hour: String,
    json: String,
}

/// The object key of the events of one partition and hour, named by their offsets.
pub fn object_key(
    prefix: &str,
    hour: &str,
    topic: &str,
    partition: i32,
    first: i64,
    last: i64,
) -> String {
    format!("{prefix}{hour}/{topic}-p{partition}-{first:012}-{last:012}.ndjson")
}

/// `dt=YYYY-MM-DD/hour=HH` of an envelope's `occurred_at` (UTC), or of `fallback_ms`.
pub fn hour_of(envelope: &serde_json::Value, fallback_ms: Option<i64>) -> String {
    let at = envelope
        .get("occurred_at")
        .and_then(|v| v.as_str())
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|| fallback_ms.and_then(chrono::DateTime::from_timestamp_millis))
        .unwrap_or_else(chrono::Utc::now);
    at.format("dt=%Y-%m-%d/hour=%H").to_string()
}

/// Archives until `stop` turns true; errors are logged and retried, never fatal.
pub async fn run(
    objects: ObjectStore,
    config: ArchiverConfig,
    counts: Arc<ArchiverCounts>,
    mut stop: watch::Receiver<bool>,
) {
    let topics: Vec<String> = mtbp_infra::kafka::ARCHIVED
        .iter()
        .map(|t| config.kafka.topic(t))
        .collect();
    tracing::info!(group = %config.group, topics = %topics.join(","), "analytics archiver started");
    let mut backoff = Duration::from_millis(500);
    while !*stop.borrow() {
        let consumer = match subscribe(&config, &topics).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "archiver: cannot subscribe yet");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        backoff = Duration::from_millis(500);
        if let Err(e) = consume(&consumer, &objects, &config, &counts, &mut stop).await {
            tracing::warn!(error = %format!("{e:#}"), "archiver: batch not archived; reading it again");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    tracing::info!("analytics archiver stopped");
}

async fn subscribe(config: &ArchiverConfig, topics: &[String]) -> anyhow::Result<StreamConsumer> {
    config.kafka.ensure_topics().await?;
    let consumer = config.kafka.group_consumer(&config.group)?;
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&names)?;
    Ok(consumer)
}

/// Reads and archives batches until `stop`, or until a batch fails (the caller subscribes
/// afresh, so the group hands back the uncommitted offsets).
async fn consume(
    consumer: &StreamConsumer,
    objects: &ObjectStore,
    config: &ArchiverConfig,
    counts: &ArchiverCounts,
    stop: &mut watch::Receiver<bool>,
) -> anyhow::Result<()> {
    while !*stop.borrow() {
        let mut lines: Vec<Line> = Vec::new();
        let mut deadline: Option<Instant> = None;
        while lines.len() < config.batch {
            let wait = deadline.map_or(Duration::from_secs(1), |d| {
                d.saturating_duration_since(Instant::now())
            });
            if deadline.is_some() && wait.is_zero() {
                break;
            }
            let message = tokio::select! {
                m = tokio::time::timeout(wait, consumer.recv()) => m,
                _ = stop.changed() => break,
            };
            let message = match message {
                Err(_) if deadline.is_none() => continue, // nothing yet: keep waiting
                Err(_) => break,
                Ok(m) => m?,
            };
            let Some(payload) = message.payload() else {
                continue;
            };
            let json = String::from_utf8_lossy(payload).into_owned();
            let envelope: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            lines.push(Line {
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
                hour: hour_of(&envelope, message.timestamp().to_millis()),
                json,
            });
            deadline.get_or_insert_with(|| Instant::now() + config.wait);
        }
        if lines.is_empty() {
            continue;
        }
        let mut groups: BTreeMap<(&str, String, i32), Vec<&Line>> = BTreeMap::new();
        for line in &lines {
            groups
                .entry((line.topic.as_str(), line.hour.clone(), line.partition))
                .or_default()
                .push(line);
        }
        for ((topic, hour, partition), group) in &groups {
            let first = group.iter().map(|l| l.offset).min().unwrap_or_default();
            let last = group.iter().map(|l| l.offset).max().unwrap_or_default();
            let key = object_key(&config.prefix, hour, topic, *partition, first, last);
            let mut body = String::new();
            for line in group {
                body.push_str(&line.json);
                body.push('\n');
            }
            objects
                .put(&key, body.into_bytes(), "application/x-ndjson")
                .await?;
            counts.objects.fetch_add(1, Ordering::Relaxed);
        }
        // Only now: a crash before this line reads the batch again.
        consumer.commit_consumer_state(CommitMode::Sync)?;
        counts
            .archived
            .fetch_add(lines.len() as u64, Ordering::Relaxed);
        tracing::debug!(events = lines.len(), objects = groups.len(), "archived");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_filed_under_the_utc_hour_it_occurred() {
        let e = serde_json::json!({"occurred_at": "2026-12-02T23:59:59.5+05:30"});
        assert_eq!(hour_of(&e, None), "dt=2026-12-02/hour=18");
        let none = serde_json::json!({});
        assert_eq!(hour_of(&none, Some(0)), "dt=1970-01-01/hour=00");
    }

    #[test]
    fn object_keys_sort_by_offset() {
        let a = object_key(
            "analytics/",
            "dt=2026-12-02/hour=01",
            "mtbp.analytics.v1",
            2,
            9,
            10,
        );
        let b = object_key(
            "analytics/",
            "dt=2026-12-02/hour=01",
            "mtbp.analytics.v1",
            2,
            11,
            20,
        );
        assert!(a < b, "{a} < {b}");
        assert!(
            a.ends_with("mtbp.analytics.v1-p2-000000000009-000000000010.ndjson"),
            "{a}"
        );
    }
}
