//! Brokers booking for groups, and cards saved at the gateway that pay only for their owner.

use crate::accounts::{PASSWORD, answer, customer_via_api, error_code, typed};
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::accounts::json::SavedPaymentMethod;
use mtbp_tests::TestApp;
use mtbp_tests::stripe::CARD_OK;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn brokers_are_made_by_operators_and_book_for_groups() {
    let app = TestApp::spawn().await;
    let broker =
        json!({"name": "Group Tours", "email": "groups@example.com", "password": PASSWORD});
    let customer = app.customer("c@example.com").await.expect("customer");
    assert_eq!(
        customer
            .api
            .post("/brokers", &broker)
            .await
            .expect("post")
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api
            .post("/brokers", &broker)
            .await
            .expect("post")
            .status(),
        StatusCode::UNAUTHORIZED
    );
    app.admin.create("/brokers", &broker).await.expect("broker");
    let groups = app
        .api
        .login("groups@example.com", PASSWORD)
        .await
        .expect("login");

    let show = app.create_show(3, 10).await.expect("show");
    let twenty: Vec<&str> = show.seats[..20].iter().map(String::as_str).collect();
    let (status, err) = answer(
        customer
            .api
            .hold(show.show_id, &twenty, None)
            .await
            .expect("hold"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "customers book at most 10"
    );
    assert!(err.to_string().contains("at most 10 seats"));
    let (status, booking) = answer(
        groups
            .hold(show.show_id, &twenty, None)
            .await
            .expect("hold"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    assert_eq!(booking["seats"].as_array().map(Vec::len), Some(20));
    assert!(
        booking.get("guest_token").is_none(),
        "an account's booking has no guest token"
    );

    // Limited to their own bookings.
    let mine: Value = groups.get_json("/bookings").await.expect("json");
    assert_eq!(mine["bookings"].as_array().map(Vec::len), Some(1));
    let theirs: Value = customer.api.get_json("/bookings").await.expect("json");
    assert_eq!(theirs["bookings"].as_array().map(Vec::len), Some(0));
    let booking_id = booking["booking_id"].as_str().expect("id");
    assert_eq!(
        customer
            .api
            .get(&format!("/bookings/{booking_id}"))
            .await
            .expect("get")
            .status(),
        StatusCode::FORBIDDEN
    );
    let all: Value = app.admin.get_json("/bookings").await.expect("json");
    assert_eq!(all["bookings"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.admin
            .get("/bookings?limit=0")
            .await
            .expect("list")
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.admin
            .get("/bookings?status=Nope")
            .await
            .expect("list")
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn saved_cards_live_at_the_gateway_and_pay_only_for_their_owner() {
    let app = TestApp::spawn().await;
    let (id, meera) = customer_via_api(&app, "meera@example.com").await;
    let (other_id, other) = customer_via_api(&app, "arjun@example.com").await;
    let cards = format!("/customers/{id}/payment-methods");

    let pm = app.stripe.card(CARD_OK).await.expect("card");
    let (status, saved) = answer(
        meera
            .post(&cards, &json!({"payment_method": pm}))
            .await
            .expect("save"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let saved: SavedPaymentMethod = typed(&saved);
    assert_eq!(saved.last4.as_deref(), Some("4242"));
    assert_eq!(saved.payment_method_id, pm);
    // Saving again is harmless; another customer cannot take it over.
    let (status, _) = answer(
        meera
            .post(&cards, &json!({"payment_method": pm}))
            .await
            .expect("save"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, err) = answer(
        other
            .post(
                &format!("/customers/{other_id}/payment-methods"),
                &json!({"payment_method": pm}),
            )
            .await
            .expect("save"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(error_code(&err), ErrorCode::PaymentMethodTaken);
    // A card the gateway declines is not saved.
    let declined = app.stripe.card("4000000000000002").await.expect("card");
    let (status, err) = answer(
        meera
            .post(&cards, &json!({"payment_method": declined}))
            .await
            .expect("save"),
    )
    .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(error_code(&err), ErrorCode::CardDeclined);
    let list: Vec<SavedPaymentMethod> = typed(&meera.get_json(&cards).await.expect("json"));
    assert_eq!(list.len(), 1);
    let customer_at_gateway: String =
        sqlx::query_scalar("select gateway_customer_id from accounts where account_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("gateway customer");
    assert!(customer_at_gateway.starts_with("cus_"));

    // The owner pays with it (charged as the gateway customer); nobody else can.
    let show = app.create_show(1, 4).await.expect("show");
    let theirs = other.hold_ok(show.show_id, &["A2"]).await.expect("hold");
    let (status, err) = answer(other.pay(theirs, &pm).await.expect("pay")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let mine = meera.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let (status, paid) = answer(meera.pay(mine, &pm).await.expect("pay")).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let intents = app
        .stripe
        .intents_of(&mine.to_string())
        .await
        .expect("intents");
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["customer"], customer_at_gateway.as_str());

    // Deleting detaches it at the gateway.
    assert_eq!(
        meera
            .delete(&format!("{cards}/{pm}"))
            .await
            .expect("delete")
            .status(),
        StatusCode::NO_CONTENT
    );
    let at_gateway = app.stripe.payment_method(&pm).await.expect("pm");
    assert!(at_gateway["customer"].is_null(), "{at_gateway}");
    let list: Vec<SavedPaymentMethod> = typed(&meera.get_json(&cards).await.expect("json"));
    assert!(list.is_empty());
    assert_eq!(
        meera
            .delete(&format!("{cards}/{pm}"))
            .await
            .expect("delete")
            .status(),
        StatusCode::NOT_FOUND
    );
}
