//! Compensations run to the end: a refund the gateway refuses flags the booking for an
//! operator (seats released anyway) and the operator's `resolve` retries it; an operator's
//! cancel during the seat confirmation never leaves booked seats under a refunded booking.

use crate::money_safety::{assert_money_matches_status, net_charge, settled, slow_gateway};
use crate::operator::cancel_workflow;
use crate::visibility::{find, replay_closed};
use futures::future::join_all;
use mtbp_activities::PaymentFaults;
use mtbp_api::routes::bookings::json::Booking;
use mtbp_domain::BookingStatus;
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{GatewayFaults, SlowGateway, TestApp, TestOptions};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Polls the booking until `check` holds, for at most `secs` seconds.
async fn until(
    app: &TestApp,
    booking: Uuid,
    secs: u64,
    check: impl Fn(&Booking) -> bool,
) -> Booking {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let b = app.api.booking(booking).await.expect("booking");
        if check(&b) {
            return b;
        }
        assert!(
            Instant::now() < deadline,
            "booking {booking} never got there: {b:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A booking whose refund the gateway refuses: charged, cancelled by an operator during the
/// charge, and flagged for an operator. The gateway, the app, the show, the booking as flagged.
pub(crate) async fn a_flagged_refund() -> (SlowGateway, TestApp, Uuid, Uuid, Booking) {
    let gateway = slow_gateway(GatewayFaults {
        refuse_refunds: true,
        ..GatewayFaults::default()
    })
    .await;
    // The charge pauses after the gateway took the money: the operator cancels right there.
    let app = TestApp::spawn_with(TestOptions {
        stripe_api_base: Some(gateway.url.clone()),
        pay_wait: Duration::from_secs(1),
        faults: PaymentFaults {
            pause_after_charge: Duration::from_secs(30),
            ..PaymentFaults::default()
        },
        ..TestOptions::default()
    })
    .await;
    let show = app.create_show(1, 4).await.expect("show");
    let booking = app
        .api
        .hold_ok(show.show_id, &["A1", "A2"])
        .await
        .expect("hold");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = app.api.pay(booking, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    app.stripe
        .wait_for_charge(&booking.to_string(), 20)
        .await
        .expect("charged");
    cancel_workflow(&app, booking).await;

    let flagged = until(&app, booking, 60, |b| b.needs_operator.is_some()).await;
    (gateway, app, show.show_id, booking, flagged)
}

#[tokio::test]
async fn a_refund_the_gateway_refuses_flags_the_booking_and_the_operator_retries_it() {
    let (gateway, app, show_id, booking, flagged) = a_flagged_refund().await;
    // Not closed yet: the status still says the money is with the gateway.
    assert!(
        [
            BookingStatus::PaymentInitiated,
            BookingStatus::PaymentCompleted
        ]
        .contains(&flagged.status),
        "{flagged:?}"
    );
    let why = flagged.needs_operator.as_deref().unwrap_or_default();
    assert!(why.contains("refund"), "{why}");
    assert!(flagged.needs_operator_since.is_some());
    // The seats go back on sale at once; the money is still with the gateway.
    assert_eq!(
        app.api
            .seat_statuses(show_id, &["A1", "A2"])
            .await
            .expect("map"),
        ["available", "available"]
    );
    let amount = flagged.total.amount_minor;
    assert_eq!(net_charge(&app, booking).await, amount);
    let workflow = format!("WorkflowId = 'booking-{booking}' AND NeedsOperator = true");
    assert_eq!(
        find(&app, &workflow).await.len(),
        1,
        "not found by NeedsOperator"
    );

    // Only operators may act, with a reason.
    let path = format!("/bookings/{booking}/resolve");
    let retry = json!({"action": "retry", "note": "gateway accepts refunds again (ticket 42)"});
    assert_eq!(
        app.api.post(&path, &retry).await.expect("anon").status(),
        StatusCode::UNAUTHORIZED
    );
    let customer = app.customer("someone@example.com").await.expect("customer");
    assert_eq!(
        customer
            .api
            .post(&path, &retry)
            .await
            .expect("cust")
            .status(),
        StatusCode::FORBIDDEN
    );
    let blank = json!({"action": "retry", "note": "  "});
    assert_eq!(
        app.admin.post(&path, &blank).await.expect("blank").status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // A retry while the gateway still refuses: flagged again, with the new failure.
    let resp = app.admin.post(&path, &retry).await.expect("retry");
    let status = resp.status();
    let body: Booking = resp.json().await.expect("json");
    assert_eq!(status, StatusCode::OK, "{body:?}");
    assert!(body.needs_operator.is_some(), "{body:?}");
    assert_eq!(net_charge(&app, booking).await, amount);

    gateway.set(GatewayFaults::default());
    let resp = app.admin.post(&path, &retry).await.expect("retry");
    let status = resp.status();
    let done: Booking = resp.json().await.expect("json");
    assert_eq!(status, StatusCode::OK, "{done:?}");
    assert_eq!(done.status, BookingStatus::Refunded, "{done:?}");
    assert!(done.needs_operator.is_none(), "{done:?}");
    assert!(
        done.operator_note
            .as_deref()
            .unwrap_or_default()
            .contains("ticket 42"),
        "{done:?}"
    );
    assert_eq!(net_charge(&app, booking).await, 0);
    // Nothing is left to resolve.
    let again = app.admin.post(&path, &retry).await.expect("again");
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let workflow = format!("WorkflowId = 'booking-{booking}' AND NeedsOperator = false");
    assert_eq!(find(&app, &workflow).await.len(), 1);
    replay_closed(&app, booking, "priced_refund_retried_by_operator").await;
}

#[tokio::test]
async fn an_operator_marks_a_flagged_booking_resolved_and_it_closes_as_it_ended() {
    let (_gateway, app, _show, booking, flagged) = a_flagged_refund().await;
    let amount = flagged.total.amount_minor;
    let path = format!("/bookings/{booking}/resolve");
    let settled_outside = json!({"action": "mark_resolved", "note": "refunded by hand (ticket 7)"});
    let resp = app
        .admin
        .post(&path, &settled_outside)
        .await
        .expect("resolve");
    let status = resp.status();
    let done: Booking = resp.json().await.expect("json");
    assert_eq!(status, StatusCode::OK, "{done:?}");
    // The saga did not refund: the operator settled it; the booking ends as the cancel said.
    assert_eq!(done.status, BookingStatus::Cancelled, "{done:?}");
    assert!(done.needs_operator.is_none(), "{done:?}");
    let note = done.operator_note.as_deref().unwrap_or_default();
    assert!(
        note.contains("ticket 7") && note.contains(&app.admin_id.to_string()),
        "{done:?}"
    );
    assert_eq!(net_charge(&app, booking).await, amount);
    let workflow = format!("WorkflowId = 'booking-{booking}' AND NeedsOperator = false");
    assert_eq!(find(&app, &workflow).await.len(), 1);
    replay_closed(&app, booking, "priced_resolved_by_operator").await;
}

#[tokio::test]
async fn an_operator_cancel_during_the_seat_confirmation_never_books_seats_of_a_refunded_booking() {
    let app = TestApp::spawn_with(TestOptions {
        pay_wait: Duration::from_secs(1),
        faults: PaymentFaults {
            pause_in_confirm: Duration::from_secs(2),
            ..PaymentFaults::default()
        },
        ..TestOptions::default()
    })
    .await;
    let show = app.create_show(4, 5).await.expect("show");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let mut bookings = Vec::new();
    for i in 0..20 {
        let seat = format!("{}{}", mtbp_tests::api_client::row_label(i / 5), i % 5 + 1);
        bookings.push(app.api.hold_ok(show.show_id, &[&seat]).await.expect("hold"));
    }
    // Each booking: pay, wait until the money is recorded (the confirm is then running, paused
    // with the booking row locked), and cancel its workflow right there.
    let races = bookings.iter().map(|&booking| {
        let app = &app;
        let card = card.clone();
        async move {
            let status = app.api.pay(booking, &card).await.expect("pay").status();
            assert!(!status.is_server_error(), "pay answered {status}");
            until(app, booking, 60, |b| {
                b.status != BookingStatus::PreBooking && b.status != BookingStatus::PaymentInitiated
            })
            .await;
            cancel_workflow(app, booking).await;
            settled(app, booking, 60).await
        }
    });
    let ended = join_all(races).await;
    assert_money_matches_status(&app, &bookings).await;
    // A confirm that held the row wins over the cancel: the booking stands, never refunded.
    for b in &ended {
        if b.status.is_booked() {
            assert!(b.ticket_code.is_some(), "{b:?}");
        }
    }
    let waited = ended
        .iter()
        .find(|b| b.status.is_booked())
        .expect("no cancel met a confirm in flight");
    let waited: Uuid = waited.booking_id.as_uuid();
    replay_closed(&app, waited, "priced_cancel_waited_for_the_confirm").await;
}
