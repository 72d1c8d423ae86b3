//! An operator cancels a booking's workflow from Temporal: its compensations still run.

use mtbp_activities::PaymentFaults;
use mtbp_domain::BookingId;
use mtbp_domain::BookingStatus;
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{TestApp, TestOptions};
use mtbp_workflows::BookingWorkflow;
use std::time::{Duration, Instant};
use temporalio_client::{WorkflowCancelOptions, WorkflowDescribeOptions};

/// Cancels the booking's workflow as an operator would in the Temporal UI: once it shows there
/// (the saga starts on payment or by the API's relay, a moment after the hold).
pub(crate) async fn cancel_workflow(app: &TestApp, booking: uuid::Uuid) {
    let handle = app
        .temporal
        .get_workflow_handle::<BookingWorkflow>(BookingId::from_uuid(booking).workflow_id());
    let deadline = Instant::now() + Duration::from_secs(20);
    while handle
        .describe(WorkflowDescribeOptions::default())
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "booking {booking} never showed in Temporal"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    handle
        .cancel(
            WorkflowCancelOptions::builder()
                .reason("ops test".to_owned())
                .build(),
        )
        .await
        .expect("cancel request");
}

#[tokio::test]
async fn cancelling_a_held_booking_from_temporal_releases_its_seats() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let booking = app
        .api
        .hold_ok(show.show_id, &["A1", "A2"])
        .await
        .expect("hold");
    cancel_workflow(&app, booking).await;
    let b = app
        .api
        .wait_for_status(booking, BookingStatus::Cancelled, 20)
        .await
        .expect("cancelled");
    assert_eq!(b.status_reason.as_deref(), Some("cancelled by an operator"));
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A1", "A2"])
            .await
            .expect("map"),
        ["available", "available"]
    );
}

/// An app whose charges pause 3 s after the gateway took the money, a booking of seat `seat`
/// being paid, and the operator's cancel sent once the gateway has charged: the customer's
/// `pay`, still in flight, is returned.
async fn cancelled_while_charging(
    seat: &str,
) -> (
    TestApp,
    uuid::Uuid,
    uuid::Uuid,
    tokio::task::JoinHandle<anyhow::Result<reqwest::Response>>,
) {
    let app = TestApp::spawn_with(TestOptions {
        faults: PaymentFaults {
            pause_after_charge: Duration::from_secs(3),
            ..PaymentFaults::default()
        },
        ..TestOptions::default()
    })
    .await;
    let show = app.create_show(1, 4).await.expect("show");
    let booking = app.api.hold_ok(show.show_id, &[seat]).await.expect("hold");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let api = app.api.clone();
    let paying = tokio::spawn(async move { api.pay(booking, &card).await });
    app.stripe
        .wait_for_charge(&booking.to_string(), 30)
        .await
        .expect("the charge reached the gateway");
    cancel_workflow(&app, booking).await;
    (app, show.show_id, booking, paying)
}

/// Cancelled while the card is being charged: the charge lands anyway, so the compensation
/// refunds it, even though the workflow itself is being cancelled.
#[tokio::test]
async fn cancelling_during_the_charge_refunds_the_money_and_frees_the_seats() {
    let (app, show_id, booking, paying) = cancelled_while_charging("A3").await;
    let b = app
        .api
        .wait_for_status(booking, BookingStatus::Refunded, 30)
        .await
        .expect("refunded");
    assert_eq!(b.status_reason.as_deref(), Some("cancelled by an operator"));
    let _ = paying.await;

    let charges = app
        .stripe
        .succeeded_charges_of(&booking.to_string())
        .await
        .expect("gw");
    assert_eq!(charges.len(), 1);
    let refunds = app.stripe.refunds_of(&charges[0]).await.expect("refunds");
    assert_eq!(refunds.len(), 1, "refunded exactly once");
    assert_eq!(
        app.api.seat_statuses(show_id, &["A3"]).await.expect("map"),
        ["available"]
    );
    // The late charge activity must not flip the booking back once it wakes up.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        app.api.booking(booking).await.expect("booking").status,
        BookingStatus::Refunded
    );
    crate::visibility::replay_closed(&app, booking, "priced_cancelled_during_charge").await;
}

/// The customer's `pay` is in flight when an operator cancels the workflow: it answers 409 with
/// the booking as the workflow left it (refunded), not a 500.
#[tokio::test]
async fn a_pay_in_flight_when_an_operator_cancels_answers_409_with_the_final_booking() {
    let (_app, _show, booking, paying) = cancelled_while_charging("A2").await;

    let resp = tokio::time::timeout(Duration::from_secs(40), paying)
        .await
        .expect("pay answered in time")
        .expect("join")
        .expect("pay");
    assert_eq!(resp.status(), reqwest::StatusCode::CONFLICT);
    let body: serde_json::Value = resp.json().await.expect("json body");
    assert_eq!(body["error"]["code"], "refunded", "{body}");
    assert_eq!(body["error"]["details"]["booking"]["status"], "Refunded");
    assert_eq!(
        body["error"]["details"]["booking"]["booking_id"],
        booking.to_string()
    );
}
