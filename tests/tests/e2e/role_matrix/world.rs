//! The world the role matrix calls routes in: callers of every role and the things the
//! routes' parameters and bodies name.

use super::{PASSWORD, WHO};
use chrono::{Duration, Utc};
use mtbp_api::auth::tokens::TokenPair;
use mtbp_api::routes::accounts::json::Account;
use mtbp_api::routes::addons::json::Addon;
use mtbp_api::routes::offers::json::Offer;
use mtbp_api::routes::reviews::json::Review;
use mtbp_api::routes::shows::json::Show;
use mtbp_api::routes::subscriptions::json::{Plan, Subscription};
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// Everything the routes' parameters and bodies refer to.
pub(super) struct World {
    /// One client per caller, in the order of [`WHO`].
    pub(super) callers: Vec<ApiClient>,
    refresh_tokens: Vec<String>,
    login_emails: Vec<String>,
    customer_id: Uuid,
    partner_id: Uuid,
    staff_id: Uuid,
    theater_id: Uuid,
    screen_id: Uuid,
    movie_id: Uuid,
    show_id: Uuid,
    booking_id: Uuid,
    guest_booking_id: Uuid,
    saved_card: String,
    cards: Vec<String>,
    review_id: String,
    seats: Vec<String>,
    offer_id: Uuid,
    addon_id: Uuid,
    plan_id: Uuid,
    subscription_id: Uuid,
    settlement_id: Uuid,
}

/// The world, made afresh for each destructive route (`generation` keeps emails unique). In
/// the first one the customer's email is the guest booking's contact email, for `claim`.
pub(super) async fn build_world(app: &TestApp, generation: usize) -> World {
    let email = |name: &str| {
        if generation == 0 {
            format!("{name}@example.com")
        } else {
            format!("{name}{generation}@example.com")
        }
    };
    let customer = app.customer(&email("customer")).await.expect("customer");
    sqlx::query("update accounts set email_verified_at = now() where account_id = $1")
        .bind(customer.account_id)
        .execute(&app.db)
        .await
        .expect("verify");
    let other = app.customer(&email("other")).await.expect("customer");
    let broker = app.broker(&email("broker")).await.expect("broker");
    let partner = app.partner("Partner Cinemas").await.expect("partner");
    let other_partner = app.partner("Other Cinemas").await.expect("partner");
    let partner_id = partner.partner_id.expect("partner id");
    let staff: Account = app
        .admin
        .create_as(
            &format!("/partners/{partner_id}/staff"),
            &json!({"name": "Box Office", "email": email("boxoffice"), "password": PASSWORD}),
        )
        .await
        .expect("staff");
    let show = partner
        .api
        .create_show_with(&app.admin, 4, 10)
        .await
        .expect("show");
    let movie: Show = app
        .api
        .read(&format!("/shows/{}", show.show_id))
        .await
        .expect("show");
    let booking_id = customer
        .api
        .hold_ok(show.show_id, &["A1"])
        .await
        .expect("booking");
    let guest_booking_id = app
        .api
        .hold_ok(show.show_id, &["A2"])
        .await
        .expect("guest booking");
    let stripe = &app.stripe;
    let saved_card = stripe.card(CARD_OK).await.expect("card");
    let saved = customer
        .api
        .post(
            &format!("/customers/{}/payment-methods", customer.account_id),
            &json!({"payment_method": saved_card}),
        )
        .await
        .expect("save card");
    assert_eq!(saved.status(), StatusCode::CREATED);
    let (plan_id, subscription_id) = subscription(app, &customer.api, &saved_card).await;
    let mut cards = Vec::new();
    for _ in 0..2 {
        cards.push(stripe.card(CARD_OK).await.expect("card"));
    }
    // The customer saw the movie: the booking is paid, and reviewed.
    let paid = customer
        .api
        .pay(booking_id, &stripe.card(CARD_OK).await.expect("card"))
        .await
        .expect("pay");
    assert_eq!(paid.status(), StatusCode::OK);
    let review: Review = customer
        .api
        .create_as(
            "/reviews",
            &json!({"movie_id": movie.movie_id, "rating": 5, "text": "Loved it"}),
        )
        .await
        .expect("review");

    let offer: Offer = partner
        .api
        .create_as(
            "/offers",
            &json!({"name": "Matinee", "benefit": {"type": "percent_off", "percent_bp": 1000}}),
        )
        .await
        .expect("offer");
    let addon: Addon = partner
        .api
        .create_as(
            &format!("/theaters/{}/addons", show.theater_id),
            &json!({"code": "COMBO", "name": "Combo", "amount_minor": 20000, "currency": "INR"}),
        )
        .await
        .expect("addon");

    // One account per caller for the sign-in routes (each email has its own rate limit).
    let mut refresh_tokens = Vec::new();
    let mut login_emails = Vec::new();
    for i in 0..WHO.len() {
        let email = email(&format!("login{i}-"));
        app.api
            .create_as::<Account>(
                "/customers",
                &json!({"name": "Login", "email": email, "password": PASSWORD}),
            )
            .await
            .expect("sign-up");
        let pair: TokenPair = app
            .api
            .post(
                "/auth/login",
                &json!({"email": email, "password": PASSWORD}),
            )
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        refresh_tokens.push(pair.refresh_token);
        login_emails.push(email);
    }
    // A settlement of the partner's (last week's, started): for the settlement routes.
    let last_week = mtbp_domain::settlement::Contract::default()
        .period_at(Utc::now() - Duration::days(7))
        .expect("a period");
    let settlement_id = mtbp_store::settlements::begin(
        &app.db,
        mtbp_domain::PartnerId::from_uuid(partner_id),
        &last_week,
        0,
    )
    .await
    .expect("a settlement")
    .settlement_id;
    World {
        callers: vec![
            app.api.anonymous(),
            customer.api.clone(),
            other.api,
            broker.api,
            partner.api.clone(),
            other_partner.api,
            app.admin.clone(),
        ],
        refresh_tokens,
        login_emails,
        customer_id: customer.account_id,
        partner_id,
        staff_id: staff.account_id.as_uuid(),
        theater_id: show.theater_id,
        screen_id: show.screen_id,
        movie_id: movie.movie_id.as_uuid(),
        show_id: show.show_id,
        booking_id,
        guest_booking_id,
        saved_card,
        cards,
        review_id: review.review_id.to_string(),
        seats: show.seats,
        offer_id: offer.offer_id.as_uuid(),
        addon_id: addon.addon_id.as_uuid(),
        plan_id,
        subscription_id,
        settlement_id,
    }
}

