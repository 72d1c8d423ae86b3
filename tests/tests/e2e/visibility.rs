//! Ops can find and explain every booking: search attributes in Temporal, a replayable
//! history, and the API contract at /openapi.json and /docs.

use futures::StreamExt;
use mtbp_domain::BookingId;
use mtbp_tests::TestApp;
use mtbp_tests::stripe::{CARD_DECLINED, CARD_OK};
use mtbp_workflows::BookingWorkflow;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};
use temporalio_client::{WorkflowFetchHistoryOptions, WorkflowListOptions};

pub(crate) async fn find(app: &TestApp, query: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut ids = Vec::new();
        let mut stream = app
            .temporal
            .list_workflows(query, WorkflowListOptions::builder().limit(20).build());
        while let Some(item) = stream.next().await {
            ids.push(item.expect("list").id().to_owned());
        }
        if !ids.is_empty() || Instant::now() > deadline {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn bookings_can_be_found_in_temporal_by_status_show_customer_and_expiry() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let paid = app.api.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let declined = app.api.hold_ok(show.show_id, &["A2"]).await.expect("hold");
    let ok = app.stripe.card(CARD_OK).await.expect("card");
    let bad = app.stripe.card(CARD_DECLINED).await.expect("card");
    assert_eq!(
        app.api.pay(paid, &ok).await.expect("pay").status(),
        StatusCode::OK
    );
    let resp = app.api.pay(declined, &bad).await.expect("pay");
    let status = resp.status();
    assert_eq!(
        status,
        StatusCode::PAYMENT_REQUIRED,
        "{}",
        resp.text().await.unwrap_or_default()
    );

    let paid_wf = BookingId::from_uuid(paid).workflow_id();
    let declined_wf = BookingId::from_uuid(declined).workflow_id();
    let show_q = format!("ShowId = '{}'", show.show_id);
    assert_eq!(
        find(
            &app,
            &format!("{show_q} AND BookingStatus IN ('BookingCompleted', 'Invoiced')")
        )
        .await,
        [paid_wf]
    );
    assert_eq!(
        find(
            &app,
            &format!("{show_q} AND BookingStatus = 'PaymentFailed'")
        )
        .await,
        [declined_wf]
    );
    let theater_q = format!("TheaterId = '{}' AND CustomerId = 'guest'", show.theater_id);
    assert_eq!(find(&app, &theater_q).await.len(), 2);
    let expiry_q = format!("{show_q} AND HoldExpiresAt > '2020-01-01T00:00:00Z'");
    assert_eq!(find(&app, &expiry_q).await.len(), 2);
}

/// Waits for the booking's workflow to close, replays its history against the current code,
/// and (with `MTBP_RECORD_HISTORY_DIR` set) saves it for the committed replay tests.
pub(crate) async fn replay_closed(app: &TestApp, booking: uuid::Uuid, name: &str) {
    let id = BookingId::from_uuid(booking).workflow_id();
    replay_workflow(app, &id, name, true).await;
}

/// Waits up to `secs` for workflow `id` to complete. With `settle`, a paid booking's saga
/// waiting for its partner's settlement is sent the settlement's signal (tests not about it).
pub(crate) async fn wait_completed(app: &TestApp, id: &str, secs: u64, settle: bool) {
    use temporalio_common::protos::temporal::api::enums::v1::EventType;
    let handle = app
        .temporal
        .get_workflow_handle::<BookingWorkflow>(id.to_owned());
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        // Not found until its saga starts (on payment, or by the API's relay within a second).
        let events = handle
            .fetch_history(WorkflowFetchHistoryOptions::default())
            .into_events()
            .await
            .unwrap_or_default();
        if events
            .last()
            .is_some_and(|e| e.event_type == EventType::WorkflowExecutionCompleted as i32)
        {
            return;
        }
        if settle {
            app.settle_if_waiting(id).await;
        }
        assert!(
            Instant::now() < deadline,
            "{id}: the workflow did not complete"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Replays the history of workflow `id` so far (first waiting up to 30 s for it to complete,
/// when `closed`) against the current code and, with `MTBP_RECORD_HISTORY_DIR` set, saves it as
/// `{name}.json` for the committed replay tests.
pub(crate) async fn replay_workflow(app: &TestApp, id: &str, name: &str, closed: bool) {
    if closed {
        wait_completed(app, id, 30, true).await;
    }
    let handle = app
        .temporal
        .get_workflow_handle::<BookingWorkflow>(id.to_owned());
    let json = handle
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .to_json()
        .await
        .expect("to json");
    if let Ok(dir) = std::env::var("MTBP_RECORD_HISTORY_DIR") {
        std::fs::write(format!("{dir}/{name}.json"), &json).expect("write history");
    }
    mtbp_workflows::replay::replay_history(&json)
        .await
        .unwrap_or_else(|e| panic!("{name} does not replay: {e:?}"));
}

#[tokio::test]
async fn booking_histories_replay_against_the_current_workflow_code() {
    // Long enough for three payments on a loaded machine, short enough to wait out the fourth.
    let app = TestApp::spawn_with(mtbp_tests::TestOptions {
        hold_seconds: 12,
        ..mtbp_tests::TestOptions::default()
    })
    .await;
    let show = app.create_show(1, 6).await.expect("show");
    let completed = app
        .api
        .hold_ok(show.show_id, &["A1", "A2"])
        .await
        .expect("hold");
    let declined = app.api.hold_ok(show.show_id, &["A3"]).await.expect("hold");
    let expired = app.api.hold_ok(show.show_id, &["A4"]).await.expect("hold");
    let extended = app.api.hold_ok(show.show_id, &["A5"]).await.expect("hold");
    let resp = app
        .api
        .post(
            &format!("/bookings/{extended}/extend"),
            &serde_json::json!({}),
        )
        .await
        .expect("extend");
    let status = resp.status();
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap_or_default()
    );
    let ok = app.stripe.card(CARD_OK).await.expect("card");
    let bad = app.stripe.card(CARD_DECLINED).await.expect("card");
    assert_eq!(
        app.api.pay(completed, &ok).await.expect("pay").status(),
        StatusCode::OK
    );
    let resp = app.api.pay(declined, &bad).await.expect("pay");
    let status = resp.status();
    assert_eq!(
        status,
        StatusCode::PAYMENT_REQUIRED,
        "{}",
        resp.text().await.unwrap_or_default()
    );
    assert_eq!(
        app.api.pay(extended, &ok).await.expect("pay").status(),
        StatusCode::OK
    );
    // Recorded as `priced_*` since the pricing shape (`patched`); the `saga_v2_*`
    // (money-safety), `held_by_api_*` and `booking_*` histories of earlier shapes stay committed
    // and replayed too.
    replay_closed(&app, completed, "priced_completed").await;
    replay_closed(&app, extended, "priced_extended").await;
    replay_closed(&app, declined, "priced_declined").await;
    replay_closed(&app, expired, "priced_expired").await;
}

/// Operators (the admin report) query a booking while its saga runs. A query answered while a
/// local activity's result waits makes the SDK end the task and go on in a new one; histories
/// written so must replay too (a `patched` asked after a local activity would not: see
/// `patches-at-start-1`). Several bookings are queried flat out through their whole saga, then
/// each history is replayed. Kept out of the suite: queried so hard, the SDK's core now and then
/// trips a debug assertion of its own ("a new WFT for a run which already has one") that stops
/// the test's worker, and only back-to-back queries split tasks at all. The split it records
/// replays in `workflows/tests/replay.rs` (`at_start_queried_split`) on every run.
#[tokio::test]
#[ignore = "diagnostic: run with --ignored (see its doc)"]
async fn bookings_queried_throughout_their_saga_replay() {
    use temporalio_client::WorkflowQueryOptions;
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 8).await.expect("show");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let mut ids = Vec::new();
    for seat in ["A1", "A2", "A3", "A4", "A5", "A6"] {
        let booking = app.api.hold_ok(show.show_id, &[seat]).await.expect("hold");
        let id = BookingId::from_uuid(booking).workflow_id();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let handle = app
            .temporal
            .get_workflow_handle::<BookingWorkflow>(id.clone());
        let queries = tokio::spawn(async move {
            let mut answered = 0u32;
            while !*stopped.borrow() {
                let q = handle.query(BookingWorkflow::status, (), WorkflowQueryOptions::default());
                if q.await.is_ok() {
                    answered += 1;
                }
            }
            answered
        });
        let resp = app.api.pay(booking, &card).await.expect("pay");
        assert_eq!(resp.status(), StatusCode::OK);
        wait_completed(&app, &id, 60, false).await;
        stop.send(true).expect("stop");
        let answered = queries.await.expect("queries");
        assert!(
            answered > 0,
            "no query was answered during the saga of {id}"
        );
        ids.push(id);
    }
    for id in &ids {
        replay_workflow(&app, id, "queried_completed", true).await;
    }
}

/// Appends every base64 `data` field of a history (payloads) to `out`, decoded.
fn decoded_payloads(v: &Value, out: &mut String) {
    use base64::Engine;
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("data", Value::String(b64)) => {
                        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64) {
                            out.push('\n');
                            out.push_str(&String::from_utf8_lossy(&bytes));
                        }
                    }
                    _ => decoded_payloads(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| decoded_payloads(i, out)),
        _ => {}
    }
}

