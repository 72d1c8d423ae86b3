//! Traces: one booking is one trace, from the customer's HTTP requests through the workflow to
//! each activity, exported over OTLP/HTTP to a small receiver this test runs. The API runs in
//! the test process (its exporter installed here), the worker as a process of its own with
//! `MTBP_OTLP_ENDPOINT`, so the trace really crosses Temporal between processes.

use mtbp_domain::{BookingId, BookingStatus};
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{TestApp, TestOptions};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// One exported span, as the OTLP/JSON export has it.
#[derive(Clone, Debug)]
struct Span {
    service: String,
    trace_id: String,
    span_id: String,
    parent: String,
    name: String,
    attributes: HashMap<String, String>,
}

type Received = Arc<Mutex<Vec<Span>>>;

/// An OTLP/HTTP receiver on a loopback port: keeps every span posted to `/v1/traces`.
async fn receiver() -> (String, Received) {
    use axum::routing::post;
    let received: Received = Arc::default();
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                let Ok(export) = serde_json::from_slice::<Value>(&body) else {
                    return (axum::http::StatusCode::BAD_REQUEST, "not OTLP/JSON");
                };
                let spans = spans_of(&export);
                if let Ok(mut all) = kept.lock() {
                    all.extend(spans);
                }
                (axum::http::StatusCode::OK, "{}")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (address, received)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::Object(v) => v
            .values()
            .next()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn attributes_of(list: &Value) -> HashMap<String, String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|kv| Some((kv["key"].as_str()?.to_owned(), text_of(&kv["value"]))))
        .collect()
}

fn spans_of(export: &Value) -> Vec<Span> {
    let mut out = Vec::new();
    for resource in export["resourceSpans"].as_array().into_iter().flatten() {
        let service = attributes_of(&resource["resource"]["attributes"])
            .remove("service.name")
            .unwrap_or_default();
        for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
            for span in scope["spans"].as_array().into_iter().flatten() {
                out.push(Span {
                    service: service.clone(),
                    trace_id: span["traceId"].as_str().unwrap_or("").to_lowercase(),
                    span_id: span["spanId"].as_str().unwrap_or("").to_lowercase(),
                    parent: span["parentSpanId"].as_str().unwrap_or("").to_lowercase(),
                    name: span["name"].as_str().unwrap_or("").to_owned(),
                    attributes: attributes_of(&span["attributes"]),
                });
            }
        }
    }
    out
}

