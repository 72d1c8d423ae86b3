//! Offers inside the booking saga: a code entered at hold time or while holding re-quotes the
//! booking at once; the *apply offer* step redeems before the charge and refuses a price that
//! changed since the quote; the compensation gives the redemption back; meal vouchers reach
//! the paid booking. Offers are written straight into the database here (the offers API has
//! tests of its own).

use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_api::routes::bookings::json::Booking;
use mtbp_domain::BookingStatus;
use mtbp_domain::pricing::{Benefit, LineKind};
use mtbp_tests::pricing::insert_offer;
use mtbp_tests::stripe::{CARD_DECLINED, CARD_OK};
use mtbp_tests::{ShowFixture, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

/// A fresh code, unique per test run.
fn code(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..8]).to_ascii_uppercase()
}

fn twenty_percent() -> Benefit {
    Benefit::PercentOff {
        percent_bp: 2_000,
        max_off_minor: None,
    }
}

/// Holds A1 and A2 (regular, ₹200 each) with `offer_code`; answers the booking.
async fn hold_with(app: &TestApp, show: &ShowFixture, offer_code: Option<&str>) -> Booking {
    let body = json!({"show_id": show.show_id, "seats": ["A1", "A2"], "offer_code": offer_code,
                      "contact": {"name": "Test Customer", "email": "customer@example.com"}});
    let resp = app.api.post("/bookings", &body).await.expect("hold");
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json().await.expect("booking")
}

/// Holds `seats` with `offer_code`; answers the booking.
async fn hold_seats(
    app: &TestApp,
    show: &ShowFixture,
    seats: &[&str],
    offer_code: Option<&str>,
) -> Booking {
    let body = json!({"show_id": show.show_id, "seats": seats, "offer_code": offer_code,
                      "contact": {"name": "Test Customer", "email": "customer@example.com"}});
    app.api.create_as("/bookings", &body).await.expect("hold")
}

fn no_offer_total(app: &TestApp) -> i64 {
    app.total_of(&[("A1", "REGULAR", 20000), ("A2", "REGULAR", 20000)])
}

async fn redeemed(app: &TestApp, offer_id: Uuid) -> (i32, Vec<String>) {
    let count: i32 = sqlx::query_scalar("select redeemed from offers where offer_id = $1")
        .bind(offer_id)
        .fetch_one(&app.db)
        .await
        .expect("offer");
    let statuses: Vec<String> =
        sqlx::query_scalar("select status from offer_redemptions where offer_id = $1")
            .bind(offer_id)
            .fetch_all(&app.db)
            .await
            .expect("redemptions");
    (count, statuses)
}

async fn charged(app: &TestApp, booking: &Booking) -> Vec<i64> {
    let charges = app
        .stripe
        .succeeded_charges_of(&booking.booking_id.to_string())
        .await
        .expect("gateway");
    charges
        .iter()
        .filter_map(|c| c["amount"].as_i64())
        .collect()
}

#[tokio::test]
async fn a_code_entered_at_hold_is_applied_charged_and_redeemed() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 6).await.expect("show");
    let code = code("SAVE");
    let offer = insert_offer(&app.db, Some(&code), &twenty_percent(), |_| {})
        .await
        .expect("offer");
    let held = hold_with(&app, &show, Some(&code.to_ascii_lowercase())).await;
    let quote = held.quote.clone().expect("quote");
    assert_eq!(quote.offers.len(), 1, "{quote:?}");
    assert_eq!(quote.offers[0].offer_id.as_uuid(), offer);
    assert_eq!(quote.offers[0].discount.amount_minor, 8000, "20 % of ₹400");
    assert_eq!(quote.totals.total, held.total);
    assert!(held.total.amount_minor < no_offer_total(&app));
    assert_eq!(held.offer_code.as_deref(), Some(code.as_str()));

    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = app
        .api
        .pay(held.booking_id.as_uuid(), &card)
        .await
        .expect("pay");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(charged(&app, &held).await, [held.total.amount_minor]);
    assert_eq!(
        redeemed(&app, offer).await,
        (1, vec!["redeemed".to_owned()])
    );
    // The redemption's events (reserved, redeemed, and its analytics twin) fit their schemas.
    let types = mtbp_tests::events::assert_outbox_matches_schemas(&app.db).await;
    assert!(types.contains_key("offer.redemption_changed"), "{types:?}");
    assert!(types.contains_key("analytics.offer_redeemed"), "{types:?}");
}

