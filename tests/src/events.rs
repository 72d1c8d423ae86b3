//! Events in tests: read a test's topics from the start, de-duplicate, and check every event
//! against its JSON Schema in `docs/events/`.

use anyhow::Context;
use mtbp_infra::kafka::{KafkaSettings, TOPICS};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Message, Offset, TopicPartitionList};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The relay as tests run it: short leases (a killed relay's buckets come back in seconds),
/// a quick idle poll.
pub fn relay_config(kafka: KafkaSettings) -> mtbp_workers::relay::RelayConfig {
    mtbp_workers::relay::RelayConfig {
        kafka,
        batch: 200,
        lease: Duration::from_secs(4),
        idle: Duration::from_millis(50),
        pause_after_publish: Duration::ZERO,
    }
}

/// One message read back.
#[derive(Clone, Debug)]
pub struct Received {
    /// Its topic.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its key.
    pub key: Option<String>,
    /// The envelope.
    pub envelope: Value,
}

impl Received {
    /// The event id.
    pub fn event_id(&self) -> Option<Uuid> {
        self.envelope["event_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
    }

    /// The event type.
    pub fn event_type(&self) -> &str {
        self.envelope["type"].as_str().unwrap_or_default()
    }
}

/// Reads every message of the app's topics from the start until `done` says the set is
/// complete or `timeout` passes; answers everything read (duplicates included), in the order
/// read per partition.
pub fn read_topics(
    kafka: &KafkaSettings,
    timeout: Duration,
    done: impl Fn(&[Received]) -> bool,
) -> anyhow::Result<Vec<Received>> {
    let consumer: BaseConsumer = kafka.reader()?;
    let mut assignment = TopicPartitionList::new();
    for topic in TOPICS {
        let name = kafka.topic(topic);
        let metadata = consumer
            .fetch_metadata(Some(&name), Duration::from_secs(10))
            .with_context(|| format!("metadata of {name}"))?;
        for t in metadata.topics() {
            for p in t.partitions() {
                assignment.add_partition_offset(t.name(), p.id(), Offset::Beginning)?;
            }
        }
    }
    consumer.assign(&assignment)?;
    let deadline = Instant::now() + timeout;
    let mut received = Vec::new();
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let envelope = m
                    .payload()
                    .and_then(|p| serde_json::from_slice(p).ok())
                    .unwrap_or(Value::Null);
                received.push(Received {
                    topic: m.topic().to_owned(),
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                    envelope,
                });
            }
            Some(Err(e)) => tracing::warn!(error = %e, "reading the test's topics"),
            None => {
                if done(&received) {
                    break;
                }
            }
        }
    }
    Ok(received)
}

/// The first copy of every event, in the order read.
pub fn dedup(received: &[Received]) -> Vec<Received> {
    let mut seen = HashSet::new();
    received
        .iter()
        .filter(|r| r.event_id().is_some_and(|id| seen.insert(id)))
        .cloned()
        .collect()
}

/// The schemas of `docs/events/`: the envelope's and one per event type.
pub struct Schemas {
    envelope: jsonschema::Validator,
    bodies: BTreeMap<String, (jsonschema::Validator, Value)>,
}

impl Schemas {
    /// Loads every schema of `docs/events/`.
    pub fn load() -> anyhow::Result<Self> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/events");
        let read = |name: &str| -> anyhow::Result<Value> {
            let path = format!("{dir}/{name}");
            let text = std::fs::read_to_string(&path).with_context(|| path.clone())?;
            serde_json::from_str(&text).with_context(|| path)
        };
        let compile = |schema: &Value| {
            jsonschema::options()
                .should_validate_formats(true)
                .build(schema)
                .map_err(|e| anyhow::anyhow!("{e}"))
        };
        let envelope = compile(&read("envelope.schema.json")?)?;
        let mut bodies = BTreeMap::new();
        for entry in std::fs::read_dir(dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let Some(event_type) = name.strip_suffix(".schema.json") else {
                continue;
            };
            if event_type == "envelope" {
                continue;
            }
            let schema = read(&name)?;
            bodies.insert(event_type.to_owned(), (compile(&schema)?, schema));
        }
        Ok(Self { envelope, bodies })
    }

    /// The event types that have a schema.
    pub fn types(&self) -> Vec<&str> {
        self.bodies.keys().map(String::as_str).collect()
    }

    /// The property names a type's body may have.
    pub fn properties(&self, event_type: &str) -> Vec<String> {
        self.bodies
            .get(event_type)
            .and_then(|(_, s)| s["properties"].as_object())
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Every way `envelope` breaks its schemas (empty: it is valid).
    pub fn problems(&self, envelope: &Value) -> Vec<String> {
        let mut out: Vec<String> = self
            .envelope
            .iter_errors(envelope)
            .map(|e| format!("envelope: {e}"))
            .collect();
        let event_type = envelope["type"].as_str().unwrap_or_default();
        match self.bodies.get(event_type) {
            Some((body, _)) => out.extend(
                body.iter_errors(&envelope["body"])
                    .map(|e| format!("{event_type}: {e} at {}", e.instance_path())),
            ),
            None => out.push(format!("no schema for type {event_type:?}")),
        }
        out
    }
}

/// Every event of the database's outbox as its envelope, checked against the schemas; panics
/// naming the first events that break them. Answers how many were checked, by type.
pub async fn assert_outbox_matches_schemas(db: &mtbp_store::PgPool) -> BTreeMap<String, usize> {
    let schemas = Schemas::load().expect("the schemas of docs/events load");
    let events = mtbp_store::events::all(db).await.expect("outbox");
    let mut by_type = BTreeMap::new();
    let mut bad = Vec::new();
    for e in &events {
        *by_type.entry(e.event_type.clone()).or_insert(0) += 1;
        let problems = schemas.problems(&e.envelope());
        if !problems.is_empty() {
            bad.push(format!("{} {}: {problems:?}", e.event_type, e.event_id));
        }
    }
    assert!(bad.is_empty(), "events that break their schemas: {bad:#?}");
    by_type
}
