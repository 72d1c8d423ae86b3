//! The role matrix: every route of the OpenAPI document, called by each of seven callers, is
//! allowed or denied exactly as the table below says. A route without a rule fails the test, so
//! a new endpoint cannot ship without deciding who may call it; the same table is published in
//! docs/ROLES.md and checked against it here.
//!
//! Denied means 401 for an anonymous caller and 403 for a signed-in one. Allowed means the
//! request got past authorization: any answer but 401, 403 or a 5xx (it may still be a 404,
//! 409 or 422 when the world has moved on, e.g. a booking already paid).

use chrono::{Duration, Utc};
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{ApiClient, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The callers, in the order of the table's columns.
const WHO: [(&str, char); 7] = [
    ("anonymous", 'A'),
    ("customer", 'C'),
    ("other customer", 'c'),
    ("broker", 'B'),
    ("partner", 'P'),
    ("other partner", 'p'),
    ("operator", 'O'),
];

/// Who may call each route. Path parameters name the customer's and the partner's own things:
/// `{customer_id}` is the customer, `{partner_id}` the partner, `{booking_id}` the customer's
/// booking at the partner's theater (for `claim`: a guest booking made with the customer's
/// email), `{theater_id}`, `{screen_id}`, `{show_id}` the partner's.
const RULES: &[(&str, &str, &str)] = &[
    ("GET", "/health", "ACcBPpO"),
    ("POST", "/auth/login", "ACcBPpO"),
    ("POST", "/auth/refresh", "ACcBPpO"),
    ("POST", "/auth/logout", "ACcBPpO"),
    ("GET", "/auth/me", "CcBPpO"),
    ("POST", "/customers", "ACcBPpO"),
    ("GET", "/customers/{customer_id}", "CO"),
    ("PUT", "/customers/{customer_id}", "CO"),
    ("DELETE", "/customers/{customer_id}", "CO"),
    ("POST", "/customers/{customer_id}/email-verification", "C"),
    (
        "POST",
        "/customers/{customer_id}/email-verification/confirm",
        "C",
    ),
    ("POST", "/customers/{customer_id}/payment-methods", "C"),
    ("GET", "/customers/{customer_id}/payment-methods", "CO"),
    (
        "DELETE",
        "/customers/{customer_id}/payment-methods/{payment_method_id}",
        "CO",
    ),
    ("POST", "/partners", "ACcBPpO"),
    ("GET", "/partners/{partner_id}", "PO"),
    ("PUT", "/partners/{partner_id}", "PO"),
    ("DELETE", "/partners/{partner_id}", "PO"),
    ("POST", "/partners/{partner_id}/staff", "PO"),
    ("GET", "/partners/{partner_id}/staff", "PO"),
    ("DELETE", "/partners/{partner_id}/staff/{account_id}", "PO"),
    ("POST", "/brokers", "O"),
    ("POST", "/theaters", "PpO"),
    ("GET", "/theaters", "ACcBPpO"),
    ("GET", "/theaters/{theater_id}", "ACcBPpO"),
    ("PUT", "/theaters/{theater_id}", "PO"),
    ("DELETE", "/theaters/{theater_id}", "PO"),
    ("POST", "/theaters/{theater_id}/screens", "PO"),
    ("GET", "/theaters/{theater_id}/screens", "ACcBPpO"),
    ("PUT", "/theaters/{theater_id}/screens/{screen_id}", "PO"),
    ("DELETE", "/theaters/{theater_id}/screens/{screen_id}", "PO"),
    ("GET", "/screens/{screen_id}", "ACcBPpO"),
    ("POST", "/movies", "O"),
    ("GET", "/movies", "ACcBPpO"),
    ("GET", "/movies/{movie_id}", "ACcBPpO"),
    ("PUT", "/movies/{movie_id}", "O"),
    ("DELETE", "/movies/{movie_id}", "O"),
    ("POST", "/shows", "PO"),
    ("GET", "/shows", "ACcBPpO"),
    ("POST", "/shows/bulk", "PO"),
    ("PUT", "/shows/{show_id}", "PO"),
    ("DELETE", "/shows/{show_id}", "PO"),
    ("GET", "/movies/{movie_id}/showtimes", "ACcBPpO"),
    ("GET", "/shows/{show_id}", "ACcBPpO"),
    ("GET", "/shows/{show_id}/seats", "ACcBPpO"),
    ("GET", "/shows/{show_id}/seats/best", "ACcBPpO"),
    ("GET", "/shows/{show_id}/seats/availability", "ACcBPpO"),
    ("PUT", "/shows/{show_id}/inventory", "PO"),
    ("POST", "/reviews", "C"),
    ("GET", "/reviews", "ACcBPpO"),
    ("DELETE", "/reviews/{review_id}", "CO"),
    ("POST", "/bookings", "ACcB"),
    ("GET", "/bookings", "CcBPpO"),
    ("GET", "/bookings/{booking_id}", "CPO"),
    ("POST", "/bookings/{booking_id}/pay", "C"),
    ("POST", "/bookings/{booking_id}/extend", "C"),
    ("POST", "/bookings/{booking_id}/cancel", "CO"),
    ("POST", "/bookings/{booking_id}/claim", "C"),
    ("POST", "/bookings/{booking_id}/resolve", "O"),
];

/// Routes that destroy what later routes need run last, in this order.
const LAST: &[&str] = &[
    "DELETE /customers/{customer_id}/payment-methods/{payment_method_id}",
    "DELETE /partners/{partner_id}/staff/{account_id}",
    "DELETE /customers/{customer_id}",
    "DELETE /partners/{partner_id}",
];

const PASSWORD: &str = "correct horse battery";

/// Everything the routes' parameters and bodies refer to.
struct World {
    callers: Vec<ApiClient>,
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
}

/// The world, made afresh for each destructive route (`generation` keeps emails unique). In
/// the first one the customer's email is the guest booking's contact email, for `claim`.
async fn build_world(app: &TestApp, generation: usize) -> World {
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
    let staff = app
        .admin
        .create(
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
    let movie: Value = app
        .api
        .get_json(&format!("/shows/{}", show.show_id))
        .await
        .expect("json");
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
    let review = customer
        .api
        .create(
            "/reviews",
            &json!({"movie_id": movie["movie_id"], "rating": 5, "text": "Loved it"}),
        )
        .await
        .expect("review");

    // One account per caller for the sign-in routes (each email has its own rate limit).
    let mut refresh_tokens = Vec::new();
    let mut login_emails = Vec::new();
    for i in 0..WHO.len() {
        let email = email(&format!("login{i}-"));
        app.api
            .create(
                "/customers",
                &json!({"name": "Login", "email": email, "password": PASSWORD}),
            )
            .await
            .expect("sign-up");
        let pair: Value = app
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
        refresh_tokens.push(pair["refresh_token"].as_str().expect("refresh").to_owned());
        login_emails.push(email);
    }
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
        staff_id: mtbp_tests::api_client::id(&staff, "account_id").expect("staff id"),
        theater_id: show.theater_id,
        screen_id: show.screen_id,
        movie_id: mtbp_tests::api_client::id(&movie, "movie_id").expect("movie id"),
        show_id: show.show_id,
        booking_id,
        guest_booking_id,
        saved_card,
        cards,
        review_id: review["review_id"].as_str().expect("review id").to_owned(),
        seats: show.seats,
    }
}

fn fill(path: &str, w: &World) -> String {
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
        + if path.ends_with("/seats/best") {
            "?count=2"
        } else {
            ""
        }
}

/// A valid body for `route` sent by caller `i`, so that an allowed call can succeed.
fn body(route: &str, i: usize, w: &World) -> Option<Value> {
    let unique = format!("{}-{i}@example.com", Uuid::new_v4().simple());
    let account = json!({"name": "New Account", "email": unique, "password": PASSWORD});
    let value = match route {
        "POST /auth/login" => json!({"email": w.login_emails[i], "password": PASSWORD}),
        "POST /auth/refresh" | "POST /auth/logout" => {
            json!({"refresh_token": w.refresh_tokens[i]})
        }
        "POST /customers" | "POST /brokers" | "POST /partners/{partner_id}/staff" => account,
        "PUT /customers/{customer_id}" => json!({"preferred_city": "Pune"}),
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
        "POST /reviews" => json!({"movie_id": w.movie_id, "rating": 4, "text": "Good"}),
        "PUT /shows/{show_id}/inventory" => json!({"rows": ["D"], "status": "platform_reserved"}),
        "POST /bookings" => json!({"show_id": w.show_id, "seats": [w.seats[10 + i]],
            "contact": {"name": "Someone", "email": "someone@example.com"}}),
        "POST /bookings/{booking_id}/pay" => json!({"payment_method": w.cards[1]}),
        "POST /bookings/{booking_id}/resolve" => {
            json!({"action": "mark_resolved", "note": "role matrix"})
        }
        _ => return None,
    };
    Some(value)
}

fn allowed(rule: &str, who: char) -> bool {
    rule.contains(who)
}

#[tokio::test]
async fn every_route_allows_and_denies_each_role_as_the_table_says() {
    let app = TestApp::spawn().await;
    let doc: Value = app.api.get_json("/openapi.json").await.expect("json");
    let mut routes: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "delete", "patch"] {
            if item.get(method).is_some() {
                routes.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let ruled: BTreeSet<String> = RULES.iter().map(|(m, p, _)| format!("{m} {p}")).collect();
    let unruled: Vec<&String> = routes.iter().filter(|r| !ruled.contains(*r)).collect();
    assert!(
        unruled.is_empty(),
        "routes without a rule in the role matrix: {unruled:?}"
    );
    let documented: BTreeSet<&String> = routes.iter().collect();
    let stale: Vec<&String> = ruled.iter().filter(|r| !documented.contains(r)).collect();
    assert!(
        stale.is_empty(),
        "rules for routes that do not exist: {stale:?}"
    );

    let mut world = build_world(&app, 0).await;
    let mut order: Vec<&(&str, &str, &str)> = RULES.iter().collect();
    order.sort_by_key(|(m, p, _)| {
        LAST.iter()
            .position(|l| *l == format!("{m} {p}"))
            .map_or(0, |i| i + 1)
    });
    let mut failures = Vec::new();
    let mut checked = 0;
    for (method, path, rule) in order {
        let route = format!("{method} {path}");
        // A destructive route erases callers or their things: each gets a world of its own.
        if let Some(n) = LAST.iter().position(|l| *l == route) {
            world = build_world(&app, n + 1).await;
        }
        // Denied callers first, so an allowed call that destroys something cannot hide a leak.
        let mut callers: Vec<usize> = (0..WHO.len()).collect();
        callers.sort_by_key(|&i| allowed(rule, WHO[i].1));
        for i in callers {
            let (name, code) = WHO[i];
            let api = &world.callers[i];
            let mut req = api.request(
                Method::from_bytes(method.as_bytes()).expect("method"),
                &fill(path, &world),
            );
            if let Some(b) = body(&route, i, &world) {
                req = req.json(&b);
            }
            let resp = api.send(req).await.expect("request");
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            checked += 1;
            let ok = if allowed(rule, code) {
                !matches!(status.as_u16(), 401 | 403) && !status.is_server_error()
            } else if i == 0 {
                status == StatusCode::UNAUTHORIZED
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !ok {
                let want = if allowed(rule, code) {
                    "allowed"
                } else {
                    "denied"
                };
                failures.push(format!(
                    "{route} as {name}: want {want}, got {status} {text}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} calls broke the role matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // The published table is this one.
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/ROLES.md"))
        .expect("docs/ROLES.md");
    let table = markdown_table();
    assert!(
        docs.contains(&table),
        "docs/ROLES.md is out of date; its table must read:\n{table}"
    );
}

/// The matrix as a Markdown table: ✓ allowed, · denied.
fn markdown_table() -> String {
    let mut out = String::from("| Route |");
    for (name, _) in WHO {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str("\n|---|");
    for _ in WHO {
        out.push_str(":-:|");
    }
    for (method, path, rule) in RULES {
        out.push_str(&format!("\n| `{method} {path}` |"));
        for (_, code) in WHO {
            out.push_str(if allowed(rule, code) {
                " ✓ |"
            } else {
                " · |"
            });
        }
    }
    out.push('\n');
    out
}