#[tokio::test]
async fn a_code_applied_and_removed_while_holding_requotes_at_once() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 6).await.expect("show");
    let code = code("HOLD");
    insert_offer(&app.db, Some(&code), &twenty_percent(), |_| {})
        .await
        .expect("offer");
    let held = hold_with(&app, &show, None).await;
    assert_eq!(held.total.amount_minor, no_offer_total(&app));
    let path = format!("/bookings/{}/offer", held.booking_id);

    let resp = app
        .api
        .put(&path, &json!({"code": code}))
        .await
        .expect("apply");
    assert_eq!(resp.status(), StatusCode::OK);
    let applied: Booking = resp.json().await.expect("booking");
    assert!(applied.total.amount_minor < held.total.amount_minor);
    let quote_path = format!("/bookings/{}/quote", held.booking_id);
    let read: mtbp_domain::pricing::Quote = app.api.read(&quote_path).await.expect("quote");
    assert_eq!(Some(&read), applied.quote.as_ref());
    assert_eq!(read.offers.len(), 1);

    let unknown = app
        .api
        .put(&path, &json!({"code": "NOPE-0000"}))
        .await
        .expect("put");
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: ErrorEnvelope = unknown.json().await.expect("json");
    assert_eq!(body.error.code, ErrorCode::UnknownOfferCode);
    let kept = app
        .api
        .booking(held.booking_id.as_uuid())
        .await
        .expect("booking");
    assert_eq!(kept.total, applied.total, "an unknown code changes nothing");

    let resp = app.api.delete(&path).await.expect("remove");
    assert_eq!(resp.status(), StatusCode::OK);
    let removed: Booking = resp.json().await.expect("booking");
    assert_eq!(removed.total, held.total);
    assert_eq!(removed.offer_code, None);
}

#[tokio::test]
async fn an_unknown_code_at_hold_is_refused_and_nothing_is_held() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let body = json!({"show_id": show.show_id, "seats": ["A1"], "offer_code": "NO-SUCH-CODE",
                      "contact": {"name": "Test Customer", "email": "customer@example.com"}});
    let resp = app.api.post("/bookings", &body).await.expect("hold");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: ErrorEnvelope = resp.json().await.expect("json");
    assert_eq!(err.error.code, ErrorCode::UnknownOfferCode);
    let bookings: i64 = sqlx::query_scalar("select count(*) from bookings")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(bookings, 0);
    let seats = app
        .api
        .seat_statuses(show.show_id, &["A1"])
        .await
        .expect("map");
    assert_eq!(seats, ["available"]);
}

#[tokio::test]
async fn an_offer_that_lapses_before_payment_refuses_pay_with_the_new_price() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 6).await.expect("show");
    let code = code("LAPSE");
    let offer = insert_offer(&app.db, Some(&code), &twenty_percent(), |_| {})
        .await
        .expect("offer");
    let held = hold_with(&app, &show, Some(&code)).await;
    // The code entered again while holding: a re-quote through the saga, kept in its history.
    let path = format!("/bookings/{}/offer", held.booking_id);
    let resp = app
        .api
        .put(&path, &json!({"code": code}))
        .await
        .expect("apply");
    assert_eq!(resp.status(), StatusCode::OK);
    sqlx::query("update offers set valid_until = now() where offer_id = $1")
        .bind(offer)
        .execute(&app.db)
        .await
        .expect("expire");

    let card = app.stripe.card(CARD_OK).await.expect("card");
    let id = held.booking_id.as_uuid();
    let resp = app.api.pay(id, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let err: ErrorEnvelope = resp.json().await.expect("json");
    assert_eq!(err.error.code, ErrorCode::PriceChanged);
    let details = err.error.details.expect("details");
    assert_eq!(details["booking"]["amount_minor"], no_offer_total(&app));
    assert!(charged(&app, &held).await.is_empty(), "nothing was charged");
    assert_eq!(redeemed(&app, offer).await, (0, vec![]));

    let again = app.api.pay(id, &card).await.expect("pay again");
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the customer pays the new price"
    );
    assert_eq!(charged(&app, &held).await, [no_offer_total(&app)]);
    crate::visibility::replay_closed(&app, id, "priced_offer_repriced_then_paid").await;
}

#[tokio::test]
async fn a_declined_payment_gives_the_redemption_back() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 6).await.expect("show");
    let code = code("ONCE");
    let offer = insert_offer(&app.db, Some(&code), &twenty_percent(), |l| {
        l.total = Some(1);
    })
    .await
    .expect("offer");
    let held = hold_with(&app, &show, Some(&code)).await;
    let declined = app.stripe.card(CARD_DECLINED).await.expect("card");
    let resp = app
        .api
        .pay(held.booking_id.as_uuid(), &declined)
        .await
        .expect("pay");
    assert_eq!(resp.status(), StatusCode::PAYMENT_REQUIRED);
    let after = app
        .api
        .booking(held.booking_id.as_uuid())
        .await
        .expect("booking");
    assert_eq!(after.status, BookingStatus::PaymentFailed);
    assert_eq!(
        redeemed(&app, offer).await,
        (0, vec!["released".to_owned()])
    );

    // The one use is free again for the next customer.
    let next = hold_with(&app, &show, Some(&code)).await;
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = app
        .api
        .pay(next.booking_id.as_uuid(), &card)
        .await
        .expect("pay");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(redeemed(&app, offer).await.0, 1);
}