/// The spans received so far about `workflow_id` (by the SDK's `temporalWorkflowID`).
fn of_workflow(received: &Received, workflow_id: &str) -> Vec<Span> {
    received
        .lock()
        .map(|all| {
            all.iter()
                .filter(|s| {
                    s.attributes.get("temporalWorkflowID").map(String::as_str) == Some(workflow_id)
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until the booking's spans include a `RunActivity` span for each of `activities`.
async fn wait_for_activities(received: &Received, workflow_id: &str, activities: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        // Off the runtime's threads: the receiver answering the export runs on them.
        let _ = tokio::task::spawn_blocking(mtbp_infra::telemetry::flush).await;
        let spans = of_workflow(received, workflow_id);
        let missing: Vec<&&str> = activities
            .iter()
            .filter(|a| {
                !spans
                    .iter()
                    .any(|s| s.name.starts_with("RunActivity:") && s.name.ends_with(*a))
            })
            .collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no spans for {missing:?} of {workflow_id}; got {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Pays for `booking` as `payer` and waits until it is booked.
async fn pay_until_booked(
    app: &TestApp,
    payer: &mtbp_tests::api_client::ApiClient,
    booking: Uuid,
    card: &str,
) {
    let resp = payer.pay(booking, card).await.expect("pay");
    assert!(resp.status().is_success(), "pay: {}", resp.status());
    app.api
        .wait_for_status(booking, BookingStatus::BookingCompleted, 40)
        .await
        .expect("booked");
}

fn traceparent() -> (String, String) {
    let trace = Uuid::new_v4().simple().to_string();
    let span = Uuid::new_v4().simple().to_string()[..16].to_owned();
    (format!("00-{trace}-{span}-01"), trace)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_booking_is_one_trace_from_the_request_through_the_workflow_to_each_activity() {
    let (endpoint, received) = receiver().await;
    // This process's API (and any app spawned from now on) exports to the receiver.
    mtbp_infra::telemetry::install("mtbp-api", &endpoint).expect("exporter");
    let app = TestApp::spawn_with(TestOptions {
        in_process_worker: false,
        traces: true,
        ..TestOptions::default()
    })
    .await;
    let mut worker = app
        .spawn_worker_process_with(
            env!("CARGO_BIN_EXE_mtbp-test-worker"),
            &[
                ("MTBP_OTLP_ENDPOINT", &endpoint),
                ("OTEL_BSP_SCHEDULE_DELAY", "200"),
            ],
        )
        .expect("worker");
    let show = app.create_show(1, 6).await.expect("show");
    let card = app.stripe.card(CARD_OK).await.expect("card");

    // 1. A front end sends one traceparent with the hold and the payment.
    let (parent, trace) = traceparent();
    let customer = app.api.with_header("traceparent", &parent);
    let booking = customer.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    pay_until_booked(&app, &customer, booking, &card).await;
    let workflow_id = BookingId::from_uuid(booking).workflow_id();
    wait_for_activities(
        &received,
        &workflow_id,
        &["charge_payment", "confirm_seats"],
    )
    .await;
    let all: Vec<Span> = received.lock().map(|a| a.clone()).unwrap_or_default();
    let in_trace: Vec<&Span> = all.iter().filter(|s| s.trace_id == trace).collect();
    let names: HashSet<&str> = in_trace.iter().map(|s| s.name.as_str()).collect();
    for name in ["POST /bookings", "POST /bookings/{booking_id}/pay"] {
        assert!(
            in_trace
                .iter()
                .any(|s| s.name == name && s.service == "mtbp-api"),
            "{name} not in the booking's trace: {names:?}"
        );
    }
    // Every span about the workflow, client and worker side, is in the booking's trace.
    let about = of_workflow(&received, &workflow_id);
    assert!(
        about.iter().any(|s| s.service == "mtbp-worker"),
        "no worker span: {about:?}"
    );
    for span in &about {
        assert_eq!(span.trace_id, trace, "{} left the trace", span.name);
    }
    // The workflow was started by the payment request (Update-with-Start) or, when the relay
    // came first, in the hold request's context; each activity by the workflow's call to it.
    let requests: Vec<&str> = in_trace
        .iter()
        .filter(|s| s.service == "mtbp-api" && s.name.starts_with("POST /bookings"))
        .map(|s| s.span_id.as_str())
        .collect();
    let started = about
        .iter()
        .find(|s| {
            s.name.starts_with("UpdateWithStartWorkflow:") || s.name.starts_with("StartWorkflow:")
        })
        .expect("the workflow's start");
    assert!(
        requests.contains(&started.parent.as_str()),
        "{} does not hang under a request of the booking",
        started.name
    );
    let ids: HashSet<&str> = in_trace.iter().map(|s| s.span_id.as_str()).collect();
    for run in about.iter().filter(|s| s.name.starts_with("RunActivity:")) {
        let call = in_trace
            .iter()
            .find(|s| s.span_id == run.parent)
            .unwrap_or_else(|| panic!("{}'s parent is not in the trace", run.name));
        assert!(
            call.name.starts_with("StartActivity:"),
            "{} runs under {}",
            run.name,
            call.name
        );
        assert!(ids.contains(run.span_id.as_str()));
    }
    // Ids only: no contact, card or token in any span attribute.
    for span in &all {
        for value in span.attributes.values() {
            assert!(!value.contains('@'), "{}: {value}", span.name);
            assert!(!value.starts_with("pm_"), "{}: {value}", span.name);
        }
    }

    // 2. A saga the relay starts (the customer pays after it ran) joins the hold's trace.
    let (parent, hold_trace) = traceparent();
    let booking = app
        .api
        .with_header("traceparent", &parent)
        .hold_ok(show.show_id, &["A3"])
        .await
        .expect("hold");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left: i64 =
            sqlx::query_scalar("select count(*) from saga_starts where booking_id = $1")
                .bind(booking)
                .fetch_one(&app.db)
                .await
                .expect("saga_starts");
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the relay never started the saga"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    pay_until_booked(&app, &app.api, booking, &card).await;
    let workflow_id = BookingId::from_uuid(booking).workflow_id();
    wait_for_activities(&received, &workflow_id, &["charge_payment"]).await;
    let about = of_workflow(&received, &workflow_id);
    let start = about
        .iter()
        .find(|s| s.name.starts_with("StartWorkflow:"))
        .expect("the relay's start");
    assert_eq!(
        start.trace_id, hold_trace,
        "the relay started it outside the hold's trace"
    );
    for run in about.iter().filter(|s| s.name.starts_with("RunActivity:")) {
        assert_eq!(
            run.trace_id, hold_trace,
            "{} left the hold's trace",
            run.name
        );
    }
    let _ = worker.kill();
    let _ = worker.wait();
}
