//! Traces (OpenTelemetry), off unless `MTBP_OTLP_ENDPOINT` names an OTLP/HTTP collector
//! (`http://127.0.0.1:4318`, say; spans go to `{endpoint}/v1/traces` as JSON).
//!
//! One booking is one trace: the API's span for a request continues the caller's W3C
//! `traceparent` (or starts a trace), the Temporal SDK's OpenTelemetry plugin carries it in the
//! `_tracer-data` header of the workflow start or Update-with-Start, and the worker's plugin
//! opens the workflow's span and each activity's under it. A hold's trace is stored with its
//! saga start, so a saga the relay starts later still joins the hold's trace.
//!
//! Spans carry ids only (route templates, workflow and activity ids), never a body, a contact or
//! a token. The exporter is plain HTTP (no TLS is compiled in): ship to a collector beside the
//! process (an agent or sidecar) that forwards over TLS.

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, global};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

/// The tracer provider, once [`init`] found an endpoint (or [`install`] was given one).
static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Whether spans are exported: the Temporal clients take the plugin only then.
pub fn enabled() -> bool {
    PROVIDER.get().is_some()
}

/// Sets up the exporter from `MTBP_OTLP_ENDPOINT`, if set; `service` names the process
/// (`mtbp-api`, `mtbp-worker`). How often batches go out follows the standard
/// `OTEL_BSP_SCHEDULE_DELAY` (milliseconds, 5000 by default).
pub fn init(service: &str) -> anyhow::Result<()> {
    match std::env::var("MTBP_OTLP_ENDPOINT") {
        Ok(endpoint) if !endpoint.trim().is_empty() => install(service, endpoint.trim()),
        _ => Ok(()),
    }
}

/// Exports this process's spans to the OTLP/HTTP collector at `endpoint`. Only the first call
/// in a process takes effect.
pub fn install(service: &str, endpoint: &str) -> anyhow::Result<()> {
    use opentelemetry_otlp::{Protocol, WithExportConfig};
    if enabled() {
        return Ok(());
    }
    let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpJson)
        .with_endpoint(url.clone())
        .with_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| anyhow::anyhow!("MTBP_OTLP_ENDPOINT {url:?}: {e}"))?;
    let batches = BatchSpanProcessor::builder(exporter)
        .with_batch_config(BatchConfigBuilder::default().build())
        .build();
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service.to_owned())
        .build();
    let provider = SdkTracerProvider::builder()
        // Replay-safe ids for the workflows' spans (ordinary random ids elsewhere).
        .with_id_generator(temporalio_sdk::opentelemetry::WorkflowIdGenerator::default())
        .with_span_processor(temporalio_sdk::opentelemetry::WorkflowSpanProcessor::new(
            batches,
        ))
        .with_resource(resource)
        .build();
    if PROVIDER.set(provider.clone()).is_ok() {
        global::set_tracer_provider(provider);
        global::set_text_map_propagator(TraceContextPropagator::new());
    }
    Ok(())
}

/// Sends the spans not yet exported (before a test reads the collector, or at exit). Blocks
/// until the collector answered: call it off an async runtime's threads (`spawn_blocking`).
pub fn flush() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.force_flush();
    }
}

/// Flushes and stops the exporter (at the end of `main`).
pub fn shutdown() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.shutdown_with_timeout(Duration::from_secs(5));
    }
}

/// The Temporal SDK's plugin for a client (and the workers built on it), when spans are
/// exported.
pub fn temporal_plugin() -> Option<temporalio_sdk::SimplePlugin> {
    enabled().then(|| temporalio_sdk::opentelemetry::OpenTelemetryPlugin::builder().build())
}

struct Headers<'a>(&'a http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

/// The caller's trace context from its `traceparent` header (an empty context without one).
pub fn from_headers(headers: &http::HeaderMap) -> Context {
    TraceContextPropagator::new().extract(&Headers(headers))
}

/// `context` as a W3C `traceparent` value, to store beside work that starts later (a saga the
/// relay starts); `None` when there is no valid span in it.
pub fn traceparent(context: &Context) -> Option<String> {
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(context, &mut Carrier(&mut carrier));
    carrier.remove("traceparent")
}

/// The context a stored `traceparent` names (an empty context for `None` or a malformed one).
pub fn from_traceparent(value: Option<&str>) -> Context {
    let mut carrier = HashMap::new();
    if let Some(value) = value {
        carrier.insert("traceparent".to_owned(), value.to_owned());
    }
    TraceContextPropagator::new().extract(&carrier)
}

/// The trace id of `context` in hex, for log lines (`None` without a valid span).
pub fn trace_id(context: &Context) -> Option<String> {
    let span = context.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

struct Carrier<'a>(&'a mut HashMap<String, String>);

impl Injector for Carrier<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceparent_goes_through_headers_and_back_unchanged() {
        let value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let mut headers = http::HeaderMap::new();
        headers.insert("traceparent", value.parse().expect("header"));
        let context = from_headers(&headers);
        assert_eq!(
            trace_id(&context).as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(traceparent(&context).as_deref(), Some(value));
        assert_eq!(
            traceparent(&from_traceparent(Some(value))).as_deref(),
            Some(value)
        );
    }

    #[test]
    fn no_or_a_malformed_traceparent_gives_no_trace() {
        assert_eq!(trace_id(&from_headers(&http::HeaderMap::new())), None);
        assert_eq!(trace_id(&from_traceparent(Some("00-zz-11-01"))), None);
        assert_eq!(traceparent(&from_traceparent(None)), None);
    }
}
