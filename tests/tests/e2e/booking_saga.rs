//! The booking saga's paths: booked, declined, expired, cancelled, and hold lost → refunded.

use mtbp_activities::PaymentFaults;
use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_api::routes::bookings::json::Booking;
use mtbp_domain::BookingStatus;
use mtbp_tests::stripe::{CARD_DECLINED, CARD_OK};
use mtbp_tests::{TestApp, TestOptions};
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn a_held_and_paid_booking_completes_with_a_ticket_and_one_charge() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 10).await.expect("show");
    let booking = app
        .api
        .hold_ok(show.show_id, &["A1", "B2"])
        .await
        .expect("hold");

    let held = app.api.booking(booking).await.expect("booking");
    assert_eq!(held.status, BookingStatus::PreBooking);
    let prices: Vec<(&str, i64)> = held
        .seats
        .iter()
        .map(|s| (s.label.as_str(), s.price_minor))
        .collect();
    assert_eq!(
        prices,
        [("A1", 20000), ("B2", 35000)],
        "A is REGULAR, B is PREMIUM"
    );
    let expected = app.total_of(&[("A1", "REGULAR", 20000), ("B2", "PREMIUM", 35000)]);
    assert_eq!(held.total.amount_minor, expected, "seats, fees and GST");
    let quote = held.quote.as_ref().expect("a new booking has its quote");
    assert_eq!(quote.totals.total, held.total);
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A1", "B2", "A2"])
            .await
            .expect("map"),
        ["held", "held", "available"]
    );

    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = app.api.pay(booking, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::OK);
    let paid: Booking = resp.json().await.expect("json");
    assert_eq!(paid.status, BookingStatus::BookingCompleted);
    assert_eq!(paid.ticket_code.as_deref().map(str::len), Some(10));
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A1", "B2"])
            .await
            .expect("map"),
        ["booked", "booked"]
    );
    // A retried pay (say, after a client time-out) gets the same answer and charges nothing.
    let again = app.api.pay(booking, &card).await.expect("pay again");
    assert_eq!(again.status(), StatusCode::OK);
    let again: Booking = again.json().await.expect("json");
    assert_eq!(again.ticket_code, paid.ticket_code);

    let charges = app
        .stripe
        .succeeded_charges_of(&booking.to_string())
        .await
        .expect("gateway");
    assert_eq!(charges.len(), 1, "exactly one charge at the gateway");
    assert_eq!(
        charges[0]["amount"], expected,
        "the quote's total is charged"
    );
    let (status, gateway_id): (String, String) =
        sqlx::query_as("select status, gateway_payment_id from payments where booking_id = $1")
            .bind(booking)
            .fetch_one(&app.db)
            .await
            .expect("payment row");
    assert_eq!(status, "succeeded");
    assert_eq!(gateway_id, charges[0]["id"].as_str().unwrap_or_default());
}

#[tokio::test]
async fn a_declined_card_fails_the_payment_and_frees_the_seats() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 6).await.expect("show");
    let booking = app
        .api
        .hold_ok(show.show_id, &["A3", "A4"])
        .await
        .expect("hold");
    let card = app.stripe.card(CARD_DECLINED).await.expect("card");

    let resp = app.api.pay(booking, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::PAYMENT_REQUIRED);
    let body: ErrorEnvelope = resp.json().await.expect("json");
    assert_eq!(body.error.code, ErrorCode::PaymentFailed);
    assert!(body.error.message.contains("card_declined"));

    let b = app.api.booking(booking).await.expect("booking");
    assert_eq!(b.status, BookingStatus::PaymentFailed);
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A3", "A4"])
            .await
            .expect("map"),
        ["available", "available"]
    );
    assert!(
        app.stripe
            .succeeded_charges_of(&booking.to_string())
            .await
            .expect("gw")
            .is_empty()
    );
    // The seats can be booked again straight away.
    app.api
        .hold_ok(show.show_id, &["A3", "A4"])
        .await
        .expect("re-hold");
}

