//! Guest booking tokens, claiming a guest booking with a verified email, and what a partner
//! sees of its theaters' bookings.

use crate::accounts::{answer, customer_via_api, typed};
use mtbp_api::routes::accounts::json::Customer;
use mtbp_tests::TestApp;
use mtbp_tests::stripe::CARD_OK;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_guest_reaches_their_booking_with_its_token_and_a_verified_customer_claims_it() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let guest = app.api.anonymous();
    let booking = guest.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let token = guest.guest_token(booking).expect("guest token");
    let path = format!("/bookings/{booking}");

    // Without the token: 401; with a wrong one: 403; with it: the booking.
    let stranger = app.api.anonymous();
    assert_eq!(
        stranger.get(&path).await.expect("get").status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong = stranger
        .send(
            stranger
                .request(reqwest::Method::GET, &path)
                .header("X-Booking-Token", "bt_00"),
        )
        .await
        .expect("get");
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        guest.get(&path).await.expect("get").status(),
        StatusCode::OK
    );
    assert_eq!(
        stranger
            .post(&format!("{path}/cancel"), &json!({}))
            .await
            .expect("cancel")
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // The customer with that email verifies it (code from the outbox), then claims the booking.
    let (id, meera) = customer_via_api(&app, "customer@example.com").await;
    let (status, err) = answer(
        meera
            .post(&format!("{path}/claim"), &json!({}))
            .await
            .expect("claim"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "unverified: {err}");
    let (status, sent) = answer(
        meera
            .post(&format!("/customers/{id}/email-verification"), &json!({}))
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    let (status, _) = answer(
        meera
            .post(&format!("/customers/{id}/email-verification"), &json!({}))
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "one code a minute");
    let body: String = sqlx::query_scalar(
        "select body from outbox_emails where to_address = 'customer@example.com' order by created_at desc limit 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("email");
    let code: String = body
        .split_whitespace()
        .find(|w| {
            w.trim_end_matches('.').len() == 6
                && w.trim_end_matches('.').bytes().all(|b| b.is_ascii_digit())
        })
        .expect("code in the email")
        .trim_end_matches('.')
        .to_owned();
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let confirm = format!("/customers/{id}/email-verification/confirm");
    let (status, _) = answer(
        meera
            .post(&confirm, &json!({"code": wrong_code}))
            .await
            .expect("confirm"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, verified) = answer(
        meera
            .post(&confirm, &json!({"code": code}))
            .await
            .expect("confirm"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert!(typed::<Customer>(&verified).email_verified);

    // Another verified customer with a different email cannot claim it.
    let other = app
        .customer("someone-else@example.com")
        .await
        .expect("customer");
    sqlx::query("update accounts set email_verified_at = now() where account_id = $1")
        .bind(other.account_id)
        .execute(&app.db)
        .await
        .expect("verify");
    let (status, _) = answer(
        other
            .api
            .post(&format!("{path}/claim"), &json!({}))
            .await
            .expect("claim"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, claimed) = answer(
        meera
            .post(&format!("{path}/claim"), &json!({}))
            .await
            .expect("claim"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(claimed["customer_id"], id.to_string());
    let (status, _) = answer(
        meera
            .post(&format!("{path}/claim"), &json!({}))
            .await
            .expect("claim"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "claiming again is harmless");
    // Now it is the customer's: the guest token no longer opens it, the customer pays.
    let stale = stranger
        .send(
            stranger
                .request(reqwest::Method::GET, &path)
                .header("X-Booking-Token", &token),
        )
        .await
        .expect("get");
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    let card = app.stripe.card(CARD_OK).await.expect("card");
    assert_eq!(
        meera.pay(booking, &card).await.expect("pay").status(),
        StatusCode::OK
    );
    let mine: Value = meera.get_json("/bookings").await.expect("json");
    assert_eq!(mine["bookings"][0]["booking_id"], booking.to_string());
}

#[tokio::test]
async fn partners_read_the_bookings_of_their_theaters_only() {
    let app = TestApp::spawn().await;
    let partner = app.partner("Mine").await.expect("partner");
    let other = app.partner("Theirs").await.expect("partner");
    let show = partner
        .api
        .create_show_with(&app.admin, 1, 4)
        .await
        .expect("show");
    let customer = app.customer("c@example.com").await.expect("customer");
    let booking = customer
        .api
        .hold_ok(show.show_id, &["A3"])
        .await
        .expect("hold");
    let path = format!("/bookings/{booking}");
    assert_eq!(
        partner.api.get(&path).await.expect("get").status(),
        StatusCode::OK
    );
    assert_eq!(
        other.api.get(&path).await.expect("get").status(),
        StatusCode::FORBIDDEN
    );
    let listed: Value = partner.api.get_json("/bookings").await.expect("json");
    assert_eq!(listed["bookings"].as_array().map(Vec::len), Some(1));
    let none: Value = other.api.get_json("/bookings").await.expect("json");
    assert_eq!(none["bookings"], json!([]));
    // They read, they do not cancel.
    assert_eq!(
        partner
            .api
            .post(&format!("{path}/cancel"), &json!({}))
            .await
            .expect("cancel")
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        partner
            .api
            .hold(show.show_id, &["A4"], None)
            .await
            .expect("hold")
            .status(),
        StatusCode::FORBIDDEN,
        "partner staff do not book"
    );
}
