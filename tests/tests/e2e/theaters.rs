//! Theater connectivity and cancellations after payment, on the real stack with a reference box
//! office of each test's own: a designated-rows theater gets each sale after payment; a live
//! theater locks seats at hold time (its own sales refuse a hold, its locks show on the seat
//! map), confirms the lock after payment, and gets its lock back from every compensation; a
//! theater down during the share gets the sale later; a theater refusing the sale gets the
//! booking refunded, credited and released, its customer told. Customers cancel within the
//! partner's policy (windows, fees, partial cancellation, re-pricing of the rest), operators
//! past it, and a cancelled show refunds every booking once.

use crate::visibility::replay_workflow as replay;
use mtbp_domain::BookingStatus;
use mtbp_domain::pricing::Benefit;
use mtbp_tests::boxoffice::TestBoxOffice;
use mtbp_tests::maildev::Maildev;
use mtbp_tests::pricing::insert_offer;
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{Principal, ShowFixture, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Connects the show's theater to `office` as `model`.
async fn connect(app: &TestApp, show: &ShowFixture, office: &TestBoxOffice, model: &str) {
    let resp = app
        .admin
        .put(
            &format!("/theaters/{}/connection", show.theater_id),
            &json!({"model": model, "base_url": office.url}),
        )
        .await
        .expect("connect");
    assert_eq!(resp.status(), StatusCode::OK, "connect the theater");
}

/// A signed-in customer with a fresh address.
pub(crate) async fn customer(app: &TestApp) -> Principal {
    let email = format!("theater-{}@example.com", Uuid::new_v4().simple());
    app.customer(&email).await.expect("customer")
}

/// A guest with a fresh address (guests are told by email without any consent to give).
fn guest(app: &TestApp) -> Principal {
    Principal {
        account_id: Uuid::nil(),
        partner_id: None,
        email: format!("guest-{}@example.com", Uuid::new_v4().simple()),
        api: app.api.clone(),
    }
}

/// Holds `seats` for `who`; answers the response.
async fn hold(
    who: &Principal,
    show: Uuid,
    seats: &[&str],
    code: Option<&str>,
) -> reqwest::Response {
    let body = json!({"show_id": show, "seats": seats, "offer_code": code,
                      "contact": {"name": "Meera Iyer", "email": who.email}});
    who.api.post("/bookings", &body).await.expect("hold")
}

/// Holds and pays; answers the booking id.
pub(crate) async fn paid(
    app: &TestApp,
    who: &Principal,
    show: Uuid,
    seats: &[&str],
    code: Option<&str>,
) -> Uuid {
    let held = hold(who, show, seats, code).await;
    assert_eq!(held.status(), StatusCode::CREATED);
    let held: Value = held.json().await.expect("json");
    let booking = mtbp_tests::api_client::id(&held, "booking_id").expect("id");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = who.api.pay(booking, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "BookingCompleted");
    booking
}

async fn share_status(app: &TestApp, booking: Uuid) -> Option<String> {
    sqlx::query_scalar("select status from theater_shares where booking_id = $1")
        .bind(booking)
        .fetch_optional(&app.db)
        .await
        .expect("share")
}

async fn wait_share(app: &TestApp, booking: Uuid, want: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let now = share_status(app, booking).await;
        if now.as_deref() == Some(want) {
            return;
        }
        assert!(Instant::now() < deadline, "share is {now:?}, not {want}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn booking_status(app: &TestApp, booking: Uuid) -> String {
    sqlx::query_scalar("select status from bookings where booking_id = $1")
        .bind(booking)
        .fetch_one(&app.db)
        .await
        .expect("booking")
}

async fn wait_status(app: &TestApp, booking: Uuid, want: BookingStatus, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let now = booking_status(app, booking).await;
        if now == want.as_str() {
            return;
        }
        assert!(Instant::now() < deadline, "booking is {now}, not {want}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// What the gateway gave back for the booking, by the platform's refund rows.
pub(crate) async fn refunded(app: &TestApp, booking: Uuid) -> (i64, i64) {
    sqlx::query_as(
        "select coalesce(sum(amount_minor), 0)::bigint, count(*) from refunds where booking_id = $1",
    )
    .bind(booking)
    .fetch_one(&app.db)
    .await
    .expect("refunds")
}

pub(crate) async fn paid_minor(app: &TestApp, booking: Uuid) -> i64 {
    sqlx::query_scalar("select amount_minor from payments where booking_id = $1")
        .bind(booking)
        .fetch_one(&app.db)
        .await
        .expect("payment")
}

pub(crate) async fn wait_cancellation_done(app: &TestApp, booking: Uuid, n: i64, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let done: i64 = sqlx::query_scalar(
            "select count(*) from cancellations where booking_id = $1 and status = 'done'",
        )
        .bind(booking)
        .fetch_one(&app.db)
        .await
        .expect("cancellations");
        if done >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{done} of {n} cancellations done"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn booking_workflow(booking: Uuid) -> String {
    mtbp_domain::BookingId::from_uuid(booking).workflow_id()
}

#[tokio::test]
async fn a_designated_rows_theater_gets_the_sale_with_the_customer_after_payment() {
    let app = TestApp::spawn().await;
    let office = TestBoxOffice::start().await.expect("box office");
    let show = app.create_show(2, 4).await.expect("show");
    connect(&app, &show, &office, "designated").await;
    let who = customer(&app).await;
    let booking = paid(&app, &who, show.show_id, &["A1", "A2"], None).await;
    wait_share(&app, booking, "shared", 60).await;
    let sales = office.sales(show.show_id).await.expect("sales");
    assert_eq!(sales.len(), 1, "one sale: {sales:?}");
    let sale = &sales[0];
    assert_eq!(sale["kind"], "designated");
    assert_eq!(sale["seats"], json!(["A1", "A2"]));
    assert_eq!(sale["reference"], booking.to_string());
    assert_eq!(sale["customer"]["email"], who.email.as_str());
    assert_eq!(
        sale["amount_minor"].as_i64(),
        Some(paid_minor(&app, booking).await)
    );
    let ticket: Option<String> =
        sqlx::query_scalar("select ticket_code from bookings where booking_id = $1")
            .bind(booking)
            .fetch_one(&app.db)
            .await
            .expect("ticket");
    assert_eq!(sale["ticket_code"].as_str(), ticket.as_deref());
}

#[tokio::test]
async fn a_live_theater_locks_at_hold_time_and_its_own_sales_refuse_holds() {
    let app = TestApp::spawn().await;
    let office = TestBoxOffice::start().await.expect("box office");
    let show = app.create_show(2, 4).await.expect("show");
    connect(&app, &show, &office, "live").await;
    office
        .sell_at_counter(show.show_id, &["B1"])
        .await
        .expect("counter");
    let who = customer(&app).await;

    // The theater sold B1 at its counter: the seat map says so, and a hold of it is refused.
    let map: Value = app
        .api
        .get_json(&format!("/shows/{}/seats", show.show_id))
        .await
        .expect("map");
    let b1 = map["rows"][1]["seats"][0].clone();
    assert_eq!(
        (b1["label"].as_str(), b1["status"].as_str()),
        (Some("B1"), Some("held"))
    );
    let refused = hold(&who, show.show_id, &["B1", "B2"], None).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "seats_unavailable", "{body}");
    assert_eq!(
        office
            .seat_states(show.show_id, &["B2"])
            .await
            .expect("states"),
        ["available"],
        "nothing of the refused hold stays locked"
    );

    // A hold locks at the theater; cancelling it releases the lock there.
    let held = hold(&who, show.show_id, &["A3"], None).await;
    assert_eq!(held.status(), StatusCode::CREATED);
    let held: Value = held.json().await.expect("json");
    let booking = mtbp_tests::api_client::id(&held, "booking_id").expect("id");
    assert_eq!(
        office
            .seat_states(show.show_id, &["A3"])
            .await
            .expect("states"),
        ["locked"]
    );
    let resp = who
        .api
        .post(&format!("/bookings/{booking}/cancel"), &json!({}))
        .await
        .expect("cancel");
    assert_eq!(resp.status(), StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(30);
    while office
        .seat_states(show.show_id, &["A3"])
        .await
        .expect("states")
        != ["available"]
    {
        assert!(Instant::now() < deadline, "the lock was not released");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Paid: the lock is confirmed into the theater's sale.
    let booking = paid(&app, &who, show.show_id, &["A1"], None).await;
    wait_share(&app, booking, "shared", 60).await;
    let sales = office.sales(show.show_id).await.expect("sales");
    let live: Vec<&Value> = sales.iter().filter(|s| s["kind"] == "live").collect();
    assert_eq!(live.len(), 1, "{sales:?}");
    assert_eq!(live[0]["reference"], booking.to_string());
    assert_eq!(
        office
            .seat_states(show.show_id, &["A1"])
            .await
            .expect("states"),
        ["sold"]
    );
    // Open (waiting for its reminder), after the share.
    replay(
        &app,
        &booking_workflow(booking),
        "theater_live_shared",
        false,
    )
    .await;
}

#[tokio::test]
async fn a_live_theater_down_during_the_share_gets_the_sale_once_it_is_back() {
    let app = TestApp::spawn().await;
    let office = TestBoxOffice::start().await.expect("box office");
    let show = app.create_show(1, 4).await.expect("show");
    connect(&app, &show, &office, "live").await;
    let who = customer(&app).await;
    let held = hold(&who, show.show_id, &["A2"], None).await;
    assert_eq!(held.status(), StatusCode::CREATED);
    let held: Value = held.json().await.expect("json");
    let booking = mtbp_tests::api_client::id(&held, "booking_id").expect("id");
    office.switch(json!({"down": true})).await.expect("down");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = who.api.pay(booking, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::OK, "the customer has the ticket");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "BookingCompleted");
    // Down for a while: attempts fail (and the circuit opens), the booking stands.
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_ne!(share_status(&app, booking).await.as_deref(), Some("shared"));
    let attempts: i32 =
        sqlx::query_scalar("select attempts from theater_shares where booking_id = $1")
            .bind(booking)
            .fetch_one(&app.db)
            .await
            .expect("attempts");
    assert!(attempts >= 2, "the share was retried ({attempts} attempts)");
    assert!(matches!(
        booking_status(&app, booking).await.as_str(),
        "BookingCompleted" | "Invoiced"
    ));
    office.switch(json!({"down": false})).await.expect("up");
    wait_share(&app, booking, "shared", 90).await;
    let sales = office.sales(show.show_id).await.expect("sales");
    assert_eq!(sales.len(), 1, "shared once: {sales:?}");
}

#[tokio::test]
async fn a_live_theater_refusing_the_sale_gets_the_booking_refunded_credited_and_released() {
    let app = TestApp::spawn().await;
    let office = TestBoxOffice::start().await.expect("box office");
    let show = app.create_show(1, 4).await.expect("show");
    connect(&app, &show, &office, "live").await;
    office
        .switch(json!({"reject_confirm": true}))
        .await
        .expect("switch");
    let who = guest(&app);
    let booking = paid(&app, &who, show.show_id, &["A1", "A2"], None).await;
    wait_status(&app, booking, BookingStatus::Refunded, 90).await;
    wait_cancellation_done(&app, booking, 1, 60).await;
    let charged = paid_minor(&app, booking).await;
    assert_eq!(
        refunded(&app, booking).await,
        (charged, 1),
        "refunded in full, once"
    );
    let credit: i64 = sqlx::query_scalar(
        "select coalesce(sum(total_minor), 0)::bigint from invoices
          where booking_id = $1 and kind = 'credit_note'",
    )
    .bind(booking)
    .fetch_one(&app.db)
    .await
    .expect("credit notes");
    assert_eq!(
        credit, charged,
        "the credit notes give back what the invoices billed"
    );
    assert_eq!(
        share_status(&app, booking).await.as_deref(),
        Some("rejected")
    );
    assert_eq!(
        office
            .seat_states(show.show_id, &["A1", "A2"])
            .await
            .expect("states"),
        ["available", "available"],
        "the lock is released at the theater"
    );
    let seats_back: i64 = sqlx::query_scalar(
        "select count(*) from show_seats where show_id = $1 and seat_label in ('A1', 'A2')
            and status = 'free'",
    )
    .bind(show.show_id)
    .fetch_one(&app.db)
    .await
    .expect("seats");
    assert_eq!(seats_back, 2, "the seats are back on sale");
    let mails = Maildev::from_env()
        .wait_for(&who.email, 3, 60, Duration::from_millis(500))
        .await
        .expect("maildev");
    let subjects: Vec<String> = mails
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    assert_eq!(
        mails.len(),
        3,
        "confirmation, cancellation, refund: {subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.contains("cancel")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.contains("refund")),
        "{subjects:?}"
    );
    replay(
        &app,
        &booking_workflow(booking),
        "theater_rejected_booking",
        true,
    )
    .await;
    let child = Uuid::new_v5(&booking, b"theater-rejected");
    let child = mtbp_workflows::CancellationInput::workflow_id(child);
    replay(&app, &child, "theater_rejected_cancellation", true).await;
}

/// A show of `partner`'s starting in `hours`, with `policy`.
pub(crate) async fn partner_show(
    app: &TestApp,
    hours: f64,
    policy: Value,
) -> (Principal, ShowFixture) {
    let partner = app.partner("Policy Cinemas").await.expect("partner");
    let show = partner
        .api
        .create_show_with(&app.admin, 2, 6)
        .await
        .expect("show");
    sqlx::query(
        "update shows set starts_at = now() + make_interval(secs => $2),
                                  ends_at = now() + make_interval(secs => $2 + 7200),
                                  busy_until = now() + make_interval(secs => $2 + 9000)
                  where show_id = $1",
    )
    .bind(show.show_id)
    .bind(hours * 3600.0)
    .execute(&app.db)
    .await
    .expect("show time");
    let partner_id = partner.partner_id.expect("partner id");
    let resp = app
        .admin
        .put(&format!("/partners/{partner_id}/policy"), &policy)
        .await
        .expect("policy");
    assert_eq!(resp.status(), StatusCode::OK, "policy set");
    let read: Value = partner
        .api
        .get_json(&format!("/partners/{partner_id}/policy"))
        .await
        .expect("partner reads the policy");
    assert_eq!(read["hold_seconds"], policy["hold_seconds"]);
    (partner, show)
}

pub(crate) fn policy(partial: bool) -> Value {
    json!({"hold_seconds": 300, "partial_cancellation": partial,
           "refund_windows": [{"hours_before": 2, "fee_bp": 2500}, {"hours_before": 24, "fee_bp": 0}]})
}

pub(crate) async fn cancel(
    who: &Principal,
    booking: Uuid,
    body: Value,
    dry_run: bool,
) -> (StatusCode, Value) {
    let path = if dry_run {
        format!("/bookings/{booking}/cancel?dry_run=true")
    } else {
        format!("/bookings/{booking}/cancel")
    };
    let resp = who.api.post(&path, &body).await.expect("cancel");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn policy_windows_set_the_fee_and_the_last_window_closes_cancellation() {
    let app = TestApp::spawn().await;
    // Ten hours before the show: the 2 h window, a quarter kept.
    let (_, show) = partner_show(&app, 10.0, policy(true)).await;
    let who = customer(&app).await;
    let booking = paid(&app, &who, show.show_id, &["A1", "A2"], None).await;
    let held_until: f64 = sqlx::query_scalar(
        "select extract(epoch from hold_expires_at - created_at)::float8 from bookings
          where booking_id = $1",
    )
    .bind(booking)
    .fetch_one(&app.db)
    .await
    .expect("hold");
    assert!(
        held_until <= 301.0,
        "the partner's 300 s hold ({held_until} s)"
    );
    let charged = paid_minor(&app, booking).await;
    let (s, quote) = cancel(&who, booking, json!({}), true).await;
    assert_eq!(s, StatusCode::OK, "{quote}");
    assert_eq!(quote["quote"]["fee_bp"], 2500);
    let fee = (charged * 2500 + 5000) / 10_000;
    assert_eq!(quote["quote"]["fee_minor"].as_i64(), Some(fee));
    assert_eq!(quote["quote"]["refund_minor"].as_i64(), Some(charged - fee));
    assert_eq!(
        refunded(&app, booking).await,
        (0, 0),
        "a dry run changes nothing"
    );

    let (s, done) = cancel(&who, booking, json!({"reason": "plans changed"}), false).await;
    assert!(
        s == StatusCode::OK || s == StatusCode::ACCEPTED,
        "{s} {done}"
    );
    wait_cancellation_done(&app, booking, 1, 60).await;
    assert_eq!(refunded(&app, booking).await, (charged - fee, 1));
    wait_status(&app, booking, BookingStatus::Refunded, 30).await;
    // The booking's own workflow ends on the cancellation's signal.
    replay(
        &app,
        &booking_workflow(booking),
        "cancelled_after_payment",
        true,
    )
    .await;
    let (s, again) = cancel(&who, booking, json!({}), false).await;
    assert_eq!(s, StatusCode::CONFLICT, "nothing left to cancel: {again}");

    // An hour before the show: past the last window.
    let (_, late) = partner_show(&app, 1.0, policy(true)).await;
    let booking = paid(&app, &who, late.show_id, &["A1"], None).await;
    let (s, body) = cancel(&who, booking, json!({}), true).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "too_late_to_cancel", "{body}");
    // An operator may, past the policy, and must say why; nothing is kept.
    let (s, body) = cancel(&who_admin(&app), booking, json!({}), false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body) = cancel(
        &who_admin(&app),
        booking,
        json!({"reason": "ticket 4711: theater closed"}),
        false,
    )
    .await;
    assert!(
        s == StatusCode::OK || s == StatusCode::ACCEPTED,
        "{s} {body}"
    );
    wait_cancellation_done(&app, booking, 1, 60).await;
    let charged = paid_minor(&app, booking).await;
    assert_eq!(refunded(&app, booking).await, (charged, 1));
    let (role, actor, reason): (String, Option<Uuid>, String) = sqlx::query_as(
        "select actor_role, actor_id, reason from cancellations where booking_id = $1",
    )
    .bind(booking)
    .fetch_one(&app.db)
    .await
    .expect("audit");
    assert_eq!(
        (role.as_str(), actor, reason.as_str()),
        ("admin", Some(app.admin_id), "ticket 4711: theater closed")
    );

    // Partial cancellation where the partner does not allow it.
    let (_, whole_only) = partner_show(&app, 48.0, policy(false)).await;
    let booking = paid(&app, &who, whole_only.show_id, &["A1", "A2"], None).await;
    let (s, body) = cancel(&who, booking, json!({"seats": ["A1"]}), true).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "partial_cancellation_not_allowed");
    let (s, body) = cancel(&who, booking, json!({"seats": ["C9"]}), true).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

fn who_admin(app: &TestApp) -> Principal {
    Principal {
        account_id: app.admin_id,
        partner_id: None,
        email: String::new(),
        api: app.admin.clone(),
    }
}

#[tokio::test]
async fn a_partial_cancellation_reprices_the_rest_without_the_offer_that_no_longer_applies() {
    let app = TestApp::spawn().await;
    let (_, show) = partner_show(&app, 48.0, policy(true)).await;
    let office = TestBoxOffice::start().await.expect("box office");
    connect(&app, &show, &office, "designated").await;
    let code = format!("THIRD-{}", &Uuid::new_v4().simple().to_string()[..6]).to_uppercase();
    let third_free = Benefit::NthTicket {
        every: 3,
        percent_bp: 10_000,
    };
    insert_offer(&app.db, Some(&code), &third_free, |_| {})
        .await
        .expect("offer");
    let who = customer(&app).await;
    let booking = paid(&app, &who, show.show_id, &["A1", "A2", "A3"], Some(&code)).await;
    let charged = paid_minor(&app, booking).await;
    wait_share(&app, booking, "shared", 60).await;

    // Cancelling one of three: the third-ticket-free no longer applies to the two that stay.
    let (s, quote) = cancel(&who, booking, json!({"seats": ["A3"]}), true).await;
    assert_eq!(s, StatusCode::OK, "{quote}");
    let rest = quote["quote"]["rest_minor"].as_i64().expect("rest");
    let two_full: Value = who
        .api
        .get_json(&format!("/shows/{}/seats", show.show_id))
        .await
        .expect("map");
    let price = two_full["rows"][0]["seats"][0]["price_minor"]
        .as_i64()
        .expect("price");
    assert!(
        rest > charged - price,
        "the rest is dearer than paid less one seat: {quote}"
    );
    assert_eq!(quote["quote"]["fee_minor"], 0, "48 h before: no fee");
    assert_eq!(
        quote["quote"]["refund_minor"].as_i64(),
        Some((charged - rest).max(0))
    );
    let (s, body) = cancel(&who, booking, json!({"seats": ["a3"]}), false).await;
    assert!(
        s == StatusCode::OK || s == StatusCode::ACCEPTED,
        "{s} {body}"
    );
    wait_cancellation_done(&app, booking, 1, 60).await;
    let id: Uuid = body["cancellation_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let id = mtbp_workflows::CancellationInput::workflow_id(id);
    replay(&app, &id, "partial_cancellation", true).await;
    assert_eq!(
        refunded(&app, booking).await,
        ((charged - rest).max(0), i64::from(charged > rest))
    );
    assert_eq!(
        booking_status(&app, booking).await,
        "Invoiced",
        "two seats stay booked"
    );
    let a3: String = sqlx::query_scalar(
        "select status from show_seats where show_id = $1 and seat_label = 'A3'",
    )
    .bind(show.show_id)
    .fetch_one(&app.db)
    .await
    .expect("seat");
    assert_eq!(a3, "free", "the cancelled seat is back on sale");
    // The theater is told: A3 is cancelled on its sale.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sales = office.sales(show.show_id).await.expect("sales");
        if sales
            .first()
            .is_some_and(|s| s["cancelled_seats"] == json!(["A3"]))
        {
            assert_eq!(sales[0]["seats"], json!(["A1", "A2"]));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the theater was not told: {sales:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let credit: i64 = sqlx::query_scalar(
        "select count(*) from invoices where booking_id = $1 and kind = 'credit_note'",
    )
    .bind(booking)
    .fetch_one(&app.db)
    .await
    .expect("credit notes");
    assert!(credit >= 1, "a credit note for the cancelled seat");
    // The rest can go too, later: priced from what it is worth now.
    let (s, quote) = cancel(&who, booking, json!({}), true).await;
    assert_eq!(s, StatusCode::OK, "{quote}");
    assert_eq!(quote["quote"]["current_minor"].as_i64(), Some(rest));
    assert_eq!(quote["seats"], json!(["A1", "A2"]));
}

#[tokio::test]
async fn cancelling_a_show_refunds_every_booking_once_through_worker_crashes() {
    let worker_bin = env!("CARGO_BIN_EXE_mtbp-test-worker");
    let app = TestApp::spawn_with(mtbp_tests::TestOptions {
        in_process_worker: false,
        ..mtbp_tests::TestOptions::default()
    })
    .await;
    let mut worker = Worker(app.spawn_worker_process(worker_bin, 0).expect("worker"));
    let partner = app.partner("Gone Cinemas").await.expect("partner");
    let show = partner
        .api
        .create_show_with(&app.admin, 20, 12)
        .await
        .expect("show");
    let bookings: usize = std::env::var("MTBP_SHOW_CANCEL_BOOKINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut ids = Vec::new();
    let mut guests = Vec::new();
    for seat in show.seats.iter().take(bookings) {
        let who = guest(&app);
        ids.push(paid(&app, &who, show.show_id, &[seat.as_str()], None).await);
        guests.push(who);
    }
    let who = guest(&app);
    let resp = partner
        .api
        .delete(&format!("/shows/{}", show.show_id))
        .await
        .expect("cancel the show");
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    // Nothing more is sold once the cancellation began.
    let late = hold(&who, show.show_id, &[show.seats[bookings].as_str()], None).await;
    assert!(
        late.status().is_client_error(),
        "a hold after the cancel began: {}",
        late.status()
    );

    // Two crashes midway.
    for _ in 0..2 {
        let deadline = Instant::now() + Duration::from_secs(300);
        let start: i64 = done_count(&app, show.show_id).await;
        while done_count(&app, show.show_id).await < start + 15 {
            assert!(Instant::now() < deadline, "no progress");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        worker.0.kill().expect("SIGKILL");
        let _ = worker.0.wait();
        worker = Worker(
            app.spawn_worker_process(worker_bin, 0)
                .expect("worker again"),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let status: Option<String> =
            sqlx::query_scalar("select status from show_cancellations where show_id = $1")
                .bind(show.show_id)
                .fetch_optional(&app.db)
                .await
                .expect("progress");
        if status.as_deref() == Some("done") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the show's cancellation did not finish"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let progress: Value = partner
        .api
        .get_json(&format!("/shows/{}/cancellation", show.show_id))
        .await
        .expect("progress");
    assert_eq!(progress["bookings_total"].as_u64(), Some(bookings as u64));
    assert_eq!(
        progress["bookings_done"].as_u64(),
        Some(bookings as u64),
        "{progress}"
    );
    // Each booking refunded exactly once, in full, reconciled with the gateway.
    let at_gateway = app.stripe.list("refunds").await.expect("gateway refunds");
    for booking in &ids {
        let (sum, n) = refunded(&app, *booking).await;
        assert_eq!(
            (sum, n),
            (paid_minor(&app, *booking).await, 1),
            "booking {booking}"
        );
        let intent: String =
            sqlx::query_scalar("select gateway_payment_id from payments where booking_id = $1")
                .bind(booking)
                .fetch_one(&app.db)
                .await
                .expect("intent");
        let pi = app.stripe.payment_intent(&intent).await.expect("intent");
        let charges: Vec<Value> = pi["charges"]["data"]
            .as_array()
            .map(|c| c.iter().map(|x| x["id"].clone()).collect())
            .unwrap_or_default();
        let of_intent: Vec<&Value> = at_gateway
            .iter()
            .filter(|r| r["payment_intent"] == pi["id"] || charges.contains(&r["charge"]))
            .collect();
        assert_eq!(
            of_intent.len(),
            1,
            "one refund at the gateway for {booking}"
        );
        assert_eq!(of_intent[0]["amount"].as_i64(), Some(sum));
    }
    // Every customer told once: one cancellation notice per booking, never two. A notice whose
    // worker died in the middle of its SMTP exchange is `unknown` (the notifications are
    // at most once: never sent again); its customer got it once or not at all.
    let maildev = Maildev::from_env();
    let mut in_doubt = 0;
    for (booking, who) in ids.iter().zip(&guests) {
        let statuses: Vec<String> = sqlx::query_scalar(
            "select status from notifications
              where booking_id = $1 and kind = 'cancellation' and channel = 'email'",
        )
        .bind(booking)
        .fetch_all(&app.db)
        .await
        .expect("notifications");
        assert_eq!(statuses.len(), 1, "one cancellation notice for {booking}");
        let got = maildev.emails_to(&who.email).await.expect("maildev");
        let notices = got
            .iter()
            .filter(|m| {
                m["subject"]
                    .as_str()
                    .is_some_and(|s| s.to_lowercase().contains("cancel"))
            })
            .count();
        match statuses[0].as_str() {
            "sent" => assert_eq!(notices, 1, "{booking} told once"),
            "unknown" => {
                in_doubt += 1;
                assert!(notices <= 1, "{booking} told twice");
            }
            other => panic!("the notice of {booking} is {other}"),
        }
    }
    assert!(
        in_doubt <= 4,
        "{in_doubt} notices in doubt after two crashes"
    );
    let sold_after: i64 = sqlx::query_scalar(
        "select count(*) from bookings b join shows s using (show_id)
          where b.show_id = $1 and b.created_at > (select started_at from show_cancellations
                                                    where show_id = $1)",
    )
    .bind(show.show_id)
    .fetch_one(&app.db)
    .await
    .expect("late bookings");
    assert_eq!(sold_after, 0, "no seat sold after the cancel began");
    let id = mtbp_workflows::ShowCancellationInput::workflow_id(mtbp_domain::ShowId::from_uuid(
        show.show_id,
    ));
    replay(&app, &id, "show_cancelled", true).await;
}

/// A worker process, killed when the test ends however it ends (its output pipe would keep
/// the test binary's runner waiting otherwise).
struct Worker(std::process::Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn done_count(app: &TestApp, show: Uuid) -> i64 {
    sqlx::query_scalar(
        "select count(*) from cancellations c join bookings b using (booking_id)
          where b.show_id = $1 and c.status = 'done'",
    )
    .bind(show)
    .fetch_one(&app.db)
    .await
    .expect("done")
}

/// A worker killed after a cancellation's apply committed, before its workflow task completed,
/// runs the plan again on the retry: it must answer what was applied, not refuse a booking the
/// cancellation itself closed (which left a paid booking cancelled and never refunded).
#[tokio::test]
async fn planning_a_cancellation_again_after_its_apply_answers_what_was_applied() {
    use mtbp_domain::BookingId;
    use mtbp_domain::cancellation::{Actor, Unquoted};
    use mtbp_domain::pricing::PricingRules;
    use mtbp_store::cancellations::{self, Applied, NewCancellation};

    let app = TestApp::spawn().await;
    let (_, show) = partner_show(&app, 48.0, policy(true)).await;
    let who = customer(&app).await;
    let booking = BookingId::from_uuid(paid(&app, &who, show.show_id, &["A1"], None).await);
    let rules = PricingRules::demo();
    let id = Uuid::new_v4();
    assert_eq!(
        cancellations::applied_plan(&app.db, id)
            .await
            .expect("read"),
        None,
        "nothing applied yet"
    );
    let planned = cancellations::quote(
        &app.db,
        &rules,
        booking,
        None,
        Actor::Partner,
        chrono::Utc::now(),
    )
    .await
    .expect("quote")
    .expect("a paid booking is cancellable");
    let applied = cancellations::apply(
        &app.db,
        &NewCancellation {
            cancellation_id: id,
            booking_id: booking,
            seats: &planned.seats,
            whole: planned.whole,
            actor_role: "partner",
            actor_id: None,
            reason: "the show was cancelled by the theater",
            quote: planned.quote,
            currency: &planned.currency,
            rest_quote: planned.rest_quote.as_ref(),
        },
    )
    .await
    .expect("apply");
    assert!(matches!(applied, Applied::Applied(_)), "{applied:?}");
    // Quoting afresh now refuses: the booking is closed.
    let again = cancellations::quote(
        &app.db,
        &rules,
        booking,
        None,
        Actor::Partner,
        chrono::Utc::now(),
    )
    .await
    .expect("quote");
    assert!(matches!(again, Err(Unquoted::NotPaid(_))), "{again:?}");
    // The cancellation's own plan is what it applied.
    let replanned = cancellations::applied_plan(&app.db, id)
        .await
        .expect("read")
        .expect("applied");
    assert_eq!(replanned, planned);
}
