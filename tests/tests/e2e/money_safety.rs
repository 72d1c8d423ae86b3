//! Money safety against a slow gateway: a charge whose confirm outlives the HTTP timeout and
//! the attempt, and an operator who cancels while it is on the wire, never end in "charged, but
//! no booking". Every booking ends with exactly one net charge if it completed, none otherwise.

use crate::operator::cancel_workflow;
use futures::future::join_all;
use mtbp_api::routes::bookings::json::Booking;
use mtbp_domain::BookingStatus;
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{Delay, GatewayFaults, SlowGateway, TestApp, TestOptions};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Statuses a booking rests in once its saga has settled the money.
const SETTLED: [BookingStatus; 6] = [
    BookingStatus::BookingCompleted,
    BookingStatus::Invoiced,
    BookingStatus::PaymentFailed,
    BookingStatus::Refunded,
    BookingStatus::Cancelled,
    BookingStatus::Expired,
];

/// An app whose API and worker reach the gateway through a slow proxy.
pub(crate) async fn app_behind(gateway: &SlowGateway) -> TestApp {
    TestApp::spawn_with(TestOptions {
        stripe_api_base: Some(gateway.url.clone()),
        pay_wait: Duration::from_secs(2),
        ..TestOptions::default()
    })
    .await
}

pub(crate) async fn slow_gateway(faults: GatewayFaults) -> SlowGateway {
    let upstream = std::env::var("STRIPE_API_BASE").expect("STRIPE_API_BASE (the test stack)");
    let gateway = SlowGateway::start(&upstream).await.expect("slow gateway");
    gateway.set(faults);
    gateway
}

/// Money the gateway kept for the booking: succeeded intents minus their refunds.
pub(crate) async fn net_charge(app: &TestApp, booking: Uuid) -> i64 {
    let mut net = 0;
    for pi in app
        .stripe
        .succeeded_charges_of(&booking.to_string())
        .await
        .expect("intents")
    {
        net += pi["amount"].as_i64().unwrap_or(0);
        for refund in app.stripe.refunds_of(&pi).await.expect("refunds") {
            net -= refund["amount"].as_i64().unwrap_or(0);
        }
    }
    net
}

/// Polls the booking until its saga settled it (and no operator is waited for), for `secs`.
pub(crate) async fn settled(app: &TestApp, booking: Uuid, secs: u64) -> Booking {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let b = app.api.booking(booking).await.expect("booking");
        if SETTLED.contains(&b.status) {
            return b;
        }
        assert!(
            Instant::now() < deadline,
            "booking {booking} still {} after {secs}s",
            b.status
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Each booking's money and seats agree with its status: a completed one kept exactly its
/// amount and has its seats booked; any other kept nothing and books no seat.
pub(crate) async fn assert_money_matches_status(app: &TestApp, bookings: &[Uuid]) {
    for &booking in bookings {
        let b = app.api.booking(booking).await.expect("booking");
        let net = net_charge(app, booking).await;
        let booked: i64 = sqlx::query_scalar(
            "select count(*) from show_seats where booking_id = $1 and status = 'booked'",
        )
        .bind(booking)
        .fetch_one(&app.db)
        .await
        .expect("seats");
        let seats = b.seats.len();
        if b.status.is_booked() {
            assert_eq!(net, b.total.amount_minor, "{b:?}");
            assert_eq!(usize::try_from(booked).unwrap_or(0), seats, "{b:?}");
        } else {
            assert_eq!(net, 0, "booking {booking} kept money: {b:?}");
            assert_eq!(booked, 0, "booking {booking} books seats: {b:?}");
            assert!(b.needs_operator.is_none(), "{b:?}");
        }
    }
}

/// Holds one seat each for `n` bookings and pays them all at once; their ids.
async fn hold_and_pay(app: &TestApp, n: usize) -> Vec<Uuid> {
    let show = app.create_show(n.div_ceil(5), 5).await.expect("show");
    let mut bookings = Vec::new();
    for i in 0..n {
        let seat = format!("{}{}", mtbp_tests::api_client::row_label(i / 5), i % 5 + 1);
        bookings.push(app.api.hold_ok(show.show_id, &[&seat]).await.expect("hold"));
    }
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let pays = bookings.iter().map(|&b| {
        let api = app.api.clone();
        let card = card.clone();
        async move { api.pay(b, &card).await.expect("pay").status() }
    });
    for status in join_all(pays).await {
        // 200 booked, 202 still running, 402/409 refused: never a 5xx.
        assert!(!status.is_server_error(), "pay answered {status}");
    }
    bookings
}

/// Twenty bookings paid at once through a gateway that sees every confirm 12 s late: past the
/// client's 8 s timeout, so each attempt gives up on it while the gateway still charges the
/// card a moment later.
async fn twenty_paying_through_a_late_confirm() -> (SlowGateway, TestApp, Vec<Uuid>) {
    let gateway = slow_gateway(GatewayFaults {
        confirm: Delay {
            before: Duration::from_secs(12),
            after: Duration::ZERO,
        },
        ..GatewayFaults::default()
    })
    .await;
    let app = app_behind(&gateway).await;
    let bookings = hold_and_pay(&app, 20).await;
    (gateway, app, bookings)
}

#[tokio::test]
async fn a_confirm_slower_than_the_charge_attempt_leaves_one_net_charge_per_completed_booking() {
    let (_gateway, app, bookings) = twenty_paying_through_a_late_confirm().await;
    for &b in &bookings {
        settled(&app, b, 180).await;
    }
    // Confirms still on the wire land now: none may take money from a booking that ended.
    tokio::time::sleep(Duration::from_secs(13)).await;
    assert_money_matches_status(&app, &bookings).await;
}

#[tokio::test]
async fn an_operator_cancel_during_a_slow_charge_leaves_no_charge_without_a_booking() {
    let (_gateway, app, bookings) = twenty_paying_through_a_late_confirm().await;
    // Every charge is waiting on its confirm: the operator cancels them all from Temporal.
    join_all(bookings.iter().map(|&b| cancel_workflow(&app, b))).await;
    for &b in &bookings {
        settled(&app, b, 180).await;
    }
    tokio::time::sleep(Duration::from_secs(13)).await;
    assert_money_matches_status(&app, &bookings).await;
    let cancelled = join_all(bookings.iter().map(|&b| app.api.booking(b)))
        .await
        .into_iter()
        .filter(|b| b.as_ref().is_ok_and(|b| !b.status.is_booked()))
        .count();
    assert!(cancelled > 0, "no cancel reached a charge in flight");
}

/// The compensation meets a charge that succeeds a moment later: the operator cancels while the
/// confirm is on its way to the gateway, and the compensation's cancel of the intent reaches the
/// gateway only after the confirm charged the card. The money must still come back.
#[tokio::test]
async fn a_compensation_that_meets_a_confirm_landing_late_still_gives_the_money_back() {
    let gateway = slow_gateway(GatewayFaults {
        confirm: Delay {
            before: Duration::from_secs(5),
            after: Duration::ZERO,
        },
        cancel: Delay {
            before: Duration::from_secs(6),
            after: Duration::ZERO,
        },
        ..GatewayFaults::default()
    })
    .await;
    let app = app_behind(&gateway).await;
    let bookings = hold_and_pay(&app, 10).await;
    join_all(bookings.iter().map(|&b| cancel_workflow(&app, b))).await;
    for &b in &bookings {
        settled(&app, b, 180).await;
    }
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_money_matches_status(&app, &bookings).await;
}