/// A monthly plan and the customer's subscription to it, paid with the saved card.
async fn subscription(app: &TestApp, customer: &ApiClient, card: &str) -> (Uuid, Uuid) {
    let plan: Plan = app
        .admin
        .create_as(
            "/subscription-plans",
            &json!({"name": "Monthly", "amount_minor": 19_900, "currency": "INR",
                    "period": {"unit": "month", "count": 1}}),
        )
        .await
        .expect("plan");
    let sub: Subscription = customer
        .create_as(
            "/subscriptions",
            &json!({"plan_id": plan.plan_id, "payment_method": card}),
        )
        .await
        .expect("subscription");
    (plan.plan_id.as_uuid(), sub.subscription_id.as_uuid())
}

/// The query a route needs to name the customer's things (`GET /subscriptions` lists by
/// customer).
pub(super) fn query(route: &str, w: &World) -> String {
    match route {
        "GET /subscriptions" => format!("?customerId={}", w.customer_id),
        "GET /settlements" => format!("?partner_id={}", w.partner_id),
        _ => String::new(),
    }
}

/// `path` with its parameters naming the things of `w`.
pub(super) fn fill(path: &str, w: &World) -> String {
    let booking = if path.ends_with("/claim") {
        w.guest_booking_id
    } else {
        w.booking_id
    };
    path.replace("{customer_id}", &w.customer_id.to_string())
        .replace("{partner_id}", &w.partner_id.to_string())
        .replace("{account_id}", &w.staff_id.to_string())
        .replace("{payment_method_id}", &w.saved_card)
        .replace("{theater_id}", &w.theater_id.to_string())
        .replace("{screen_id}", &w.screen_id.to_string())
        .replace("{movie_id}", &w.movie_id.to_string())
        .replace("{show_id}", &w.show_id.to_string())
        .replace("{booking_id}", &booking.to_string())
        .replace("{review_id}", &w.review_id)
        .replace("{offer_id}", &w.offer_id.to_string())
        .replace("{addon_id}", &w.addon_id.to_string())
        .replace("{plan_id}", &w.plan_id.to_string())
        .replace("{subscription_id}", &w.subscription_id.to_string())
        .replace("{settlement_id}", &w.settlement_id.to_string())
        + &if path.ends_with("/seats/best") {
            "?count=2".to_owned()
        } else if path == "/offers" {
            format!("?partnerId={}", w.partner_id)
        } else {
            String::new()
        }
}

