//! Signing in, refresh tokens and access tokens: what is refused, and with which code.

use crate::harness::Harness;
use axum::http::{Method, StatusCode};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use mtbp_api::auth::Role;
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::accounts::json::Me;
use serde_json::json;

const TOKENS: &str = "select count(*) from refresh_tokens";

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let h = Harness::new().await;
    let body =
        json!({"name": "Asha", "email": "asha@example.com", "password": "correct horse battery"});
    assert_eq!(
        h.send(Method::POST, "/customers", None, &body).await.status,
        StatusCode::CREATED
    );
    for (email, password) in [
        ("asha@example.com", "wrong horse battery"),
        ("nobody@example.com", "correct horse battery"),
        ("a\u{7}@example.com", "correct horse battery"),
    ] {
        let wrong = h
            .send(
                Method::POST,
                "/auth/login",
                None,
                &json!({"email": email, "password": password}),
            )
            .await
            .error(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials);
        assert_eq!(wrong.message, "the email or password is wrong");
    }
    assert_eq!(h.count(TOKENS).await, 0);
}

#[tokio::test]
async fn unknown_refresh_tokens_are_refused_and_logging_out_with_one_is_harmless() {
    let h = Harness::new().await;
    h.send(
        Method::POST,
        "/auth/refresh",
        None,
        &json!({"refresh_token": "rt_0000"}),
    )
    .await
    .error(StatusCode::UNAUTHORIZED, ErrorCode::InvalidRefreshToken);
    let out = h
        .send(
            Method::POST,
            "/auth/logout",
            None,
            &json!({"refresh_token": "rt_0000"}),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    h.send(
        Method::POST,
        "/auth/refresh",
        None,
        &json!({"token": "rt_0000"}),
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody);
}

#[tokio::test]
async fn me_answers_who_the_token_belongs_to() {
    let h = Harness::new().await;
    let (partner, staff, token) = h.partner("Cinema One").await;
    let answer = h.call(Method::GET, "/auth/me", Some(&token)).await;
    assert_eq!(answer.status, StatusCode::OK);
    let me: Me = answer.json();
    assert_eq!(me.account_id.as_uuid(), staff);
    assert_eq!(me.role, Role::Partner);
    assert_eq!(me.partner_id.map(|p| p.as_uuid()), Some(partner));
}

fn forged(secret: &[u8], sub: uuid::Uuid, exp_offset: i64) -> String {
    let now = i64::try_from(jsonwebtoken::get_current_timestamp()).expect("a time");
    let claims = json!({"sub": sub, "role": "admin", "iss": "mtbp", "aud": "mtbp-api",
                        "iat": now, "exp": now + exp_offset});
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("a token")
}

#[tokio::test]
async fn tokens_that_do_not_verify_are_never_anonymous() {
    let h = Harness::new().await;
    let (asha, good) = h.customer("asha@example.com").await;
    let expired = forged(mtbp_tests::TEST_JWT_SECRET, h.app.admin_id, -60);
    let other_key = forged(b"another-signing-key-0123456789abcdef", h.app.admin_id, 600);
    let tampered = format!("{good}x");
    for token in [
        "garbage",
        expired.as_str(),
        other_key.as_str(),
        tampered.as_str(),
    ] {
        h.call(Method::GET, "/auth/me", Some(token))
            .await
            .error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
        // A bad token is refused, never taken for an anonymous caller.
        h.call(Method::GET, &format!("/customers/{asha}"), Some(token))
            .await
            .error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    }
}

#[tokio::test]
async fn the_token_of_an_erased_account_stops_working() {
    let h = Harness::new().await;
    let (asha, token) = h.customer("asha@example.com").await;
    let erased = h
        .call(Method::DELETE, &format!("/customers/{asha}"), Some(&token))
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT);
    h.call(Method::GET, "/auth/me", Some(&token))
        .await
        .error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    h.call(
        Method::DELETE,
        &format!("/customers/{asha}"),
        Some(&h.admin()),
    )
    .await
    .error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
}

#[tokio::test]
async fn routes_refuse_methods_they_do_not_have() {
    let h = Harness::new().await;
    h.call(Method::DELETE, "/auth/login", None)
        .await
        .error(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed);
    h.call(Method::GET, "/accounts/nowhere", None)
        .await
        .error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
}
