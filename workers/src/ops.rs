//! What a worker tells its operators: `/health`, `/ready` (every dependency it needs, each with
//! its own answer) and `/metrics` on `MTBP_WORKER_ADDR`; the saga-step metrics and log fields
//! of every activity (an interceptor); the gauges read from the database every few seconds
//! (oldest booking per status, holds past expiry, flagged bookings, outbox lag, failed
//! settlements); and the Temporal SDK's own worker metrics, appended to `/metrics`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::FutureExt;
use mtbp_infra::gateway::StripeGateway;
use mtbp_infra::objects::ObjectStore;
use mtbp_infra::ops::{self, Readiness};
use mtbp_store::PgPool;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use temporalio_sdk::interceptors::{
    ActivityInboundInterceptor, ExecuteActivityInput, ExecuteActivityOutput, Next,
};
use tracing::Instrument;

/// Saga steps that undo others: their failures are compensation failures (an alert).
const COMPENSATIONS: [&str; 6] = [
    "refund_payment",
    "close_booking",
    "release_seats",
    "release_theater_lock",
    "flag_for_operator",
    "refund_cancellation",
];

/// Times every activity attempt (`mtbp_saga_step_duration_seconds{step,kind}`), counts retries
/// and failures, counts bookings by the final status their closing step records, and runs the
/// activity in a span with dotted ids (`workflow.id`, `booking.id`, `activity.type`,
/// `activity.attempt`) so its log lines say which booking they are about.
#[derive(Debug, Default)]
pub struct StepMetrics;

impl ActivityInboundInterceptor for StepMetrics {
    fn execute_activity<'a>(
        &'a self,
        input: ExecuteActivityInput,
        next: Next<'a, ExecuteActivityInput, ExecuteActivityOutput<'a>>,
    ) -> ExecuteActivityOutput<'a> {
        let info = input.activity_info();
        // `PaymentActivities::charge_payment` → `charge_payment`: short, stable labels.
        let step = info
            .activity_type
            .rsplit("::")
            .next()
            .unwrap_or_default()
            .to_owned();
        let attempt = info.attempt;
        let workflow_id = info.workflow_id.clone().unwrap_or_default();
        let booking_id = workflow_id
            .strip_prefix("booking-")
            .unwrap_or_default()
            .to_owned();
        let kind = if COMPENSATIONS.contains(&step.as_str()) {
            "compensation"
        } else {
            "forward"
        };
        // The status a closing step ends the booking in, counted once it succeeds.
        let closing = input
            .args_ref::<mtbp_activities::seats::CloseRequest>()
            .and_then(|r| r.final_status)
            .map(|s| s.as_str());
        let span = tracing::info_span!("activity", activity.type = %step, activity.attempt = attempt,
            workflow.id = %workflow_id, booking.id = %booking_id);
        async move {
            let started = Instant::now();
            let result = next.run(input).await;
            let labels = [("step", step.clone()), ("kind", kind.to_owned())];
            metrics::histogram!("mtbp_saga_step_duration_seconds", &labels)
                .record(started.elapsed().as_secs_f64());
            if attempt > 1 {
                metrics::counter!("mtbp_saga_step_retries_total", &labels).increment(1);
            }
            match &result {
                Err(e) => {
                    metrics::counter!("mtbp_saga_step_failures_total", &labels).increment(1);
                    tracing::warn!(error = %format!("{e:?}").chars().take(300).collect::<String>(),
                        "saga step attempt failed");
                }
                Ok(out) => {
                    let confirmed = out
                        .downcast_ref::<mtbp_activities::seats::ConfirmOutcome>()
                        .is_some_and(|o| {
                            matches!(o, mtbp_activities::seats::ConfirmOutcome::Confirmed { .. })
                        });
                    let outcome = if confirmed {
                        Some("BookingCompleted")
                    } else {
                        closing
                    };
                    if let Some(outcome) = outcome {
                        metrics::counter!("mtbp_bookings_total", "outcome" => outcome).increment(1);
                    }
                }
            }
            result
        }
        .instrument(span)
        .boxed()
    }
}

