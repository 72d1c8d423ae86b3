//! Bad input gets a clear 4xx JSON error and changes nothing.

use mtbp_api::error::{ErrorBody, ErrorCode, ErrorEnvelope, FieldProblem};
use mtbp_domain::BookingStatus;
use mtbp_tests::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn nothing_held(app: &TestApp) {
    let bookings: i64 = sqlx::query_scalar("select count(*) from bookings")
        .fetch_one(&app.db)
        .await
        .expect("count");
    let held: i64 = sqlx::query_scalar("select count(*) from show_seats where status <> 'free'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    let keys: i64 = sqlx::query_scalar("select count(*) from idempotency_keys")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(
        (bookings, held, keys),
        (0, 0, 0),
        "bad input must change nothing"
    );
}

async fn expect_error(resp: reqwest::Response, status: StatusCode, code: ErrorCode) -> ErrorBody {
    assert_eq!(resp.status(), status);
    let body: ErrorEnvelope = resp.json().await.expect("a JSON error body");
    assert_eq!(body.error.code, code, "{body:?}");
    assert!(!body.error.message.is_empty());
    body.error
}

/// The field problems of a validation error.
fn fields(error: &ErrorBody) -> &[FieldProblem] {
    error.fields.as_deref().unwrap_or_default()
}

#[tokio::test]
async fn booking_requests_with_bad_input_are_refused_and_hold_nothing() {
    let app = TestApp::spawn().await;
    let show = app.create_show(2, 5).await.expect("show");
    let contact = json!({"name": "A", "email": "a@example.com"});
    let post = |body: Value| {
        let api = app.api.clone();
        async move { api.post("/bookings", &body).await.expect("post") }
    };

    let unknown =
        post(json!({"show_id": uuid::Uuid::new_v4(), "seats": ["A1"], "contact": contact})).await;
    expect_error(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    let none = post(json!({"show_id": show.show_id, "seats": [], "contact": contact})).await;
    let body = expect_error(
        none,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(fields(&body)[0].field, "seats");

    let off_screen =
        post(json!({"show_id": show.show_id, "seats": ["A1", "Z9", "C1"], "contact": contact}))
            .await;
    let body = expect_error(
        off_screen,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let msg = &fields(&body)[0].message;
    assert!(msg.contains("C1") && msg.contains("Z9"), "{msg}");

    let repeated =
        post(json!({"show_id": show.show_id, "seats": ["A1", "a1"], "contact": contact})).await;
    expect_error(
        repeated,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;

    let bad_label =
        post(json!({"show_id": show.show_id, "seats": ["1A"], "contact": contact})).await;
    expect_error(
        bad_label,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;

    let too_many: Vec<String> = (1..=5)
        .flat_map(|n| [format!("A{n}"), format!("B{n}")])
        .chain(["A1".into()])
        .collect();
    let many = post(json!({"show_id": show.show_id, "seats": too_many, "contact": contact})).await;
    expect_error(
        many,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;

    let bad_contact = post(json!({"show_id": show.show_id, "seats": ["A1"],
                                  "contact": {"name": "", "email": "nope"}}))
    .await;
    let body = expect_error(
        bad_contact,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(fields(&body).len(), 2);

    let wrong_types = post(json!({"show_id": 42, "seats": "A1", "contact": contact})).await;
    expect_error(
        wrong_types,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidBody,
    )
    .await;

    let extra =
        post(json!({"show_id": show.show_id, "seats": ["A1"], "contact": contact, "price": 1}))
            .await;
    expect_error(
        extra,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidBody,
    )
    .await;

    let malformed = app
        .api
        .http
        .post(format!("{}/bookings", app.api.base))
        .header("content-type", "application/json")
        .body("{\"show_id\": ")
        .send()
        .await
        .expect("post");
    expect_error(malformed, StatusCode::BAD_REQUEST, ErrorCode::MalformedJson).await;

    let not_json = app
        .api
        .http
        .post(format!("{}/bookings", app.api.base))
        .body("show=1")
        .send()
        .await
        .expect("post");
    expect_error(
        not_json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
    )
    .await;

    let unknown_with_key = app
        .api
        .hold(uuid::Uuid::new_v4(), &["A1"], Some("key-of-a-bad-request"))
        .await
        .expect("post");
    expect_error(unknown_with_key, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let off_screen_with_key = app
        .api
        .hold(show.show_id, &["Q7"], Some("key-of-another-bad-request"))
        .await
        .expect("post");
    expect_error(
        off_screen_with_key,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;

    let bad_key = app
        .api
        .http
        .post(format!("{}/bookings", app.api.base))
        .header("Idempotency-Key", "")
        .json(&json!({"show_id": show.show_id, "seats": ["A1"], "contact": contact}))
        .send()
        .await
        .expect("post");
    expect_error(bad_key, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;

    let huge = format!(
        "{{\"show_id\": \"{}\", \"pad\": \"{}\"}}",
        show.show_id,
        "x".repeat(100_000)
    );
    let too_big = app
        .api
        .http
        .post(format!("{}/bookings", app.api.base))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("post");
    expect_error(
        too_big,
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
    )
    .await;

    nothing_held(&app).await;
}

#[tokio::test]
async fn paying_with_bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let booking = app.api.hold_ok(show.show_id, &["A1"]).await.expect("hold");

    let empty = app.api.pay(booking, "").await.expect("pay");
    expect_error(
        empty,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let unknown = app.api.pay(booking, "pm_doesnotexist").await.expect("pay");
    expect_error(
        unknown,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let nobody = app
        .api
        .pay(uuid::Uuid::new_v4(), "pm_x")
        .await
        .expect("pay");
    expect_error(nobody, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let bad_id = app
        .api
        .post(
            "/bookings/not-a-uuid/pay",
            &json!({"payment_method": "pm_x"}),
        )
        .await
        .expect("pay");
    expect_error(bad_id, StatusCode::BAD_REQUEST, ErrorCode::InvalidPath).await;

    let b = app.api.booking(booking).await.expect("booking");
    assert_eq!(b.status, BookingStatus::PreBooking);
    assert!(
        app.stripe
            .intents_of(&booking.to_string())
            .await
            .expect("gw")
            .is_empty()
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_envelope() {
    let app = TestApp::spawn().await;
    let missing = app.api.get("/no/such/route").await.expect("get");
    expect_error(missing, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let wrong_method = app
        .api
        .http
        .delete(format!("{}/bookings", app.api.base))
        .send()
        .await
        .expect("delete");
    expect_error(
        wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
    )
    .await;
}

#[tokio::test]
async fn text_postgres_cannot_store_is_a_4xx_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let resp = app
        .api
        .post(
            "/customers",
            &serde_json::json!({"name": "Nul\u{0}Byte", "email": "nul@example.com",
                                "password": "correct horse battery"}),
        )
        .await
        .expect("sign-up");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = app
        .api
        .post(
            "/auth/login",
            &serde_json::json!({"email": "\u{10}\u{0}x@example.com", "password": "whatever-it-is"}),
        )
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let accounts: i64 = sqlx::query_scalar("select count(*) from accounts where role = 'customer'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(accounts, 0);
}
