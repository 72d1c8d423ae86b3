//! The role matrix: every route of the OpenAPI document, called by each of seven callers, is
//! allowed or denied exactly as the table below says. A route without a rule fails the test, so
//! a new endpoint cannot ship without deciding who may call it; the same table is published in
//! docs/ROLES.md and checked against it here.
//!
//! Denied means 401 for an anonymous caller and 403 for a signed-in one. Allowed means the
//! request got past authorization: any answer but 401, 403 or a 5xx (it may still be a 404,
//! 409 or 422 when the world has moved on, e.g. a booking already paid).

mod world;

use mtbp_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;
use world::{body, build_world, fill, query};

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
/// email), `{theater_id}`, `{screen_id}`, `{show_id}`, `{offer_id}` (listed), `{addon_id}` the
/// partner's; `GET` and `DELETE /offers` name the partner (`?partnerId=`), as `GET /settlements`
/// does (`?partner_id=`); `{settlement_id}` is a settlement of the partner's; `{subscription_id}`
/// is the customer's subscription to `{plan_id}`. Deletions that do not take a caller away run
/// after the routes that read what they delete.
const RULES: &[(&str, &str, &str)] = &[
    ("GET", "/health", "ACcBPpO"),
    ("GET", "/ready", "ACcBPpO"),
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
    ("GET", "/partners/{partner_id}/policy", "PO"),
    ("PUT", "/partners/{partner_id}/policy", "O"),
    ("GET", "/partners/{partner_id}/contract", "PO"),
    ("PUT", "/partners/{partner_id}/contract", "O"),
    ("GET", "/settlements", "PO"),
    ("GET", "/settlements/{settlement_id}", "PO"),
    ("GET", "/settlements/{settlement_id}/report", "PO"),
    ("GET", "/partners/{partner_id}/settlement-schedule", "PO"),
    (
        "POST",
        "/partners/{partner_id}/settlement-schedule/pause",
        "O",
    ),
    (
        "POST",
        "/partners/{partner_id}/settlement-schedule/resume",
        "O",
    ),
    (
        "POST",
        "/partners/{partner_id}/settlement-schedule/trigger",
        "O",
    ),
    (
        "POST",
        "/partners/{partner_id}/settlement-schedule/backfill",
        "O",
    ),
    ("POST", "/partners/{partner_id}/staff", "PO"),
    ("GET", "/partners/{partner_id}/staff", "PO"),
    ("DELETE", "/partners/{partner_id}/staff/{account_id}", "PO"),
    ("POST", "/brokers", "O"),
    ("POST", "/theaters", "PpO"),
    ("GET", "/theaters", "ACcBPpO"),
    ("GET", "/theaters/{theater_id}", "ACcBPpO"),
    ("PUT", "/theaters/{theater_id}", "PO"),
    ("DELETE", "/theaters/{theater_id}", "PO"),
    ("GET", "/theaters/{theater_id}/connection", "PO"),
    ("PUT", "/theaters/{theater_id}/connection", "O"),
    ("DELETE", "/theaters/{theater_id}/connection", "O"),
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
    ("GET", "/shows/{show_id}/cancellation", "PO"),
    ("POST", "/reviews", "C"),
    ("GET", "/reviews", "ACcBPpO"),
    ("DELETE", "/reviews/{review_id}", "CO"),
    ("POST", "/bookings", "ACcB"),
    ("GET", "/bookings", "CcBPpO"),
    ("GET", "/bookings/{booking_id}", "CPO"),
    ("GET", "/bookings/{booking_id}/quote", "CPO"),
    ("GET", "/bookings/{booking_id}/invoice", "CPO"),
    ("PUT", "/bookings/{booking_id}/offer", "C"),
    ("DELETE", "/bookings/{booking_id}/offer", "C"),
    ("POST", "/bookings/{booking_id}/pay", "C"),
    ("POST", "/bookings/{booking_id}/extend", "C"),
    ("POST", "/bookings/{booking_id}/cancel", "CO"),
    ("GET", "/bookings/{booking_id}/cancellations", "CPO"),
    ("DELETE", "/bookings/{booking_id}", "CO"),
    ("DELETE", "/reservations/{booking_id}", "CO"),
    ("POST", "/bookings/{booking_id}/claim", "C"),
    ("POST", "/bookings/{booking_id}/resolve", "O"),
    ("POST", "/offers", "PpO"),
    ("GET", "/offers", "PO"),
    ("GET", "/offers/{offer_id}", "ACcBPpO"),
    ("PUT", "/offers/{offer_id}", "PO"),
    ("DELETE", "/offers/{offer_id}", "PO"),
    ("DELETE", "/offers", "PO"),
    ("POST", "/theaters/{theater_id}/addons", "PO"),
    ("GET", "/theaters/{theater_id}/addons", "ACcBPpO"),
    ("PUT", "/addons/{addon_id}", "PO"),
    ("DELETE", "/addons/{addon_id}", "PO"),
    ("POST", "/subscription-plans", "O"),
    ("GET", "/subscription-plans", "ACcBPpO"),
    ("PUT", "/subscription-plans/{plan_id}", "O"),
    ("POST", "/subscriptions", "Cc"),
    ("GET", "/subscriptions", "CO"),
    ("GET", "/subscriptions/{subscription_id}", "CO"),
    ("PUT", "/subscriptions/{subscription_id}", "CO"),
    ("DELETE", "/subscriptions/{subscription_id}", "CO"),
    (
        "PUT",
        "/subscriptions/{subscription_id}/announcements",
        "CO",
    ),
    ("GET", "/admin/analytics", "O"),
    ("GET", "/admin/bookings/{booking_id}", "O"),
    ("POST", "/admin/bookings/{booking_id}/actions", "O"),
];

/// Routes that destroy what later routes need run last, in this order.
const LAST: &[&str] = &[
    // A paid booking's cancellation refunds it for good (the review needs a completed booking).
    "POST /bookings/{booking_id}/cancel",
    "DELETE /bookings/{booking_id}",
    "DELETE /reservations/{booking_id}",
    // Cancelling a show with bookings cancels and refunds them all.
    "DELETE /shows/{show_id}",
    "DELETE /customers/{customer_id}/payment-methods/{payment_method_id}",
    "DELETE /partners/{partner_id}/staff/{account_id}",
    "DELETE /customers/{customer_id}",
    "DELETE /partners/{partner_id}",
];

const PASSWORD: &str = "correct horse battery";

fn allowed(rule: &str, who: char) -> bool {
    rule.contains(who)
}

#[tokio::test]
async fn every_route_allows_and_denies_each_role_as_the_table_says() {
    let app = TestApp::spawn().await;
    // The OpenAPI document read as raw JSON: only its paths and methods matter here.
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
                &(fill(path, &world) + &query(&route, &world)),
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
