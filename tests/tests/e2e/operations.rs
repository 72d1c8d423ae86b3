//! Operations: an operator finds a stuck booking by its search attributes, reads the whole story
//! at `GET /admin/bookings/{id}` (timeline, workflow, database rows, the gateway's own word, the
//! audit), and repairs it with audited actions (`POST /admin/bookings/{id}/actions`); the API's
//! `/ready` and `/metrics` answer with what the runbook and the alerts read.

use crate::compensation::a_flagged_refund;
use crate::visibility::{find, replay_closed, replay_workflow, wait_completed};
use mtbp_domain::{BookingId, BookingStatus};
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{GatewayFaults, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The API's `/metrics` text.
async fn api_metrics(app: &TestApp) -> String {
    app.api
        .get("/metrics")
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text")
}

/// A cancellation workflow's own `status` query.
async fn cancellation_view(app: &TestApp, cancellation: &str) -> mtbp_workflows::CancellationView {
    app.temporal
        .get_workflow_handle::<mtbp_workflows::CancellationWorkflow>(format!(
            "cancellation-{cancellation}"
        ))
        .query(
            mtbp_workflows::CancellationWorkflow::status,
            (),
            temporalio_client::WorkflowQueryOptions::default(),
        )
        .await
        .expect("status")
}

async fn report(app: &TestApp, booking: Uuid) -> Value {
    let resp = app
        .admin
        .get(&format!("/admin/bookings/{booking}"))
        .await
        .expect("report");
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.expect("report json")
}

async fn act(app: &TestApp, booking: Uuid, body: &Value) -> (StatusCode, Value) {
    let resp = app
        .admin
        .post(&format!("/admin/bookings/{booking}/actions"), body)
        .await
        .expect("action");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn steps(report: &Value) -> Vec<(String, bool, Option<String>, Option<String>)> {
    report["saga"]["timeline"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|s| {
                    (
                        s["step"].as_str().unwrap_or_default().to_owned(),
                        s["compensation"].as_bool().unwrap_or(false),
                        s["error"].as_str().map(str::to_owned),
                        s["operator"].as_str().map(str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The memo's one-line summary of a workflow, read back through visibility.
async fn memo_summary(app: &TestApp, workflow_id: &str) -> String {
    let d = app
        .temporal
        .get_workflow_handle::<mtbp_workflows::BookingWorkflow>(workflow_id.to_owned())
        .describe(Default::default())
        .await
        .expect("describe");
    let memo = d
        .raw_description
        .workflow_execution_info
        .and_then(|i| i.memo)
        .map(|m| m.fields)
        .unwrap_or_default();
    memo.get("summary")
        .and_then(|p| serde_json::from_slice::<String>(&p.data).ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_operator_finds_explains_and_repairs_a_refund_the_gateway_refused() {
    let (gateway, app, _show, booking, flagged) = a_flagged_refund().await;
    let id = format!("booking-{booking}");
    // Found by the runbook's filter for failed compensations, and by the step it sits in.
    let filter = format!(
        "WorkflowId = '{id}' AND NeedsOperator = true AND SagaStep = 'waiting for an operator'"
    );
    assert_eq!(find(&app, &filter).await, vec![id.clone()], "{filter}");
    let stuck = format!("WorkflowId = '{id}' AND StepStartedAt < '2999-01-01T00:00:00Z'");
    assert_eq!(find(&app, &stuck).await, vec![id.clone()], "{stuck}");
    let band = format!("WorkflowId = '{id}' AND AmountBand = 'INR:500-1999'");
    assert_eq!(find(&app, &band).await.len(), 1, "{band}: {flagged:?}");
    let summary = memo_summary(&app, &id).await;
    assert!(summary.contains("NEEDS OPERATOR"), "{summary}");
    assert!(summary.contains("A1,A2"), "{summary}");

    // Explained: the timeline says where and why, the gateway says the money is still there.
    let r = report(&app, booking).await;
    let timeline = steps(&r);
    let names: Vec<&str> = timeline.iter().map(|s| s.0.as_str()).collect();
    for step in [
        "waiting for payment",
        "charging the payment",
        "compensating",
        "refunding the payment",
        "waiting for an operator",
    ] {
        assert!(names.contains(&step), "{step} missing from {names:?}");
    }
    let refunding = timeline
        .iter()
        .find(|s| s.0 == "refunding the payment")
        .expect("refund step");
    assert!(refunding.1, "the refund is a compensation: {refunding:?}");
    assert!(
        refunding
            .2
            .as_deref()
            .unwrap_or_default()
            .contains("refund"),
        "{refunding:?}"
    );
    assert_eq!(r["gateway"]["status"], "succeeded", "{}", r["gateway"]);
    assert_eq!(r["gateway"]["refunded_minor"], 0);
    // The database's row never heard the charge's answer (the operator cancelled during it):
    // the gateway's own word is what says the money is there.
    assert_eq!(
        r["records"]["payments"][0]["status"], "created",
        "{}",
        r["records"]
    );
    assert_eq!(r["workflow"]["status"], "Running");
    assert!(
        r["workflow"]["temporal_ui"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&format!("/workflows/{id}")),
        "{}",
        r["workflow"]
    );

    // Bad input changes nothing and is a 4xx with a code.
    for bad in [
        json!({"action": "retry"}),
        json!({"action": "retry", "note": " "}),
        json!({"action": "shout", "note": "x"}),
        json!({"action": "retry", "note": "x", "kind": "confirmation"}),
        json!({"action": "resend_notification", "note": "x"}),
    ] {
        let (status, body) = act(&app, booking, &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    // Not applicable to a booking in a compensation: force-expire, reshare.
    let (status, body) = act(
        &app,
        booking,
        &json!({"action": "force_expire", "note": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Repaired: the gateway takes refunds again and the operator's retry goes through.
    gateway.set(GatewayFaults::default());
    let retry = json!({"action": "retry", "note": "gateway accepts refunds again (ticket 7)"});
    let (status, body) = act(&app, booking, &retry).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = loop {
        let r = report(&app, booking).await;
        if r["booking"]["status"] == "Refunded" {
            break r;
        }
        assert!(
            Instant::now() < deadline,
            "never refunded: {}",
            r["booking"]
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(
        done["gateway"]["refunded_minor"],
        json!(flagged.total.amount_minor)
    );
    let audit = done["operator_actions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let kept: Vec<(&str, &str)> = audit
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap_or(""),
                a["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kept,
        vec![("force_expire", "refused"), ("retry", "done")],
        "{audit:?}"
    );
    assert_eq!(audit[1]["operator_id"], json!(app.admin_id));
    assert_eq!(audit[1]["note"], "gateway accepts refunds again (ticket 7)");
    let timeline = steps(&done);
    assert!(
        timeline
            .iter()
            .any(|s| s.0 == "operator: retry" && s.3.as_deref().unwrap_or("").contains("ticket 7")),
        "{timeline:?}"
    );
    let cleared = format!("WorkflowId = '{id}' AND NeedsOperator = false");
    assert_eq!(find(&app, &cleared).await.len(), 1);
    replay_closed(&app, booking, "ops_refund_retried_through_the_admin_api").await;
}

#[tokio::test]
async fn an_operator_force_expires_a_hold_and_the_seats_go_back_on_sale() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let booking = app.api.hold_ok(show.show_id, &["A3"]).await.expect("hold");
    // The saga starts a moment after the hold (the relay): wait until it shows.
    let id = format!("booking-{booking}");
    assert_eq!(
        find(
            &app,
            &format!("WorkflowId = '{id}' AND BookingStatus = 'PreBooking'")
        )
        .await,
        vec![id.clone()]
    );
    // Customers and partners may not.
    let customer = app.customer("force@example.com").await.expect("customer");
    let body = json!({"action": "force_expire", "note": "stuck hold, ticket 9"});
    let resp = customer
        .api
        .post(&format!("/admin/bookings/{booking}/actions"), &body)
        .await
        .expect("customer");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let (status, r) = act(&app, booking, &body).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["booking"]["status"], "Expired", "{}", r["booking"]);
    assert!(
        r["booking"]["status_reason"]
            .as_str()
            .unwrap_or("")
            .contains("expired by an operator"),
        "{}",
        r["booking"]
    );
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A3"])
            .await
            .expect("map"),
        ["available"]
    );
    let timeline = steps(&r);
    assert!(
        timeline
            .iter()
            .any(|s| s.0 == "operator: force-expire the hold"
                && s.3.as_deref().unwrap_or("").contains("ticket 9")),
        "{timeline:?}"
    );
    // Twice is refused: the hold is gone.
    let (status, again) = act(&app, booking, &body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let audit: Vec<String> = report(&app, booking).await["operator_actions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| format!("{}:{}", x["action"], x["outcome"]))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(
        audit[0].contains("done") && audit[1].contains("refused"),
        "{audit:?}"
    );
    replay_closed(&app, booking, "ops_hold_force_expired").await;
}

/// Pays a two-seat booking and waits until its saga is past the confirmation.
async fn paid(app: &TestApp, seats: &[&str]) -> Uuid {
    let show = app.create_show(1, 6).await.expect("show");
    let booking = app.api.hold_ok(show.show_id, seats).await.expect("hold");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = app.api.pay(booking, &card).await.expect("pay");
    assert!(resp.status().is_success(), "{}", resp.status());
    app.api
        .wait_for_status(booking, BookingStatus::BookingCompleted, 30)
        .await
        .expect("booked");
    booking
}

#[tokio::test]
async fn an_operator_resends_reshares_and_refunds_a_paid_booking() {
    let app = TestApp::spawn().await;
    let booking = paid(&app, &["A1", "A2"]).await;
    // A message the provider took is never sent twice: the resend answers, nothing new goes.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = report(&app, booking).await;
        let sent = r["records"]["notifications"].as_array().is_some_and(|n| {
            n.iter()
                .any(|n| n["kind"] == "confirmation" && n["status"] == "sent")
        });
        if sent {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no confirmation: {}",
            r["records"]
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The saga ends once the theater has its share (a venue the platform runs): waiting for
    // that makes the resend below a repair workflow rather than an update of the saga.
    let workflow = BookingId::from_uuid(booking).workflow_id();
    wait_completed(&app, &workflow, 30, false).await;
    let resend = json!({"action": "resend_notification", "kind": "confirmation",
                        "note": "customer says no mail"});
    let (status, r) = act(&app, booking, &resend).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let confirmations: Vec<&Value> = r["records"]["notifications"]
        .as_array()
        .map(|n| n.iter().filter(|n| n["kind"] == "confirmation").collect())
        .unwrap_or_default();
    assert!(
        confirmations.iter().all(|n| n["attempts"] == 1),
        "{confirmations:?}"
    );
    // The show's theater is not connected: sharing again is harmless and on the record.
    // The saga had ended: the resend ran as a repair workflow.
    let repairs = find(&app, &format!("WorkflowId STARTS_WITH 'repair-{booking}'")).await;
    assert_eq!(repairs.len(), 1, "{repairs:?}");
    replay_workflow(&app, &repairs[0], "ops_repair_resend", true).await;
    let reshare = json!({"action": "reshare_with_theater", "note": "theater asked"});
    let (status, r) = act(&app, booking, &reshare).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    // A refund is a cancellation by the operator: the money goes back, the audit keeps it.
    let refund = json!({"action": "refund", "note": "double booking, ticket 11"});
    let (status, r) = act(&app, booking, &refund).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = report(&app, booking).await;
        if r["gateway"]["refunded_minor"].as_i64().unwrap_or(0) > 0 {
            assert_eq!(
                r["records"]["cancellations"].as_array().map(Vec::len),
                Some(1)
            );
            let actions: Vec<&str> = r["operator_actions"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| x["action"].as_str().unwrap_or(""))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(
                actions,
                ["resend_notification", "reshare_with_theater", "refund"]
            );
            break;
        }
        assert!(Instant::now() < deadline, "not refunded: {}", r["gateway"]);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Parses Prometheus' text format into `series → value`, failing on a line that does not parse.
fn parse_metrics(text: &str) -> BTreeMap<String, f64> {
    let mut series = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (name, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("bad line {line:?}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line:?}"));
        assert!(
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'),
            "bad name in {line:?}"
        );
        series.insert(name.to_owned(), value);
    }
    series
}

#[tokio::test]
async fn metrics_and_readiness_carry_what_the_alerts_read_after_a_booking() {
    let app = TestApp::spawn().await;
    let booking = paid(&app, &["A4"]).await;
    let resp = app.api.get("/ready").await.expect("ready");
    assert_eq!(resp.status(), StatusCode::OK);
    let ready: Value = resp.json().await.expect("json");
    assert_eq!(ready["status"], "ready", "{ready}");
    let deps: Vec<&str> = ready["dependencies"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|d| d["dependency"].as_str().unwrap_or(""))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(deps, ["database", "temporal", "gateway"]);

    let text = api_metrics(&app).await;
    let series = parse_metrics(&text);
    let has = |prefix: &str| series.keys().any(|k| k.starts_with(prefix));
    for name in [
        "mtbp_http_requests_total{method=\"POST\",route=\"/bookings\",status=\"201\"}",
        "mtbp_http_request_duration_seconds_bucket{method=\"POST\",route=\"/bookings/{booking_id}/pay\"",
        "mtbp_holds_total{outcome=\"held\"}",
        "mtbp_dependency_up{dependency=\"gateway\"}",
        // The in-process worker shares the test process's recorder.
        "mtbp_saga_step_duration_seconds_bucket{step=\"charge_payment\",kind=\"forward\"",
        "mtbp_bookings_total{outcome=\"BookingCompleted\"}",
    ] {
        assert!(has(name), "{name} missing from /metrics:\n{text}");
    }
    // A conflict is counted as one.
    let show = app.create_show(1, 2).await.expect("show");
    app.api.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let resp = app
        .api
        .hold(show.show_id, &["A1"], None)
        .await
        .expect("hold again");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let text = api_metrics(&app).await;
    assert!(parse_metrics(&text).contains_key("mtbp_holds_total{outcome=\"conflict\"}"));
    let _ = booking;
}

#[tokio::test]
async fn the_worker_binary_serves_health_readiness_and_the_sdk_metrics() {
    let app = TestApp::spawn_with(mtbp_tests::TestOptions {
        in_process_worker: false,
        ..mtbp_tests::TestOptions::default()
    })
    .await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut worker = app
        .spawn_worker_process_with(
            env!("CARGO_BIN_EXE_mtbp-test-worker"),
            &[("MTBP_WORKER_ADDR", &addr)],
        )
        .expect("worker");
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{base}/health")).send().await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the worker's ops port never opened"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let booking = paid(&app, &["A2"]).await;
    let ready: Value = http
        .get(format!("{base}/ready"))
        .send()
        .await
        .expect("ready")
        .json()
        .await
        .expect("json");
    let deps: Vec<(&str, bool)> = ready["dependencies"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|d| {
                    (
                        d["dependency"].as_str().unwrap_or(""),
                        d["ok"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    for dep in ["database", "temporal", "gateway", "s3", "smtp", "kafka"] {
        assert!(
            deps.iter().any(|(d, ok)| *d == dep && *ok),
            "{dep}: {ready}"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        let series = parse_metrics(&text);
        let has = |p: &str| series.keys().any(|k| k.starts_with(p));
        if has("temporal_activity_execution_latency")
            && has("mtbp_bookings_oldest_age_seconds{status=\"PreBooking\"}")
            && has("mtbp_bookings_oldest_age_seconds{status=\"Invoiced\"}")
            && has("mtbp_outbox_lag_seconds")
            && has("mtbp_saga_step_duration_seconds_bucket{step=\"charge_payment\"")
        {
            assert!(has("temporal_worker_task_slots_available"), "{text}");
            break;
        }
        assert!(Instant::now() < deadline, "series missing:\n{text}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = worker.kill();
    let _ = worker.wait();
    let _ = booking;
}

#[tokio::test]
async fn a_refund_the_gateway_refuses_on_a_cancellation_waits_for_an_operator_who_retries_it() {
    use crate::money_safety::{net_charge, slow_gateway};
    let gateway = slow_gateway(mtbp_tests::GatewayFaults::default()).await;
    let app = TestApp::spawn_with(mtbp_tests::TestOptions {
        stripe_api_base: Some(gateway.url.clone()),
        ..mtbp_tests::TestOptions::default()
    })
    .await;
    let booking = paid(&app, &["A1"]).await;
    let paid = net_charge(&app, booking).await;
    assert!(paid > 0);

    // The customer cancels; the gateway will not refund.
    gateway.set(mtbp_tests::GatewayFaults {
        refuse_refunds: true,
        ..mtbp_tests::GatewayFaults::default()
    });
    let resp = app
        .api
        .post(&format!("/bookings/{booking}/cancel"), &json!({}))
        .await
        .expect("cancel");
    assert!(resp.status().is_success(), "{}", resp.status());
    let cancelled: Value = resp.json().await.expect("json");
    let cancellation = cancelled["cancellation_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let waiting = find(
        &app,
        &format!(
            "WorkflowId = 'cancellation-{cancellation}' AND NeedsOperator = true \
             AND CancellationStatus = 'refund_failed' AND ExecutionStatus = 'Running'"
        ),
    )
    .await;
    assert_eq!(
        waiting.len(),
        1,
        "the cancellation is not waiting for an operator"
    );
    // The seats are back on sale; the money is still with the gateway.
    assert_eq!(net_charge(&app, booking).await, paid);
    let before = report(&app, booking).await;
    assert_eq!(
        before["records"]["cancellations"][0]["status"], "applied",
        "{before}"
    );

    // A retry while the gateway still refuses: the refund fails again, still waiting.
    let (status, _) = act(
        &app,
        booking,
        &json!({"action": "retry", "note": "first try, gateway ticket 1"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let view = cancellation_view(&app, &cancellation).await;
        let failures = view
            .problems
            .iter()
            .filter(|p| p.starts_with("refund:"))
            .count();
        if failures >= 2 && view.status == "refund_failed" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the retried refund did not fail again: {view:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // The gateway fixed, the operator retries: the money goes back once, the flag clears.
    gateway.set(mtbp_tests::GatewayFaults::default());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = act(
            &app,
            booking,
            &json!({"action": "retry", "note": "gateway fixed, ticket 1"}),
        )
        .await;
        if status == StatusCode::OK {
            break;
        }
        // The first retry may still be failing its attempt: not waiting yet.
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            Instant::now() < deadline,
            "the refund never waited again: {body}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let refunded = loop {
        let view = cancellation_view(&app, &cancellation).await;
        if let (Some(refunded), "refunded" | "done") = (view.refunded_minor, view.status.as_str()) {
            break refunded;
        }
        assert!(
            Instant::now() < deadline,
            "the refund was not made: {view:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    // Made once, by the gateway: what was paid less the policy's fee is back.
    assert!(refunded > 0);
    assert_eq!(net_charge(&app, booking).await, paid - refunded);
    let cleared = find(
        &app,
        &format!("WorkflowId = 'cancellation-{cancellation}' AND NeedsOperator = false"),
    )
    .await;
    assert_eq!(cleared.len(), 1, "the flag did not clear");
    let after = report(&app, booking).await;
    let actions = after["operator_actions"].as_array().expect("actions");
    assert!(
        actions.iter().any(|a| a["action"] == "retry"
            && a["outcome"] == "done"
            && a["note"] == "gateway fixed, ticket 1"),
        "{after}"
    );
    replay_workflow(
        &app,
        &format!("cancellation-{cancellation}"),
        "ops_cancellation_refund_retried",
        true,
    )
    .await;
}
