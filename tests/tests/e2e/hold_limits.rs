//! Holds cannot be hoarded: one contact email and one client address keep only a few unpaid
//! holds on a show (429 with `Retry-After`); paying or cancelling frees the slot; a retry of a
//! hold is still answered with its booking. A total the gateway cannot charge is refused when
//! the seats are held, not when the customer pays.

use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_api::routes::bookings::json::Booking;
use mtbp_domain::pricing::PricingRules;
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{ShowFixture, TestApp, TestOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

async fn hold(app: &TestApp, show: &ShowFixture, seat: &str, email: &str) -> reqwest::Response {
    app.api
        .hold_for(show.show_id, &[seat], None, email)
        .await
        .expect("hold")
}

async fn held(app: &TestApp, show: &ShowFixture, seat: &str, email: &str) -> Uuid {
    let resp = hold(app, show, seat, email).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "{seat} for {email}");
    let body: Booking = resp.json().await.expect("json");
    body.booking_id.as_uuid()
}

/// Asserts a 429 `too_many_holds` of `scope` with a `Retry-After` within the hold's length,
/// and that the seat was not held.
async fn refused(app: &TestApp, show: &ShowFixture, seat: &str, email: &str, scope: &str) {
    let resp = hold(app, show, seat, email).await;
    assert_eq!(
        resp.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "{seat} for {email}"
    );
    let retry: u64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=600).contains(&retry), "Retry-After {retry}");
    let body: ErrorEnvelope = resp.json().await.expect("json");
    assert_eq!(body.error.code, ErrorCode::TooManyHolds);
    let details = body.error.details.expect("details");
    assert_eq!(details["scope"], scope);
    assert_eq!(details["retry_after_seconds"], retry);
    let status = app.api.seat_statuses(show.show_id, &[seat]).await;
    assert_eq!(status.expect("map"), ["available"], "{seat} was not held");
}

#[tokio::test]
async fn one_email_keeps_two_unpaid_holds_a_show_and_paying_or_cancelling_frees_one() {
    let mut options = TestOptions::default();
    options.limits.holds_per_email = 2;
    let app = TestApp::spawn_with(options).await;
    let show = app.create_show(1, 8).await.expect("show");
    let first = held(&app, &show, "A1", "hoarder@example.com").await;
    let key = Uuid::new_v4().to_string();
    let resp = app
        .api
        .hold_for(show.show_id, &["A2"], Some(&key), "Hoarder@Example.com")
        .await
        .expect("hold");
    assert_eq!(
        resp.status(),
        StatusCode::CREATED,
        "emails compare in any case"
    );
    let second: Booking = resp.json().await.expect("json");
    refused(&app, &show, "A3", "hoarder@example.com", "email").await;
    // A retry of a hold already made is answered with it, not refused.
    let retry = app
        .api
        .hold_for(show.show_id, &["A2"], Some(&key), "Hoarder@Example.com")
        .await
        .expect("retry");
    assert_eq!(retry.status(), StatusCode::CREATED);
    let retry: Booking = retry.json().await.expect("json");
    assert_eq!(retry.booking_id, second.booking_id);
    // Other customers are not held up, nor is the same email on another show.
    held(&app, &show, "A3", "someone.else@example.com").await;
    let other_show = app.create_show(1, 2).await.expect("show");
    held(&app, &other_show, "A1", "hoarder@example.com").await;

    let card = app.stripe.card(CARD_OK).await.expect("card");
    let paid = app.api.pay(first, &card).await.expect("pay");
    assert_eq!(paid.status(), StatusCode::OK);
    held(&app, &show, "A4", "hoarder@example.com").await;
    refused(&app, &show, "A5", "hoarder@example.com", "email").await;
    let second = second.booking_id;
    let cancel = app
        .api
        .post(&format!("/bookings/{second}/cancel"), &json!({}))
        .await
        .expect("cancel");
    assert_eq!(cancel.status(), StatusCode::OK);
    held(&app, &show, "A5", "hoarder@example.com").await;

    // The limit is part of the API's contract.
    let doc: Value = app.api.get_json("/openapi.json").await.expect("json");
    assert!(doc["paths"]["/bookings"]["post"]["responses"]["429"].is_object());
}

#[tokio::test]
async fn one_client_address_keeps_a_few_unpaid_holds_a_show_whatever_the_emails() {
    let mut options = TestOptions::default();
    options.limits.holds_per_address = 2;
    // Tests come from loopback, which is exempt by default.
    options.limits.hold_limit_exempt = Vec::new();
    let app = TestApp::spawn_with(options).await;
    let show = app.create_show(1, 6).await.expect("show");
    let first = held(&app, &show, "A1", "one@example.com").await;
    held(&app, &show, "A2", "two@example.com").await;
    refused(&app, &show, "A3", "three@example.com", "address").await;
    let addr: Option<String> =
        sqlx::query_scalar("select host(client_addr) from bookings where booking_id = $1")
            .bind(first)
            .fetch_one(&app.db)
            .await
            .expect("address");
    assert_eq!(
        addr.as_deref(),
        Some("127.0.0.1"),
        "the socket peer is kept"
    );
    let cancel = app
        .api
        .post(&format!("/bookings/{first}/cancel"), &json!({}))
        .await
        .expect("cancel");
    assert_eq!(cancel.status(), StatusCode::OK);
    held(&app, &show, "A3", "three@example.com").await;
}

#[tokio::test]
async fn a_total_below_the_gateways_minimum_is_refused_when_the_seats_are_held() {
    // Prices as listed (no fee, no tax): the test is about the gateway's minimum alone.
    let app = TestApp::spawn_with(TestOptions {
        pricing: Some(PricingRules::plain()),
        ..TestOptions::default()
    })
    .await;
    let show = app.create_show(2, 8).await.expect("show");
    // 10 paise a regular seat: the default minimum for INR is 50 (Stripe's ₹0.50).
    let path = format!("/shows/{}", show.show_id);
    let cheap = app
        .admin
        .put(&path, &json!({"prices": {"REGULAR": 10}}))
        .await
        .expect("put");
    assert_eq!(cheap.status(), StatusCode::OK);
    let resp = app
        .api
        .hold(show.show_id, &["A1", "A2"], None)
        .await
        .expect("hold");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: ErrorEnvelope = resp.json().await.expect("json");
    assert_eq!(body.error.code, ErrorCode::AmountBelowMinimum);
    let details = body.error.details.expect("details");
    assert_eq!(details["amount_minor"], 20);
    assert_eq!(details["minimum_minor"], 50);
    assert_eq!(details["currency"], "INR");
    let best = json!({"show_id": show.show_id, "best": {"count": 1, "category": "REGULAR"},
                      "contact": {"name": "Test Customer", "email": "customer@example.com"}});
    let best = app.api.post("/bookings", &best).await.expect("best");
    assert_eq!(
        best.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "best seats too"
    );
    let bookings: i64 = sqlx::query_scalar("select count(*) from bookings")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(bookings, 0, "nothing was held");
    let map = app.api.seat_statuses(show.show_id, &["A1", "A2"]).await;
    assert_eq!(map.expect("map"), ["available", "available"]);

    let five = ["A1", "A2", "A3", "A4", "A5"];
    held_seats(&app, &show, &five).await;
}

async fn held_seats(app: &TestApp, show: &ShowFixture, seats: &[&str]) {
    let resp = app.api.hold(show.show_id, seats, None).await.expect("hold");
    assert_eq!(resp.status(), StatusCode::CREATED, "50 paise is chargeable");
    let body: Booking = resp.json().await.expect("json");
    assert_eq!(body.total.amount_minor, 50);
}