/// What the ops endpoints probe.
#[derive(Clone)]
pub struct OpsState {
    /// The worker's database.
    pub db: PgPool,
    /// Temporal.
    pub temporal: temporalio_client::Client,
    /// The payment gateway.
    pub gateway: StripeGateway,
    /// The documents' store.
    pub objects: ObjectStore,
    /// `host:port` of the SMTP server.
    pub smtp: String,
    /// The first Kafka broker, if the worker relays or archives events.
    pub kafka: Option<String>,
    /// Where the Temporal SDK serves its own metrics (appended to `/metrics`).
    pub sdk_metrics: Option<SocketAddr>,
    /// Reads the SDK's metrics.
    pub http: reqwest::Client,
}

impl std::fmt::Debug for OpsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpsState")
            .field("smtp", &self.smtp)
            .finish_non_exhaustive()
    }
}

/// Probes every dependency, each within a second.
pub async fn readiness(s: &OpsState) -> Readiness {
    let t = Duration::from_secs(1);
    let s3 = async {
        s.objects
            .list("readiness/", 1)
            .await
            .map(|_| format!("bucket {} answers", s.objects.bucket()))
            .map_err(|e| e.to_string())
    };
    let kafka = async {
        match &s.kafka {
            Some(broker) => ops::tcp_opens(broker).await,
            None => Ok("not used by this worker".to_owned()),
        }
    };
    let (db, temporal, gateway, s3, smtp, kafka) = tokio::join!(
        ops::probe("database", t, mtbp_store::ping(&s.db)),
        ops::probe("temporal", t, ops::temporal(&s.temporal)),
        ops::probe("gateway", t, ops::gateway(&s.gateway)),
        ops::probe("s3", t, s3),
        ops::probe("smtp", t, ops::tcp_opens(&s.smtp)),
        ops::probe("kafka", t, kafka),
    );
    Readiness::of(vec![db, temporal, gateway, s3, smtp, kafka])
}

/// `/health`, `/ready` and `/metrics`.
pub fn router(state: OpsState) -> Router {
    Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/ready", get(ready))
        .route("/metrics", get(metrics_text))
        .with_state(Arc::new(state))
}

async fn ready(State(s): State<Arc<OpsState>>) -> Response {
    let report = readiness(&s).await;
    let status = if report.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(report)).into_response()
}

async fn metrics_text(State(s): State<Arc<OpsState>>) -> Response {
    let _ = readiness(&s).await;
    let mut text = ops::render();
    if let Some(addr) = s.sdk_metrics {
        let sdk = s
            .http
            .get(format!("http://{addr}/metrics"))
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        match sdk {
            Ok(r) => text.push_str(&r.text().await.unwrap_or_default()),
            Err(e) => tracing::warn!(error = %e, "the Temporal SDK's metrics did not answer"),
        }
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Reads the database's gauges every `every` until `stop` says so.
pub async fn gauges(db: PgPool, every: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        match mtbp_store::operator_actions::gauges(&db).await {
            Ok(g) => {
                let oldest = [
                    ("PreBooking", g.oldest_pre_booking),
                    ("PaymentInitiated", g.oldest_payment_initiated),
                    ("PaymentCompleted", g.oldest_payment_completed),
                    ("BookingCompleted", g.oldest_booking_completed),
                    ("Invoiced", g.oldest_invoiced),
                ];
                for (status, age) in oldest {
                    metrics::gauge!("mtbp_bookings_oldest_age_seconds", "status" => status)
                        .set(age);
                }
                metrics::gauge!("mtbp_holds_past_expiry").set(g.holds_past_expiry as f64);
                metrics::gauge!("mtbp_bookings_needing_operator").set(g.needing_operator as f64);
                metrics::gauge!("mtbp_outbox_pending").set(g.outbox_pending as f64);
                metrics::gauge!("mtbp_outbox_lag_seconds").set(g.outbox_lag);
                metrics::gauge!("mtbp_settlements_failed").set(g.settlements_failed as f64);
                metrics::gauge!("mtbp_refunds_owed").set(g.refunds_owed as f64);
            }
            Err(e) => tracing::warn!(error = %e, "gauges not read"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Serves the ops endpoints on `addr` until `stop` says so.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: OpsState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(async move {
            let _ = stop.changed().await;
        })
        .await;
    if let Err(e) = served {
        tracing::warn!(error = %e, "the worker's ops endpoints stopped");
    }
}