#[tokio::test]
async fn an_unpaid_hold_expires_and_frees_the_seats() {
    let app = TestApp::spawn_with(TestOptions {
        hold_seconds: 2,
        ..TestOptions::default()
    })
    .await;
    let show = app.create_show(1, 4).await.expect("show");
    let booking = app.api.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let expired = app
        .api
        .wait_for_status(booking, BookingStatus::Expired, 30)
        .await
        .expect("expired");
    assert_eq!(
        expired.status_reason.as_deref(),
        Some("the hold expired before payment")
    );
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A1"])
            .await
            .expect("map"),
        ["available"]
    );

    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = app.api.pay(booking, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let body: ErrorEnvelope = resp.json().await.expect("json");
    assert_eq!(body.error.code, ErrorCode::HoldExpired);
    assert!(
        app.stripe
            .intents_of(&booking.to_string())
            .await
            .expect("gw")
            .is_empty()
    );
}

#[tokio::test]
async fn a_hold_can_be_extended_a_bounded_number_of_times_up_to_a_cap() {
    let app = TestApp::spawn_with(TestOptions {
        hold_seconds: 2,
        hold_extension_seconds: 3,
        max_hold_extensions: 2,
        hold_cap_seconds: 6,
        ..TestOptions::default()
    })
    .await;
    let show = app.create_show(1, 4).await.expect("show");
    let booking = app.api.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let held = app.api.booking(booking).await.expect("booking");
    let extend = |key: &'static str| {
        let api = app.api.clone();
        async move {
            api.send(
                api.request(
                    reqwest::Method::POST,
                    &format!("/bookings/{booking}/extend"),
                )
                .header("Idempotency-Key", key),
            )
            .await
            .expect("extend")
        }
    };

    let first = extend("one").await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Booking = first.json().await.expect("json");
    let gained = first.hold_expires_at - held.hold_expires_at;
    assert!(
        (2900..=3100).contains(&gained.num_milliseconds()),
        "gained {gained}"
    );
    // A retry of the same request extends once, not twice.
    let retried: Booking = extend("one").await.json().await.expect("json");
    assert_eq!(retried.hold_expires_at, first.hold_expires_at);

    let second: Booking = extend("two").await.json().await.expect("json");
    let total = second.hold_expires_at - held.hold_expires_at;
    assert!(
        total.num_milliseconds() <= 4_100,
        "capped at 6 s from the hold's start, not 2 + 3 + 3: {total}"
    );
    let third = extend("three").await;
    assert_eq!(third.status(), StatusCode::CONFLICT);
    let third: ErrorEnvelope = third.json().await.expect("json");
    assert_eq!(third.error.code, ErrorCode::ExtensionLimit);

    // Still held after the original two seconds, expired after the cap.
    tokio::time::sleep(std::time::Duration::from_millis(3_000)).await;
    assert_eq!(
        app.api.booking(booking).await.expect("booking").status,
        BookingStatus::PreBooking
    );
    app.api
        .wait_for_status(booking, BookingStatus::Expired, 20)
        .await
        .expect("expired at the cap");
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A1"])
            .await
            .expect("map"),
        ["available"]
    );
}

#[tokio::test]
async fn a_customer_can_cancel_a_hold_and_not_pay_it_afterwards() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let booking = app.api.hold_ok(show.show_id, &["A2"]).await.expect("hold");
    let resp = app
        .api
        .post(
            &format!("/bookings/{booking}/cancel"),
            &serde_json::json!({}),
        )
        .await
        .expect("cancel");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Booking = resp.json().await.expect("json");
    assert_eq!(body.status, BookingStatus::Cancelled);
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A2"])
            .await
            .expect("map"),
        ["available"]
    );

    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = app.api.pay(booking, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
}

