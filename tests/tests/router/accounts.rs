//! Customers: sign-up bodies, profile rules, who may read, change and erase an account, email
//! verification and saved payment methods.

use crate::harness::Harness;
use axum::http::{Method, StatusCode, header};
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::accounts::json::{Account, Customer};
use serde_json::json;

const ACCOUNTS: &str = "select count(*) from accounts";

#[tokio::test]
async fn sign_up_bodies_that_do_not_parse_are_refused_before_anything_is_stored() {
    let h = Harness::new().await;
    let before = h.count(ACCOUNTS).await;
    let post = |content_type, body: &'static str| {
        h.raw(Method::POST, "/customers", None, content_type, body)
    };
    post(Some("application/json"), "{\"name\": ")
        .await
        .error(StatusCode::BAD_REQUEST, ErrorCode::MalformedJson);
    post(
        Some("application/json"),
        r#"{"name": 5, "email": "a@example.com", "password": "long enough pw"}"#,
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody);
    post(
        Some("application/json"),
        r#"{"name": "A", "email": "a@example.com", "password": "long enough pw", "role": "admin"}"#,
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody);
    post(
        None,
        r#"{"name": "A", "email": "a@example.com", "password": "long enough pw"}"#,
    )
    .await
    .error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
    );
    assert_eq!(h.count(ACCOUNTS).await, before);
}

#[tokio::test]
async fn sign_up_lists_every_invalid_field() {
    let h = Harness::new().await;
    let before = h.count(ACCOUNTS).await;
    let answer = h
        .send(
            Method::POST,
            "/customers",
            None,
            &json!({"name": "  ", "email": "not an email", "password": "short"}),
        )
        .await;
    assert_eq!(answer.invalid_fields(), ["name", "email", "password"]);
    assert_eq!(h.count(ACCOUNTS).await, before);
}

