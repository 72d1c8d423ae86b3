//! The worker dies (SIGKILL) mid-saga, after the gateway charged the card and before the
//! charge was recorded; a new worker finishes the booking with exactly one charge.

use mtbp_api::routes::bookings::json::Booking;
use mtbp_domain::BookingStatus;
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{TestApp, TestOptions};
use reqwest::StatusCode;
use std::time::Duration;

/// The real worker binary, built in this package (see `src/bin/test_worker.rs`).
const WORKER: &str = env!("CARGO_BIN_EXE_mtbp-test-worker");

#[tokio::test]
async fn a_worker_killed_mid_saga_is_replaced_and_the_booking_completes_with_one_charge() {
    let app = TestApp::spawn_with(TestOptions {
        in_process_worker: false,
        ..TestOptions::default()
    })
    .await;
    let mut doomed = app.spawn_worker_process(WORKER, 30_000).expect("worker");
    let show = app.create_show(1, 4).await.expect("show");
    let booking = app
        .api
        .hold_ok(show.show_id, &["A1", "A2"])
        .await
        .expect("hold");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let api = app.api.clone();
    let paying = tokio::spawn(async move { api.pay(booking, &card).await });

    // Wait until the gateway has taken the money, then kill the worker before it records it.
    app.stripe
        .wait_for_charge(&booking.to_string(), 30)
        .await
        .expect("the charge reached the gateway");
    doomed.kill().expect("SIGKILL");
    let _ = doomed.wait();
    let recorded: String = sqlx::query_scalar("select status from payments where booking_id = $1")
        .bind(booking)
        .fetch_one(&app.db)
        .await
        .expect("payment row");
    assert_eq!(
        recorded, "created",
        "the worker died before recording the charge"
    );

    let mut replacement = app.spawn_worker_process(WORKER, 0).expect("worker");
    let resp = tokio::time::timeout(Duration::from_secs(80), paying)
        .await
        .expect("pay answered in time")
        .expect("join")
        .expect("pay");
    let _ = replacement.kill();
    let _ = replacement.wait();

    assert_eq!(resp.status(), StatusCode::OK);
    let body: Booking = resp.json().await.expect("json");
    assert_eq!(body.status, BookingStatus::BookingCompleted);
    let intents = app
        .stripe
        .intents_of(&booking.to_string())
        .await
        .expect("gw");
    let charged: Vec<_> = intents
        .iter()
        .filter(|pi| pi["status"] == "succeeded")
        .collect();
    assert_eq!(charged.len(), 1, "exactly one charge: {intents:?}");
    assert_eq!(intents.len(), 1, "the retry reused the recorded intent");
}
