//! The saga relay: rows that can never start are set aside (and counted by `/health`) instead of
//! holding newer holds back, and the relay holds no lock while it calls Temporal, so payments
//! never queue behind it.

use mtbp_domain::BookingId;
use mtbp_tests::TestApp;
use mtbp_tests::api_client::row_label;
use mtbp_tests::stripe::CARD_OK;
use mtbp_workflows::BookingWorkflow;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use temporalio_client::WorkflowDescribeOptions;
use uuid::Uuid;

/// A booking whose saga row is older than every hold of the test and can never start.
async fn unstartable(app: &TestApp, show_id: Uuid, input: &Value) -> Uuid {
    let booking_id = Uuid::new_v4();
    sqlx::query(
        "insert into bookings (booking_id, show_id, status, amount_minor, currency, hold_expires_at)
         values ($1, $2, 'PreBooking', 0, 'INR', now() + interval '10 minutes')",
    )
    .bind(booking_id)
    .bind(show_id)
    .execute(&app.db)
    .await
    .expect("booking row");
    let mut input = input.clone();
    if input.get("booking_id").is_some() {
        input["booking_id"] = json!(booking_id);
    }
    sqlx::query(
        "insert into saga_starts (booking_id, input, created_at)
         values ($1, $2, now() - interval '1 hour')",
    )
    .bind(booking_id)
    .bind(input)
    .execute(&app.db)
    .await
    .expect("saga row");
    booking_id
}

async fn pending_starts(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from saga_starts")
        .fetch_one(&app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn unstartable_sagas_are_set_aside_and_newer_holds_still_start_within_seconds() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 10).await.expect("show");
    let first = app.api.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let real: Value = sqlx::query_scalar("select input from saga_starts where booking_id = $1")
        .bind(first)
        .fetch_one(&app.db)
        .await
        .expect("the hold's saga row, before the relay's grace");
    // 18 inputs that do not parse, and 2 that parse but that Temporal refuses as invalid (a
    // payload over its 2 MB limit).
    for i in 0..18 {
        unstartable(&app, show.show_id, &json!({"not": "a booking", "n": i})).await;
    }
    let mut oversized = real.clone();
    oversized["seats"] = json!(vec!["X".repeat(1000); 2500]);
    for _ in 0..2 {
        unstartable(&app, show.show_id, &oversized).await;
    }
    let mut good = vec![first];
    for seat in ["A2", "A3", "A4", "A5"] {
        good.push(app.api.hold_ok(show.show_id, &[seat]).await.expect("hold"));
    }

    let started_by = Instant::now() + Duration::from_secs(15);
    while pending_starts(&app).await > 0 {
        assert!(
            Instant::now() < started_by,
            "the relay left {} rows behind unstartable ones",
            pending_starts(&app).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for booking in &good {
        app.temporal
            .get_workflow_handle::<BookingWorkflow>(BookingId::from_uuid(*booking).workflow_id())
            .describe(WorkflowDescribeOptions::default())
            .await
            .expect("a newer hold's saga runs");
    }

    let failed: Vec<(String, i32)> =
        sqlx::query_as("select error, attempts from saga_starts_failed order by error")
            .fetch_all(&app.db)
            .await
            .expect("failed rows");
    assert_eq!(failed.len(), 20, "{failed:?}");
    let refused = failed.iter().filter(|(e, _)| e.contains("invalid")).count();
    let unparsable = failed
        .iter()
        .filter(|(e, _)| e.contains("does not parse"))
        .count();
    assert_eq!((unparsable, refused), (18, 2), "{failed:?}");
    // Set aside at their first failure, and never tried again.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let attempts: Vec<i32> = sqlx::query_scalar("select attempts from saga_starts_failed")
        .fetch_all(&app.db)
        .await
        .expect("attempts");
    assert!(attempts.iter().all(|a| *a == 1), "{attempts:?}");
    let health = app.api.get_json("/health").await.expect("health");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["unstartable_sagas"], 20);
}

/// Sessions of this database holding a transaction open over `saga_starts` while idle (as a
/// relay waiting on Temporal inside its transaction would).
async fn idle_saga_transactions(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()
            and state like 'idle in transaction%' and query ilike '%saga_starts%'",
    )
    .fetch_one(&app.db)
    .await
    .expect("pg_stat_activity")
}

#[tokio::test]
async fn payments_do_not_queue_behind_a_busy_relay() {
    let app = TestApp::spawn().await;
    let show = app.create_show(8, 16).await.expect("show");
    // A backlog for the relay: 120 holds, all due within a second.
    let labels: Vec<String> = (0..120)
        .map(|i| format!("{}{}", row_label(i / 16), i % 16 + 1))
        .collect();
    let mut holds = Vec::new();
    let (api, show_id) = (&app.api, show.show_id);
    for chunk in labels.chunks(8) {
        let made = futures::future::join_all(
            chunk
                .iter()
                .map(|seat| async move { api.hold_ok(show_id, &[seat.as_str()]).await }),
        )
        .await;
        holds.extend(made.into_iter().map(|h| h.expect("hold")));
    }
    let mut cards = Vec::new();
    for _ in 0..8 {
        cards.push(app.stripe.card(CARD_OK).await.expect("card"));
    }
    // Pay, from as many clients as the API has pool connections, for the bookings the relay
    // is about to start (the oldest rows left), while watching the database.
    let busy_from = Instant::now() + Duration::from_secs(3);
    while pending_starts(&app).await == 120 && Instant::now() < busy_from {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let next: Vec<Uuid> =
        sqlx::query_scalar("select booking_id from saga_starts order by created_at limit 8")
            .fetch_all(&app.db)
            .await
            .expect("next rows");
    assert!(
        next.len() >= 4,
        "the relay drained the backlog too fast to test"
    );
    let pays = next.iter().zip(&cards).map(|(booking, card)| {
        let api = app.api.clone();
        let (booking, card) = (*booking, card.clone());
        tokio::spawn(async move {
            let t = Instant::now();
            let resp = api.pay(booking, &card).await.expect("pay");
            (resp.status(), t.elapsed())
        })
    });
    let pays: Vec<_> = pays.collect();
    let watched = Instant::now();
    let mut samples = 0;
    while pending_starts(&app).await > 0 && watched.elapsed() < Duration::from_secs(60) {
        assert_eq!(
            idle_saga_transactions(&app).await,
            0,
            "a transaction over saga_starts stayed open across a Temporal call"
        );
        samples += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(samples > 0);
    assert_eq!(
        pending_starts(&app).await,
        0,
        "the relay drained its backlog"
    );
    for pay in pays {
        let (status, took) = pay.await.expect("join");
        assert_eq!(status, StatusCode::OK);
        assert!(took < Duration::from_secs(10), "a payment took {took:?}");
    }
}
