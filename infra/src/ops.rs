//! What a process tells its operators: the metrics it serves at `/metrics` (the `metrics`
//! facade, rendered in Prometheus' text format) and the readiness of each dependency it needs
//! (`/ready`), each probe bounded by a timeout and recorded as `mtbp_dependency_up`.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Buckets of every `*_seconds` histogram: from 5 ms (a hold) to 2 minutes (a slow step).
const SECONDS_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

/// The process's metrics recorder, installed on first use (once per process: the test
/// harness runs many APIs and workers in one and they share it).
pub fn metrics() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
        }
        describe();
        handle
    })
}

/// The metrics in Prometheus' text format.
pub fn render() -> String {
    let handle = metrics();
    handle.run_upkeep();
    handle.render()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "mtbp_http_requests_total",
        "HTTP requests by method, route and status"
    );
    describe_histogram!(
        "mtbp_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request latency by method and route"
    );
    describe_counter!(
        "mtbp_holds_total",
        "Seat holds by outcome (held, conflict, refused)"
    );
    describe_counter!("mtbp_bookings_total", "Bookings by final outcome");
    describe_histogram!(
        "mtbp_saga_step_duration_seconds",
        metrics::Unit::Seconds,
        "Duration of each attempt of a saga step (activity), by step and kind"
    );
    describe_counter!(
        "mtbp_saga_step_retries_total",
        "Attempts of a saga step after its first"
    );
    describe_counter!(
        "mtbp_saga_step_failures_total",
        "Attempts of a saga step that failed"
    );
    describe_gauge!(
        "mtbp_bookings_oldest_age_seconds",
        metrics::Unit::Seconds,
        "Age of the oldest booking in each non-terminal status (0 when none)"
    );
    describe_gauge!(
        "mtbp_holds_past_expiry",
        "Holds expired over 2 minutes ago, not released"
    );
    describe_gauge!(
        "mtbp_bookings_needing_operator",
        "Bookings flagged for an operator"
    );
    describe_gauge!("mtbp_outbox_pending", "Events not yet relayed to Kafka");
    describe_gauge!(
        "mtbp_outbox_lag_seconds",
        metrics::Unit::Seconds,
        "Age of the oldest event not yet relayed (0 when none)"
    );
    describe_gauge!(
        "mtbp_settlements_failed",
        "Settlements that failed and wait for an operator"
    );
    describe_gauge!(
        "mtbp_dependency_up",
        "1 when the dependency answered its last probe"
    );
}

/// One dependency's probe.
#[derive(Clone, Debug, Serialize)]
pub struct Probe {
    /// `database`, `temporal`, `gateway`…
    pub dependency: &'static str,
    /// Whether it answered in time.
    pub ok: bool,
    /// What it answered, or why not.
    pub detail: String,
    /// How long the probe took.
    pub latency_ms: u64,
}

/// Runs one probe within `timeout` and records it as `mtbp_dependency_up{dependency}`.
pub async fn probe<F>(dependency: &'static str, timeout: Duration, check: F) -> Probe
where
    F: Future<Output = Result<String, String>>,
{
    let started = Instant::now();
    let (ok, detail) = match tokio::time::timeout(timeout, check).await {
        Ok(Ok(detail)) => (true, detail),
        Ok(Err(why)) => (false, why.chars().take(300).collect()),
        Err(_) => (
            false,
            format!("no answer within {} ms", timeout.as_millis()),
        ),
    };
    metrics::gauge!("mtbp_dependency_up", "dependency" => dependency).set(if ok {
        1.0
    } else {
        0.0
    });
    Probe {
        dependency,
        ok,
        detail,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// The readiness report: ready when every probe is.
#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// Each dependency's probe.
    pub dependencies: Vec<Probe>,
}

impl Readiness {
    /// The report of `probes`.
    pub fn of(dependencies: Vec<Probe>) -> Self {
        let ready = dependencies.iter().all(|p| p.ok);
        Self {
            status: if ready { "ready" } else { "not_ready" },
            dependencies,
        }
    }

    /// Whether every dependency answered.
    pub fn is_ready(&self) -> bool {
        self.status == "ready"
    }
}

/// A TCP connection to `addr` (`host:port`) opens: the probe of SMTP and Kafka brokers.
pub async fn tcp_opens(addr: &str) -> Result<String, String> {
    tokio::net::TcpStream::connect(addr)
        .await
        .map(|_| format!("{addr} accepts connections"))
        .map_err(|e| format!("{addr}: {e}"))
}

/// Probes Temporal: describing a workflow that does not exist answers `not found` from a
/// frontend that works.
pub async fn temporal(client: &temporalio_client::Client) -> Result<String, String> {
    use temporalio_client::errors::WorkflowInteractionError;
    let handle =
        client.get_workflow_handle::<temporalio_client::UntypedWorkflow>("mtbp-readiness-probe");
    match handle.describe(Default::default()).await {
        Ok(_) | Err(WorkflowInteractionError::NotFound(_)) => Ok("answers".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Probes the payment gateway: reading an intent that does not exist answers 404 from a
/// gateway that works.
pub async fn gateway(gateway: &crate::gateway::StripeGateway) -> Result<String, String> {
    use crate::gateway::GatewayError;
    match gateway.get_payment_intent("pi_readiness_probe").await {
        Ok(_) | Err(GatewayError::Rejected { .. } | GatewayError::Declined { .. }) => {
            Ok("answers".to_owned())
        }
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_probe_that_times_out_is_down_and_says_so() {
        // The recorder first, as the binaries install it at start.
        let _ = metrics();
        let slow = probe("slow", Duration::from_millis(20), async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok("never".to_owned())
        })
        .await;
        assert!(!slow.ok);
        assert!(slow.detail.contains("no answer within 20 ms"));
        let fine = probe("fine", Duration::from_secs(1), async {
            Ok("answers".to_owned())
        })
        .await;
        let report = Readiness::of(vec![fine.clone(), slow]);
        assert!(!report.is_ready());
        assert!(Readiness::of(vec![fine]).is_ready());
        let text = render();
        assert!(
            text.contains("mtbp_dependency_up{dependency=\"slow\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("mtbp_dependency_up{dependency=\"fine\"} 1"),
            "{text}"
        );
    }
}