/// A valid body for `route` sent by caller `i`, so that an allowed call can succeed.
pub(super) fn body(route: &str, i: usize, w: &World) -> Option<Value> {
    let unique = format!("{}-{i}@example.com", Uuid::new_v4().simple());
    let account = json!({"name": "New Account", "email": unique, "password": PASSWORD});
    let value = match route {
        "POST /auth/login" => json!({"email": w.login_emails[i], "password": PASSWORD}),
        "POST /auth/refresh" | "POST /auth/logout" => {
            json!({"refresh_token": w.refresh_tokens[i]})
        }
        "POST /customers" | "POST /brokers" | "POST /partners/{partner_id}/staff" => account,
        "PUT /customers/{customer_id}" => json!({"preferred_city": "Pune"}),
        "PUT /bookings/{booking_id}/offer" => json!({"code": "NO-SUCH-CODE"}),
        "POST /customers/{customer_id}/email-verification/confirm" => json!({"code": "123456"}),
        "POST /customers/{customer_id}/payment-methods" => {
            json!({"payment_method": w.cards[0]})
        }
        "POST /partners" => {
            json!({"name": "New Cinemas", "contact_email": "hello@example.com", "owner": account})
        }
        "PUT /partners/{partner_id}" => json!({"billing": {"settlement_period": "monthly"}}),
        "POST /theaters" => json!({"name": "New Theater", "city": "Pune"}),
        "PUT /theaters/{theater_id}" => {
            json!({"name": format!("Renamed {i}"), "city": "Bengaluru"})
        }
        "POST /theaters/{theater_id}/screens"
        | "PUT /theaters/{theater_id}/screens/{screen_id}" => json!({"name": format!("Screen {i}"),
            "layout": {"categories": [{"code": "R", "name": "Regular", "price_minor": 10000}],
                       "rows": [{"label": "A", "category": "R", "seats": 4}]}}),
        "POST /movies" | "PUT /movies/{movie_id}" => {
            json!({"title": "New Movie", "duration_minutes": 100})
        }
        "POST /shows" => {
            let starts = Utc::now() + Duration::days(10 + i64::try_from(i).unwrap_or(0));
            json!({"movie_id": w.movie_id, "screen_id": w.screen_id, "starts_at": starts,
                   "language": "English"})
        }
        "POST /shows/bulk" => {
            let starts = Utc::now() + Duration::days(30 + i64::try_from(i).unwrap_or(0));
            json!({"shows": [{"movie_id": w.movie_id, "screen_id": w.screen_id,
                              "starts_at": starts, "language": "English"}]})
        }
        "PUT /shows/{show_id}" => json!({"format": "3D"}),
        "PUT /partners/{partner_id}/policy" => json!({"hold_seconds": 600,
            "partial_cancellation": true, "refund_windows": [{"hours_before": 24, "fee_bp": 0}]}),
        "POST /partners/{partner_id}/settlement-schedule/pause"
        | "POST /partners/{partner_id}/settlement-schedule/resume" => {
            json!({"note": "role matrix"})
        }
        "POST /partners/{partner_id}/settlement-schedule/backfill" => json!({
            "from": Utc::now() - Duration::days(2), "to": Utc::now() - Duration::days(1)}),
        "PUT /partners/{partner_id}/contract" => json!({"period": "weekly",
            "time_zone": "Asia/Kolkata", "cutoff_hour": 0, "commission_bp": 1000,
            "addon_commission_bp": 1000, "partner_fee_share_bp": 0,
            "partner_cancellation_fee_bp": 10000, "minimum_payout_minor": 0}),
        "PUT /theaters/{theater_id}/connection" => json!({"model": "designated",
            "base_url": "http://127.0.0.1:9"}),
        "POST /reviews" => json!({"movie_id": w.movie_id, "rating": 4, "text": "Good"}),
        "PUT /shows/{show_id}/inventory" => json!({"rows": ["D"], "status": "platform_reserved"}),
        "POST /bookings" => json!({"show_id": w.show_id, "seats": [w.seats[10 + i]],
            "contact": {"name": "Someone", "email": "someone@example.com"}}),
        "POST /bookings/{booking_id}/pay" => json!({"payment_method": w.cards[1]}),
        "POST /offers" | "PUT /offers/{offer_id}" => json!({"name": format!("Offer {i}"),
            "benefit": {"type": "flat_off", "amount_minor": 5000}}),
        "POST /theaters/{theater_id}/addons" | "PUT /addons/{addon_id}" => {
            json!({"code": format!("RM{i}"), "name": "Nachos", "amount_minor": 15000,
                   "currency": "INR"})
        }
        "POST /bookings/{booking_id}/resolve" | "POST /admin/bookings/{booking_id}/actions" => {
            json!({"action": "mark_resolved", "note": "role matrix"})
        }
        "POST /subscription-plans" | "PUT /subscription-plans/{plan_id}" => {
            json!({"name": format!("Plan {i}"), "amount_minor": 9_900, "currency": "INR",
                   "period": {"unit": "month", "count": 1}})
        }
        "POST /subscriptions" => json!({"plan_id": w.plan_id, "payment_method": w.saved_card}),
        "PUT /subscriptions/{subscription_id}/announcements" => json!({"cities": ["Pune"]}),
        "PUT /subscriptions/{subscription_id}" => json!({"payment_method": w.saved_card}),
        _ => return None,
    };
    Some(value)
}