#[tokio::test]
async fn a_second_account_with_the_same_email_in_any_case_is_refused() {
    let h = Harness::new().await;
    let body =
        json!({"name": "Asha", "email": "Asha@Example.com", "password": "correct horse battery"});
    let first = h.send(Method::POST, "/customers", None, &body).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let account: Account = first.json();
    assert_eq!(account.email, "asha@example.com");
    let again =
        json!({"name": "Other", "email": "ASHA@example.com", "password": "another password"});
    h.send(Method::POST, "/customers", None, &again)
        .await
        .error(StatusCode::CONFLICT, ErrorCode::EmailTaken);
    assert_eq!(
        h.count("select count(*) from accounts where lower(email) = 'asha@example.com'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_profile_is_read_by_its_customer_and_operators_only() {
    let h = Harness::new().await;
    let (asha, token) = h.customer("asha@example.com").await;
    let (bo, _) = h.customer("bo@example.com").await;
    let mine = h
        .call(Method::GET, &format!("/customers/{asha}"), Some(&token))
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    let customer: Customer = mine.json();
    assert_eq!(customer.account_id.as_uuid(), asha);
    assert!(!customer.email_verified);
    h.call(Method::GET, &format!("/customers/{bo}"), Some(&token))
        .await
        .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    let unknown = uuid::Uuid::new_v4();
    h.call(
        Method::GET,
        &format!("/customers/{unknown}"),
        Some(&h.admin()),
    )
    .await
    .error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let anonymous = h
        .call(Method::GET, &format!("/customers/{asha}"), None)
        .await;
    anonymous.error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_eq!(anonymous.headers[header::WWW_AUTHENTICATE], "Bearer");
}

#[tokio::test]
async fn an_id_that_is_not_a_uuid_is_a_bad_path() {
    let h = Harness::new().await;
    let (_, token) = h.customer("asha@example.com").await;
    for path in [
        "/customers/not-a-uuid",
        "/customers/1234/payment-methods",
        "/partners/xyz/staff",
    ] {
        h.call(Method::GET, path, Some(&token))
            .await
            .error(StatusCode::BAD_REQUEST, ErrorCode::InvalidPath);
    }
}

#[tokio::test]
async fn profile_changes_are_checked_and_an_invalid_one_changes_nothing() {
    let h = Harness::new().await;
    let (asha, token) = h.customer("asha@example.com").await;
    let path = format!("/customers/{asha}");
    let languages: Vec<String> = (0..11).map(|i| format!("lang{i}")).collect();
    let answer = h
        .send(
            Method::PUT,
            &path,
            Some(&token),
            &json!({"name": "Asha Rao", "phone": "12ab", "preferred_city": "x".repeat(81),
                    "languages": languages, "genres": ["drama", " "]}),
        )
        .await;
    assert_eq!(
        answer.invalid_fields(),
        ["phone", "preferred_city", "languages", "genres[1]"]
    );
    let customer: Customer = h.call(Method::GET, &path, Some(&token)).await.json();
    assert_eq!(customer.name, "Test Account");
    assert_eq!(customer.phone, None);
    assert!(customer.languages.is_empty());
}

#[tokio::test]
async fn a_customer_cannot_change_or_erase_another_account() {
    let h = Harness::new().await;
    let (_, token) = h.customer("asha@example.com").await;
    let (bo, _) = h.customer("bo@example.com").await;
    let path = format!("/customers/{bo}");
    h.send(
        Method::PUT,
        &path,
        Some(&token),
        &json!({"name": "Mallory"}),
    )
    .await
    .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    h.call(Method::DELETE, &path, Some(&token))
        .await
        .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    let untouched = format!(
        "select count(*) from accounts where account_id = '{bo}'
            and name = 'Test Account' and erased_at is null"
    );
    assert_eq!(h.count(&untouched).await, 1);
}

#[tokio::test]
async fn erasing_an_unknown_customer_is_not_found() {
    let h = Harness::new().await;
    let unknown = uuid::Uuid::new_v4();
    h.call(
        Method::DELETE,
        &format!("/customers/{unknown}"),
        Some(&h.admin()),
    )
    .await
    .error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
}

#[tokio::test]
async fn only_the_customer_verifies_their_email_and_codes_are_six_digits() {
    let h = Harness::new().await;
    let (asha, token) = h.customer("asha@example.com").await;
    let (bo, _) = h.customer("bo@example.com").await;
    h.call(
        Method::POST,
        &format!("/customers/{bo}/email-verification"),
        Some(&token),
    )
    .await
    .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    h.call(
        Method::POST,
        &format!("/customers/{asha}/email-verification"),
        Some(&h.admin()),
    )
    .await
    .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    assert_eq!(h.count("select count(*) from email_verifications").await, 0);
    assert_eq!(h.count("select count(*) from outbox_emails").await, 0);

    let confirm = format!("/customers/{asha}/email-verification/confirm");
    let answer = h
        .send(
            Method::POST,
            &confirm,
            Some(&token),
            &json!({"code": "12ab56"}),
        )
        .await;
    assert_eq!(answer.invalid_fields(), ["code"]);
    h.send(
        Method::POST,
        &confirm,
        Some(&token),
        &json!({"code": "123456"}),
    )
    .await
    .error(StatusCode::CONFLICT, ErrorCode::NoLiveCode);
}

#[tokio::test]
async fn saved_payment_methods_belong_to_their_customer() {
    let h = Harness::new().await;
    let (_, token) = h.customer("asha@example.com").await;
    let (bo, _) = h.customer("bo@example.com").await;
    let cards = format!("/customers/{bo}/payment-methods");
    h.send(
        Method::POST,
        &cards,
        Some(&token),
        &json!({"payment_method": "pm_card_visa"}),
    )
    .await
    .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    h.call(Method::GET, &cards, Some(&token))
        .await
        .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    h.call(
        Method::DELETE,
        &format!("{cards}/pm_card_visa"),
        Some(&token),
    )
    .await
    .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    let unknown = uuid::Uuid::new_v4();
    h.call(
        Method::GET,
        &format!("/customers/{unknown}/payment-methods"),
        Some(&h.admin()),
    )
    .await
    .error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    h.call(
        Method::DELETE,
        &format!("{cards}/pm_unknown"),
        Some(&h.admin()),
    )
    .await
    .error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_eq!(h.count("select count(*) from payment_methods").await, 0);
}
