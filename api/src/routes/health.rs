//! `GET /health`: is the API up, and can it reach its database? `GET /ready`: can it reach
//! every dependency it needs, each with its own answer? `GET /metrics`: Prometheus' text.

use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::jobs::saga_relay as saga;
use crate::state::AppState;
use crate::temporal_calls::{self, TemporalCalls};
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// Health report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` in a 200.
    pub status: &'static str,
    /// Bookings whose saga could never be started and was set aside (`saga_starts_failed`):
    /// anything but 0 needs an operator (see OPERATIONS.md).
    pub unstartable_sagas: i64,
    /// Calls this process made to Temporal since it started (see `temporal_calls`): what a
    /// booking costs in round trips, for benchmarks.
    pub temporal_calls: TemporalCalls,
}

/// Reports health; 503 when the database does not answer.
#[utoipa::path(get, path = "/health", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = ErrorEnvelope)))]
pub async fn health(State(state): State<AppState>) -> ApiResult<ApiJson<Health>> {
    let unstartable_sagas = saga::unstartable_count(&state)
        .await
        .map_err(|_| ApiError::Unavailable("the database is not reachable".into()))?;
    Ok(ApiJson(Health {
        status: "ok",
        unstartable_sagas,
        temporal_calls: temporal_calls::snapshot(),
    }))
}

/// The readiness of each dependency the API needs (database, Temporal, the payment gateway),
/// each probed within a second: 200 when all answer, 503 (same body) when one does not. A
/// load balancer sends traffic only to a ready API; `/health` says whether it is alive.
#[utoipa::path(get, path = "/ready", tag = "ops",
    responses((status = 200, body = Object, description = "Every dependency answered"),
              (status = 503, body = Object, description = "One did not; `dependencies` says which")))]
pub async fn ready(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    use mtbp_infra::ops;
    let timeout = std::time::Duration::from_secs(1);
    let (db, temporal, gateway) = tokio::join!(
        ops::probe("database", timeout, mtbp_store::ping(&state.db)),
        ops::probe("temporal", timeout, ops::temporal(&state.temporal)),
        ops::probe("gateway", timeout, ops::gateway(&state.gateway)),
    );
    let report = ops::Readiness::of(vec![db, temporal, gateway]);
    let status = if report.is_ready() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(report)).into_response()
}

/// `GET /metrics`: the API's metrics in Prometheus' text format (not in the OpenAPI document:
/// it is for Prometheus, not for clients). The dependency gauges are probed afresh first.
pub async fn metrics(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let _ = ready(State(state)).await;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        mtbp_infra::ops::render(),
    )
        .into_response()
}

/// Counts and times every request by method, matched route and status
/// (`mtbp_http_requests_total`, `mtbp_http_request_duration_seconds`). Unmatched paths count
/// under one `unmatched` route, so scanners cannot blow up the series.
///
/// Each request also gets a server span named by its route (`POST /bookings/{booking_id}/pay`)
/// that continues the caller's `traceparent`, is current while the handler runs (so the
/// workflows it starts or updates join the trace, see `mtbp_infra::telemetry`), and whose trace
/// id is in the request's log lines (`trace.id`). The span is recorded only with traces on.
pub async fn track(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use opentelemetry::KeyValue;
    use opentelemetry::trace::{
        FutureExt as _, SpanKind, Status, TraceContextExt as _, Tracer as _,
    };
    let started = std::time::Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let parent = mtbp_infra::telemetry::from_headers(req.headers());
    let tracer = opentelemetry::global::tracer("mtbp-api");
    let span = tracer
        .span_builder(format!("{method} {route}"))
        .with_kind(SpanKind::Server)
        .with_attributes([
            KeyValue::new("http.request.method", method.clone()),
            KeyValue::new("http.route", route.clone()),
        ])
        .start_with_context(&tracer, &parent);
    let context = parent.with_span(span);
    if let Some(trace_id) = mtbp_infra::telemetry::trace_id(&context) {
        tracing::Span::current().record("trace.id", trace_id);
    }
    let resp = next.run(req).with_context(context.clone()).await;
    let code = resp.status().as_u16();
    let otel_span = context.span();
    otel_span.set_attribute(KeyValue::new("http.response.status_code", i64::from(code)));
    if code >= 500 {
        otel_span.set_status(Status::error(format!("answered {code}")));
    }
    otel_span.end();
    let status = code.to_string();
    metrics::counter!("mtbp_http_requests_total",
        "method" => method.clone(), "route" => route.clone(), "status" => status)
    .increment(1);
    metrics::histogram!("mtbp_http_request_duration_seconds",
        "method" => method, "route" => route)
    .record(started.elapsed().as_secs_f64());
    resp
}
