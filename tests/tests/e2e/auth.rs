//! Accounts and tokens: sign-up, sign-in, rotating refresh tokens, sign-out, rate limiting,
//! and access tokens that are expired, tampered with, or meant for someone else.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use mtbp_api::auth::Role;
use mtbp_api::auth::tokens::TokenPair;
use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_api::routes::accounts::json::{Account, Customer};
use mtbp_tests::{TEST_JWT_SECRET, TestApp, TestOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

pub(crate) async fn sign_up(app: &TestApp, email: &str) -> Account {
    let created = app
        .api
        .create(
            "/customers",
            &json!({"name": "Asha Rao", "email": email, "password": "correct horse battery"}),
        )
        .await
        .expect("sign-up");
    serde_json::from_value(created).expect("an account")
}

/// Signs in; panics unless it works.
pub(crate) async fn tokens(app: &TestApp, email: &str, password: &str) -> TokenPair {
    let resp = login(app, email, password).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.expect("a token pair")
}

pub(crate) async fn error_code(resp: reqwest::Response) -> ErrorCode {
    let body: ErrorEnvelope = resp.json().await.expect("the error envelope");
    body.error.code
}

pub(crate) async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.api
        .post(
            "/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
        .expect("login")
}

pub(crate) async fn get_as(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.api
        .http
        .get(format!("{}{path}", app.api.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
}

fn forge(claims: Value, secret: &[u8]) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("sign")
}

#[tokio::test]
async fn a_customer_signs_up_signs_in_and_reads_only_their_own_account() {
    let app = TestApp::spawn().await;
    let asha = sign_up(&app, "Asha@Example.com").await;
    assert_eq!(asha.email, "asha@example.com");
    assert_eq!(asha.role, Role::Customer);
    let other = sign_up(&app, "bo@example.com").await;

    let pair = tokens(&app, "asha@example.com", "correct horse battery").await;
    let token = pair.access_token.as_str();
    assert_eq!(pair.token_type, "Bearer");
    assert_eq!(pair.account_id, asha.account_id);

    let me = format!("/customers/{}", asha.account_id);
    let resp = get_as(&app, &me, token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Customer = resp.json().await.expect("a customer");
    assert_eq!(body.name, "Asha Rao");

    let theirs = format!("/customers/{}", other.account_id);
    let resp = get_as(&app, &theirs, token).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(resp).await, ErrorCode::Forbidden);
    let anonymous = app.api.get(&me).await.expect("get");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");

    let again = app
        .api
        .post(
            "/customers",
            &json!({"name": "X", "email": "ASHA@example.com", "password": "another long one"}),
        )
        .await
        .expect("post");
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, ErrorCode::EmailTaken);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    sign_up(&app, "asha@example.com").await;
    let wrong = login(&app, "asha@example.com", "not the password").await;
    let unknown = login(&app, "nobody@example.com", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let wrong: ErrorEnvelope = wrong.json().await.expect("json");
    let unknown: ErrorEnvelope = unknown.json().await.expect("json");
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.error.code, ErrorCode::InvalidCredentials);
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_email_with_retry_after() {
    let app = TestApp::spawn_with(TestOptions {
        login_attempts_per_minute: 3,
        ..TestOptions::default()
    })
    .await;
    sign_up(&app, "asha@example.com").await;
    for _ in 0..3 {
        assert_eq!(
            login(&app, "asha@example.com", "guess guess")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = login(&app, "asha@example.com", "correct horse battery").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry));
    assert_eq!(error_code(limited).await, ErrorCode::TooManyAttempts);
    // Another email is not slowed down by someone guessing this one.
    sign_up(&app, "bo@example.com").await;
    assert_eq!(
        login(&app, "bo@example.com", "correct horse battery")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reusing_one_revokes_the_whole_sign_in() {
    let app = TestApp::spawn().await;
    sign_up(&app, "asha@example.com").await;
    let r1 = tokens(&app, "asha@example.com", "correct horse battery")
        .await
        .refresh_token;

    let refresh = |token: String| {
        let api = app.api.clone();
        async move {
            api.post("/auth/refresh", &json!({"refresh_token": token}))
                .await
                .expect("refresh")
        }
    };
    let second = refresh(r1.clone()).await;
    assert_eq!(second.status(), StatusCode::OK);
    let second: TokenPair = second.json().await.expect("a token pair");
    let r2 = second.refresh_token;
    assert_ne!(r1, r2);

    // The old token again: someone else has it. Refused, and the new one dies with it.
    let reuse = refresh(r1).await;
    assert_eq!(reuse.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(reuse).await, ErrorCode::InvalidRefreshToken);
    assert_eq!(refresh(r2).await.status(), StatusCode::UNAUTHORIZED);

    // A fresh sign-in is a new family and works; signing out revokes it.
    let r3 = tokens(&app, "asha@example.com", "correct horse battery")
        .await
        .refresh_token;
    let out = app
        .api
        .post("/auth/logout", &json!({"refresh_token": r3}))
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(refresh(r3).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh("rt_made_up".into()).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn expired_tampered_and_foreign_access_tokens_are_refused() {
    let app = TestApp::spawn_with(TestOptions {
        access_ttl: Duration::from_secs(1),
        ..TestOptions::default()
    })
    .await;
    let asha = sign_up(&app, "asha@example.com").await;
    let id = asha.account_id;
    let me = format!("/customers/{id}");
    let token = tokens(&app, "asha@example.com", "correct horse battery")
        .await
        .access_token;
    assert_eq!(get_as(&app, &me, &token).await.status(), StatusCode::OK);

    let now = jsonwebtoken::get_current_timestamp();
    let claims = |aud: &str, iss: &str, role: &str, exp: u64| json!({"sub": id, "role": role, "aud": aud, "iss": iss, "iat": now, "exp": exp});
    let valid = forge(
        claims("mtbp-api", "mtbp", "customer", now + 600),
        TEST_JWT_SECRET,
    );
    assert_eq!(
        get_as(&app, &me, &valid).await.status(),
        StatusCode::OK,
        "the forge itself is right"
    );

    let refused = [
        (
            "wrong audience",
            forge(
                claims("another-api", "mtbp", "customer", now + 600),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "wrong issuer",
            forge(
                claims("mtbp-api", "someone", "customer", now + 600),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "wrong key",
            forge(
                claims("mtbp-api", "mtbp", "admin", now + 600),
                b"another-key-another-key-another-key",
            ),
        ),
        (
            "expired",
            forge(
                claims("mtbp-api", "mtbp", "customer", now - 5),
                TEST_JWT_SECRET,
            ),
        ),
    ];
    for (what, bad) in refused {
        assert_eq!(
            get_as(&app, &me, &bad).await.status(),
            StatusCode::UNAUTHORIZED,
            "{what}"
        );
    }
    // Tampered: the role raised to admin in the payload, signature left as it was.
    let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).expect("base64"))
        .expect("utf8")
        .replace("\"customer\"", "\"admin\"");
    parts[1] = URL_SAFE_NO_PAD.encode(payload.as_bytes());
    assert_eq!(
        get_as(&app, &me, &parts.join(".")).await.status(),
        StatusCode::UNAUTHORIZED,
        "tampered"
    );
    assert_eq!(
        get_as(&app, &me, "not.a.jwt").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The issued token itself expires after its one second.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(
        get_as(&app, &me, &token).await.status(),
        StatusCode::UNAUTHORIZED,
        "expired"
    );
}

#[tokio::test]
async fn an_operator_from_configuration_signs_in_and_sees_any_customer() {
    let app = TestApp::spawn_with(TestOptions {
        operator: Some(("ops@mtbp.example".into(), "operator password 1".into())),
        ..TestOptions::default()
    })
    .await;
    let asha = sign_up(&app, "asha@example.com").await;
    let pair = tokens(&app, "ops@mtbp.example", "operator password 1").await;
    assert_eq!(pair.role, Role::Admin);
    let path = format!("/customers/{}", asha.account_id);
    assert_eq!(
        get_as(&app, &path, &pair.access_token).await.status(),
        StatusCode::OK
    );
    // Public sign-up cannot make an operator: the email is taken, the role is never chosen.
    let resp = app
        .api
        .post(
            "/customers",
            &json!({"name": "Me", "email": "ops@mtbp.example", "password": "i want to be admin"}),
        )
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(resp).await, ErrorCode::EmailTaken);
}

#[tokio::test]
async fn a_booking_with_a_bad_token_is_refused_rather_than_made_as_a_guest() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let resp = app
        .api
        .http
        .post(format!("{}/bookings", app.api.base))
        .bearer_auth("not-a-token")
        .json(&json!({"show_id": show.show_id, "seats": ["A1"],
                      "contact": {"name": "X", "email": "x@example.com"}}))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api
            .seat_statuses(show.show_id, &["A1"])
            .await
            .expect("map"),
        ["available"]
    );
}