/// Personal data lives in the database, where erasure reaches it: a booking's workflow history
/// (input, updates, activity inputs and results, search attributes, summary) carries ids only.
#[tokio::test]
async fn a_bookings_workflow_history_carries_no_contact_details() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let (name, email, phone) = (
        "Zelda Quixote",
        "zelda.quixote@example.com",
        "+919812345678",
    );
    let resp = app
        .api
        .post(
            "/bookings",
            &serde_json::json!({"show_id": show.show_id, "seats": ["A1", "A2"],
                "contact": {"name": name, "email": email, "phone": phone}}),
        )
        .await
        .expect("hold");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.expect("json");
    let booking: uuid::Uuid = body["booking_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let api = &app.api;
    let card = app.stripe.card(CARD_OK).await.expect("card");
    assert_eq!(
        api.pay(booking, &card).await.expect("pay").status(),
        StatusCode::OK
    );
    let handle = app
        .temporal
        .get_workflow_handle::<BookingWorkflow>(BookingId::from_uuid(booking).workflow_id());
    let history = handle
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .to_json()
        .await
        .expect("history");
    // Payloads are base64 inside the JSON: read them decoded, or the check could never fail.
    let json: Value = serde_json::from_slice(&history).expect("history json");
    let mut decoded = String::new();
    decoded_payloads(&json, &mut decoded);
    assert!(
        decoded.contains(&show.show_id.to_string()),
        "the input payload was not decoded"
    );
    let history = format!("{}\n{decoded}", String::from_utf8_lossy(&history)).to_lowercase();
    assert!(
        history.contains(&booking.to_string()),
        "not this booking's history"
    );
    for needle in [name, email, phone, "zelda", "quixote", "9812345678"] {
        assert!(
            !history.contains(&needle.to_lowercase()),
            "the workflow history carries {needle:?}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_and_swagger_ui_are_served() {
    let app = TestApp::spawn().await;
    let doc: Value = app.api.get_json("/openapi.json").await.expect("json");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    for path in [
        "/bookings",
        "/bookings/{booking_id}/pay",
        "/shows/{show_id}/seats",
        "/theaters",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    let ui = app.api.get("/docs/").await.expect("get");
    assert_eq!(ui.status(), StatusCode::OK);
    assert!(ui.text().await.expect("html").contains("swagger"));
}