#[tokio::test]
async fn the_last_use_of_a_limited_offer_is_reserved_by_the_first_hold() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 6).await.expect("show");
    let code = code("LAST");
    let offer = insert_offer(&app.db, Some(&code), &twenty_percent(), |l| {
        l.total = Some(1);
    })
    .await
    .expect("offer");
    let first = hold_with(&app, &show, Some(&code)).await;
    assert_eq!(first.quote.as_ref().expect("quote").offers.len(), 1);
    assert_eq!(
        redeemed(&app, offer).await,
        (1, vec!["reserved".to_owned()]),
        "the hold reserves the one use"
    );

    // The second hold is told at once: its quote is the full price, the code declined.
    let second = hold_seats(&app, &show, &["B1", "B2"], Some(&code)).await;
    let quote = second.quote.as_ref().expect("quote");
    assert!(quote.offers.is_empty(), "{quote:?}");
    assert_eq!(quote.declined.len(), 1, "{quote:?}");
    assert_eq!(quote.totals.discount.amount_minor, 0);
    assert_eq!(quote.totals.total, second.total);

    // Both pay what they were quoted: no price_changed, and the limit holds.
    let card = app.stripe.card(CARD_OK).await.expect("card");
    for booking in [&second, &first] {
        let paid = app
            .api
            .pay(booking.booking_id.as_uuid(), &card)
            .await
            .expect("pay");
        assert_eq!(paid.status(), StatusCode::OK);
        assert_eq!(charged(&app, booking).await, [booking.total.amount_minor]);
    }
    assert_eq!(
        redeemed(&app, offer).await,
        (1, vec!["redeemed".to_owned()])
    );
}

#[tokio::test]
async fn a_cancelled_hold_gives_its_reserved_use_to_the_next_hold() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 6).await.expect("show");
    let code = code("BACK");
    let offer = insert_offer(&app.db, Some(&code), &twenty_percent(), |l| {
        l.total = Some(1);
    })
    .await
    .expect("offer");
    let first = hold_with(&app, &show, Some(&code)).await;
    let path = format!("/bookings/{}/cancel", first.booking_id);
    let resp = app.api.post(&path, &json!({})).await.expect("cancel");
    assert!(resp.status().is_success(), "{}", resp.status());
    assert_eq!(
        redeemed(&app, offer).await,
        (0, vec!["released".to_owned()])
    );
    let next = hold_seats(&app, &show, &["B1", "B2"], Some(&code)).await;
    assert_eq!(next.quote.as_ref().expect("quote").offers.len(), 1);
    assert_eq!(redeemed(&app, offer).await.0, 1);

    // Removing the code while holding gives the use back at once.
    let path = format!("/bookings/{}/offer", next.booking_id);
    let resp = app.api.delete(&path).await.expect("remove");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(redeemed(&app, offer).await.0, 0);
}

#[tokio::test]
async fn a_meal_voucher_covers_an_add_on_and_the_paid_booking_shows_its_code() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    sqlx::query(
        "insert into addons (addon_id, theater_id, code, name, price_minor, currency, tax_class)
         values ($1, $2, 'POPCORN', 'Popcorn combo', 25000, 'INR', 'food')",
    )
    .bind(Uuid::new_v4())
    .bind(show.theater_id)
    .execute(&app.db)
    .await
    .expect("add-on");
    let code = code("MEAL");
    let voucher = Benefit::MealVoucher {
        addon_code: Some("POPCORN".into()),
        percent_bp: 10_000,
        max_units: 1,
    };
    insert_offer(&app.db, Some(&code), &voucher, |_| {})
        .await
        .expect("offer");
    let body = json!({"show_id": show.show_id, "seats": ["A1"], "offer_code": code,
                      "addons": [{"code": "popcorn", "quantity": 2}],
                      "contact": {"name": "Test Customer", "email": "customer@example.com"}});
    let held: Booking = app.api.create_as("/bookings", &body).await.expect("hold");
    let quote = held.quote.as_ref().expect("quote");
    let addon = quote
        .lines
        .iter()
        .find(|l| l.kind == LineKind::Addon)
        .expect("add-on line");
    assert_eq!((addon.quantity, addon.list.amount_minor), (2, 50000));
    assert_eq!(addon.net.amount_minor, 25000, "one of two free");
    assert_eq!(held.addons.len(), 1);

    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = app
        .api
        .pay(held.booking_id.as_uuid(), &card)
        .await
        .expect("pay");
    assert_eq!(resp.status(), StatusCode::OK);
    let paid = app
        .api
        .booking(held.booking_id.as_uuid())
        .await
        .expect("booking");
    let voucher = paid.addons[0]
        .voucher_code
        .as_deref()
        .expect("voucher code");
    assert!(
        voucher.starts_with("V-") && voucher.len() == 14,
        "{voucher}"
    );
    assert_eq!(charged(&app, &held).await, [held.total.amount_minor]);
}
