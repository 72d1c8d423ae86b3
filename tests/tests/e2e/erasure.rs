//! Erasing a customer: personal data goes (account, profile, sessions, saved cards, contact
//! details on bookings), bookings and payments stay for accounting.

use crate::auth::{get_as, login, sign_up, tokens};
use mtbp_tests::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn erasing_a_customer_removes_personal_data_but_keeps_bookings_and_payments() {
    let app = TestApp::spawn().await;
    let asha = sign_up(&app, "asha@example.com").await;
    let id = asha.account_id.to_string();
    let pair = tokens(&app, "asha@example.com", "correct horse battery").await;
    let token = pair.access_token.clone();

    // A signed-in booking belongs to the account.
    let show = app.create_show(1, 4).await.expect("show");
    let held: Value = app
        .api
        .http
        .post(format!("{}/bookings", app.api.base))
        .bearer_auth(&token)
        .json(&json!({"show_id": show.show_id, "seats": ["A1"],
                      "contact": {"name": "Asha Rao", "email": "asha@example.com", "phone": "+919876543210"}}))
        .send()
        .await
        .expect("hold")
        .json()
        .await
        .expect("json");
    assert_eq!(held["customer_id"], id.as_str());
    let booking: uuid::Uuid = held["booking_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let card = app
        .stripe
        .card(mtbp_tests::stripe::CARD_OK)
        .await
        .expect("card");
    let asha_api = app.api.with_token(&token);
    assert_eq!(
        app.api.pay(booking, &card).await.expect("pay").status(),
        StatusCode::UNAUTHORIZED,
        "an account's booking is paid by that account only"
    );
    assert_eq!(
        asha_api.pay(booking, &card).await.expect("pay").status(),
        StatusCode::OK
    );

    // Someone else may not erase it; the customer may.
    sign_up(&app, "bo@example.com").await;
    let other_pair = tokens(&app, "bo@example.com", "correct horse battery").await;
    let delete = |who: String| {
        let api = app.api.clone();
        let path = format!("{}/customers/{id}", api.base);
        async move {
            api.http
                .delete(path)
                .bearer_auth(who)
                .send()
                .await
                .expect("delete")
        }
    };
    assert_eq!(
        delete(other_pair.access_token).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(delete(token.clone()).await.status(), StatusCode::NO_CONTENT);

    // Gone: no sign-in, no session, no profile; the email can sign up anew.
    assert_eq!(
        login(&app, "asha@example.com", "correct horse battery")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let refresh = app
        .api
        .post(
            "/auth/refresh",
            &json!({"refresh_token": pair.refresh_token}),
        )
        .await
        .expect("refresh");
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get_as(&app, &format!("/customers/{id}"), &token)
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "the erased account's access token is revoked with it"
    );
    sign_up(&app, "asha@example.com").await;

    // Kept for accounting: the booking, its amount and its payment; no personal data left.
    let kept = app.admin.booking(booking).await.expect("booking");
    assert!(kept.status.is_booked(), "{:?}", kept.status);
    let quote = kept
        .quote
        .as_ref()
        .expect("the quote is kept for accounting");
    assert_eq!(quote.totals.total, kept.total);
    let seat: Vec<i64> = kept.seats.iter().map(|s| s.price_minor).collect();
    assert_eq!(seat, [20000]);
    assert!(kept.contact_name.is_none());
    let (email, phone): (Option<String>, Option<String>) =
        sqlx::query_as("select contact_email, contact_phone from bookings where booking_id = $1")
            .bind(booking)
            .fetch_one(&app.db)
            .await
            .expect("row");
    assert_eq!((email, phone), (None, None));
    let payment: String = sqlx::query_scalar("select status from payments where booking_id = $1")
        .bind(booking)
        .fetch_one(&app.db)
        .await
        .expect("payment");
    assert_eq!(payment, "succeeded");
    let erased_rows: i64 = sqlx::query_scalar(
        "select count(*) from accounts where account_id = $1::uuid and email = '' and name = '' and password_hash is null",
    )
    .bind(&id)
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(erased_rows, 1);
}