/// The payment lands after the hold lapsed and another customer took a seat: the money goes
/// back by itself and no seat is in two bookings.
#[tokio::test]
async fn a_payment_that_lands_after_the_hold_was_lost_is_refunded() {
    let app = TestApp::spawn_with(TestOptions {
        // Long enough for `pay` to arrive on a loaded machine (the rival's too); the payment
        // window decides.
        hold_seconds: 4,
        payment_window_seconds: 1,
        faults: PaymentFaults {
            pause_after_charge: Duration::from_secs(7),
            ..PaymentFaults::default()
        },
        ..TestOptions::default()
    })
    .await;
    let show = app.create_show(1, 4).await.expect("show");
    let slow = app
        .api
        .hold_ok(show.show_id, &["A1", "A2"])
        .await
        .expect("hold");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let api = app.api.clone();
    let paying = tokio::spawn(async move { api.pay(slow, &card).await });

    // While the charge is paused, the payment window lapses and someone else takes A2.
    tokio::time::sleep(Duration::from_millis(5_000)).await;
    let other = app
        .api
        .hold_ok(show.show_id, &["A2", "A3"])
        .await
        .expect("second hold");
    let other_card = app.stripe.card(CARD_OK).await.expect("card");
    let api = app.api.clone();
    let rival = tokio::spawn(async move { api.pay(other, &other_card).await });

    let resp = paying.await.expect("join").expect("pay");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let body: ErrorEnvelope = resp.json().await.expect("json");
    assert_eq!(body.error.code, ErrorCode::Refunded);
    let b = app.api.booking(slow).await.expect("booking");
    assert_eq!(b.status, BookingStatus::Refunded);

    let charges = app
        .stripe
        .succeeded_charges_of(&slow.to_string())
        .await
        .expect("gw");
    assert_eq!(charges.len(), 1);
    let refunds = app.stripe.refunds_of(&charges[0]).await.expect("refunds");
    assert_eq!(refunds.len(), 1, "refunded exactly once");
    let charged = app.total_of(&[("A1", "REGULAR", 20000), ("A2", "REGULAR", 20000)]);
    assert_eq!(refunds[0]["amount"], charged, "the whole charge goes back");
    let rival = rival.await.expect("join").expect("pay");
    let status = rival.status();
    assert_eq!(
        status,
        StatusCode::OK,
        "the rival keeps A2: {}",
        rival.text().await.unwrap_or_default()
    );
    let seats: Vec<(String, String, Option<uuid::Uuid>)> = sqlx::query_as(
        "select seat_label, status, booking_id from show_seats
          where show_id = $1 and seat_label in ('A1', 'A2') order by seat_label",
    )
    .bind(show.show_id)
    .fetch_all(&app.db)
    .await
    .expect("seats");
    assert_eq!(
        seats[0],
        ("A1".into(), "free".into(), None),
        "A1 was released"
    );
    assert_eq!(seats[1].1, "booked");
    let owner = seats[1].2.expect("A2 is booked");
    assert_eq!(owner, other);
}

/// A payment slower than the API's wait is answered 202 with where to follow it; the saga goes
/// on, a repeated `pay` joins it, and the customer is charged once.
#[tokio::test]
async fn a_payment_slower_than_the_wait_answers_202_and_completes_behind_it() {
    let app = TestApp::spawn_with(TestOptions {
        pay_wait: Duration::from_secs(1),
        faults: PaymentFaults {
            pause_after_charge: Duration::from_secs(4),
            ..PaymentFaults::default()
        },
        ..TestOptions::default()
    })
    .await;
    let show = app.create_show(1, 4).await.expect("show");
    let booking = app.api.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let card = app.stripe.card(CARD_OK).await.expect("card");

    let resp = app.api.pay(booking, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(
        resp.headers()["location"],
        format!("/bookings/{booking}").as_str()
    );
    assert_eq!(resp.headers()["retry-after"], "1");
    let running: Booking = resp.json().await.expect("json");
    assert_eq!(running.booking_id.as_uuid(), booking);
    assert!(
        matches!(
            running.status,
            BookingStatus::PreBooking
                | BookingStatus::PaymentInitiated
                | BookingStatus::PaymentCompleted
        ),
        "{running:?}"
    );
    let again = app.api.pay(booking, &card).await.expect("pay again");
    assert!(
        matches!(again.status(), StatusCode::ACCEPTED | StatusCode::OK),
        "a repeated pay joins the payment under way: {}",
        again.status()
    );

    let done = app
        .api
        .wait_for_status(booking, BookingStatus::BookingCompleted, 30)
        .await
        .expect("booked behind the 202");
    assert_eq!(done.ticket_code.as_deref().map(str::len), Some(10));
    let settled = app.api.pay(booking, &card).await.expect("pay once settled");
    assert_eq!(settled.status(), StatusCode::OK);
    let charges = app
        .stripe
        .succeeded_charges_of(&booking.to_string())
        .await
        .expect("gateway");
    assert_eq!(charges.len(), 1, "charged once");
}
