//! Kafka: the settings, the relay's idempotent producer, the topics, and consumers.
//!
//! The local stack runs the tansu broker on loopback; production points
//! `MTBP_KAFKA_BROKERS` at any Kafka cluster. Every call has a timeout well under the loop or
//! request that makes it.

use crate::config::{parse_or, var_or};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, StreamConsumer};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::producer::FutureProducer;
use std::time::Duration;

/// The logical topics, in the order the docs list them.
pub const TOPICS: [&str; 6] = [
    "booking",
    "payment",
    "invoice",
    "show",
    "analytics",
    "settlement",
];

/// The topics the analytics archive keeps: the sales, and the settlements and payouts.
pub const ARCHIVED: [&str; 2] = ["analytics", "settlement"];

/// Where Kafka is and what the topics are called.
#[derive(Clone, Debug)]
pub struct KafkaSettings {
    /// Bootstrap servers, comma-separated (`MTBP_KAFKA_BROKERS`); empty: no broker, events stay
    /// in the outbox.
    pub brokers: String,
    /// Prefix of every topic (`MTBP_KAFKA_TOPIC_PREFIX`, `mtbp.`): topic `booking` is
    /// published to `mtbp.booking.v1`.
    pub topic_prefix: String,
    /// Partitions a topic is made with (`MTBP_KAFKA_PARTITIONS`, 3).
    pub partitions: i32,
    /// Replication factor a topic is made with (`MTBP_KAFKA_REPLICATION`, 1 locally).
    pub replication: i32,
}

impl KafkaSettings {
    /// Reads the settings from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            brokers: var_or("MTBP_KAFKA_BROKERS", ""),
            topic_prefix: var_or("MTBP_KAFKA_TOPIC_PREFIX", "mtbp."),
            partitions: parse_or("MTBP_KAFKA_PARTITIONS", 3i32)?.clamp(1, 256),
            replication: parse_or("MTBP_KAFKA_REPLICATION", 1i32)?.clamp(1, 16),
        })
    }

    /// Whether a broker is configured.
    pub fn enabled(&self) -> bool {
        !self.brokers.trim().is_empty()
    }

    /// The Kafka topic of a logical topic (`booking` → `mtbp.booking.v1`).
    pub fn topic(&self, logical: &str) -> String {
        format!("{}{logical}.v1", self.topic_prefix)
    }

    fn base(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("socket.timeout.ms", "10000")
            .set("log_level", "4");
        config
    }

    /// The relay's producer: idempotent (no duplicates or reordering from its own retries),
    /// every in-sync replica acknowledges, a message given up after `MESSAGE_TIMEOUT`.
    pub fn producer(&self, client_id: &str) -> anyhow::Result<FutureProducer> {
        Ok(self
            .base()
            .set("client.id", client_id)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "5")
            .set(
                "message.timeout.ms",
                MESSAGE_TIMEOUT.as_millis().to_string(),
            )
            .create()?)
    }

    /// A consumer of group `group` that commits offsets only when told to.
    pub fn group_consumer(&self, group: &str) -> anyhow::Result<StreamConsumer> {
        Ok(self
            .base()
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "10000")
            .create()?)
    }

    /// A consumer outside any group, for reading a topic from the start (tests, tools).
    pub fn reader(&self) -> anyhow::Result<BaseConsumer> {
        Ok(self
            .base()
            .set("group.id", "mtbp-reader")
            .set("enable.auto.commit", "false")
            .create()?)
    }

    /// Makes the topics that do not exist yet.
    pub async fn ensure_topics(&self) -> anyhow::Result<()> {
        let admin: AdminClient<DefaultClientContext> = self.base().create()?;
        let names: Vec<String> = TOPICS.iter().map(|t| self.topic(t)).collect();
        let topics: Vec<NewTopic<'_>> = names
            .iter()
            .map(|n| {
                NewTopic::new(
                    n,
                    self.partitions,
                    TopicReplication::Fixed(self.replication),
                )
            })
            .collect();
        let options = AdminOptions::new().request_timeout(Some(Duration::from_secs(10)));
        for result in admin.create_topics(&topics, &options).await? {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((name, code)) => anyhow::bail!("creating topic {name}: {code}"),
            }
        }
        Ok(())
    }
}

/// How long the producer keeps trying to deliver one message.
pub const MESSAGE_TIMEOUT: Duration = Duration::from_secs(15);
