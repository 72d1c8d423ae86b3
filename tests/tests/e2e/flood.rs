//! Floods and races on the sign-in paths: thousands of sign-ins with distinct emails are
//! answered (401, or 503 with `Retry-After` once every hashing slot is busy), never left to
//! time out; sign-ups are limited per client address; overlong emails are refused before they
//! cost anything; two uses of one refresh token cannot both succeed.

use futures::future::join_all;
use mtbp_api::auth::limits::FloodLimits;
use mtbp_api::auth::tokens::TokenPair;
use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_tests::{TestApp, TestOptions};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

fn limited(flood: FloodLimits) -> TestOptions {
    TestOptions {
        flood,
        ..TestOptions::default()
    }
}

/// One answer of the flood: its status, whether it had `Retry-After`, its error code.
type Answer = Result<(StatusCode, bool, ErrorCode), String>;

async fn attempt(http: reqwest::Client, url: String, i: usize) -> Answer {
    let body = json!({"email": format!("flood-{i}@example.com"), "password": "wrong password"});
    let resp = http
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("request {i}: {e}"))?;
    let status = resp.status();
    let retry_after = resp.headers().contains_key("retry-after");
    let body: ErrorEnvelope = resp
        .json()
        .await
        .map_err(|e| format!("answer {i} ({status}) is not the error envelope: {e}"))?;
    Ok((status, retry_after, body.error.code))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_concurrent_sign_ins_are_answered_401_or_503_never_left_to_time_out() {
    let app = TestApp::spawn_with(limited(FloodLimits {
        max_concurrent_hashes: 2,
        ..FloodLimits::default()
    }))
    .await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let url = format!("{}/auth/login", app.api.base);
    let started = Instant::now();
    let answers: Vec<Answer> =
        join_all((0..2000).map(|i| tokio::spawn(attempt(http.clone(), url.clone(), i))))
            .await
            .into_iter()
            .map(|joined| joined.unwrap_or_else(|e| Err(format!("task: {e}"))))
            .collect();
    let elapsed = started.elapsed();
    let failures: Vec<&String> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} failed, e.g. {:?}",
        failures.len(),
        failures.first()
    );
    let (mut refused, mut busy) = (0, 0);
    for (status, retry_after, code) in answers.iter().flatten() {
        match status.as_u16() {
            401 => {
                assert_eq!(*code, ErrorCode::InvalidCredentials);
                refused += 1;
            }
            429 | 503 => {
                assert!(retry_after, "{status} {code:?} without Retry-After");
                let known = [
                    ErrorCode::TooBusy,
                    ErrorCode::Unavailable,
                    ErrorCode::TooManyAttempts,
                ];
                assert!(known.contains(code), "{status} {code:?}");
                busy += 1;
            }
            other => panic!("unexpected {other} ({code:?})"),
        }
    }
    eprintln!("flood: {refused} × 401, {busy} × 429/503 in {elapsed:?}");
    assert!(refused > 0, "some sign-ins are checked");
    assert!(
        busy > 0,
        "two hashing slots cannot check 2,000 sign-ins at once"
    );

    // Afterwards the API serves sign-ups and sign-ins as usual.
    app.api
        .create(
            "/customers",
            &json!({"name": "After", "email": "after@example.com", "password": PASSWORD}),
        )
        .await
        .expect("sign-up after the flood");
    app.api
        .login("after@example.com", PASSWORD)
        .await
        .expect("sign-in after the flood");
}

#[tokio::test]
async fn sign_ups_are_limited_per_client_address() {
    let app = TestApp::spawn_with(limited(FloodLimits {
        sign_ups_per_address_per_hour: 3,
        ..FloodLimits::default()
    }))
    .await;
    let customer = |i: usize| json!({"name": "Flood", "email": format!("signup-{i}@example.com"), "password": PASSWORD});
    for i in 0..3 {
        app.api
            .create("/customers", &customer(i))
            .await
            .expect("sign-up");
    }
    let partner = json!({"name": "Flood Cinemas", "contact_email": "p@example.com",
        "owner": customer(99)});
    for (path, body) in [("/customers", customer(3)), ("/partners", partner)] {
        let resp = app.api.post(path, &body).await.expect("post");
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
        let wait: u64 = resp.headers()["retry-after"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!((1..=3600).contains(&wait), "Retry-After {wait}");
        let body: ErrorEnvelope = resp.json().await.expect("the error envelope");
        assert_eq!(body.error.code, ErrorCode::TooManySignUps);
    }
    let made: i64 = sqlx::query_scalar("select count(*) from accounts where email like 'signup-%'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(made, 3);
}

#[tokio::test]
async fn emails_longer_than_the_limit_are_refused_at_sign_up_and_sign_in() {
    let app = TestApp::spawn_with(limited(FloodLimits {
        email_max_length: 40,
        ..FloodLimits::default()
    }))
    .await;
    let long = format!("{}@example.com", "a".repeat(30));
    let resp = app
        .api
        .post(
            "/customers",
            &json!({"name": "Long", "email": long, "password": PASSWORD}),
        )
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: ErrorEnvelope = resp.json().await.expect("the error envelope");
    assert_eq!(body.error.code, ErrorCode::ValidationFailed);
    let fields: Vec<String> = body
        .error
        .fields
        .into_iter()
        .flatten()
        .map(|f| f.field)
        .collect();
    assert_eq!(fields, ["email"]);
    // Far past any real email: the same answer as a wrong password, and cheap.
    for email in [long, format!("{}@example.com", "b".repeat(10_000))] {
        let resp = app
            .api
            .post(
                "/auth/login",
                &json!({"email": email, "password": PASSWORD}),
            )
            .await
            .expect("login");
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let body: ErrorEnvelope = resp.json().await.expect("the error envelope");
        assert_eq!(body.error.code, ErrorCode::InvalidCredentials);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_with_one_token_cannot_both_succeed() {
    let app = TestApp::spawn().await;
    for round in 0..5 {
        let email = format!("race-{round}@example.com");
        app.api
            .create(
                "/customers",
                &json!({"name": "Race", "email": email, "password": PASSWORD}),
            )
            .await
            .expect("sign-up");
        let resp = app
            .api
            .post(
                "/auth/login",
                &json!({"email": email, "password": PASSWORD}),
            )
            .await
            .expect("login");
        let pair: TokenPair = resp.json().await.expect("a token pair");
        let token = pair.refresh_token;
        let answers = join_all((0..8).map(|_| {
            let api = app.api.clone();
            let body = json!({"refresh_token": token});
            tokio::spawn(async move {
                let resp = api.post("/auth/refresh", &body).await.expect("refresh");
                let status = resp.status();
                let body = resp.text().await.expect("a body");
                (status, body)
            })
        }))
        .await;
        let answers: Vec<(StatusCode, String)> =
            answers.into_iter().map(|a| a.expect("task")).collect();
        let winners: Vec<TokenPair> = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::OK)
            .map(|(_, b)| serde_json::from_str(b).expect("a token pair"))
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {answers:?}");
        for (status, body) in &answers {
            if *status != StatusCode::OK {
                assert_eq!(*status, StatusCode::UNAUTHORIZED);
                let body: ErrorEnvelope = serde_json::from_str(body).expect("the error envelope");
                assert_eq!(body.error.code, ErrorCode::InvalidRefreshToken);
            }
        }
        // The reuse revoked the family, the token the winner got included.
        let next = json!({"refresh_token": winners[0].refresh_token});
        let resp = app.api.post("/auth/refresh", &next).await.expect("refresh");
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "round {round}");
    }
}
