//! Tokens from an external OpenID Connect provider, validated against its JWKS. The test is the
//! provider: it makes ES256 keys, serves their JWKS over HTTP on loopback, and signs tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use mtbp_api::auth::Role;
use mtbp_api::auth::oidc::OidcConfig;
use mtbp_api::auth::tokens::TokenPair;
use mtbp_api::error::{ErrorCode, ErrorEnvelope};
use mtbp_api::routes::accounts::json::{Account, Customer, Me};
use mtbp_tests::{TestApp, TestOptions};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use rand::RngCore;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const ISSUER: &str = "https://idp.example.test/pool-1";
const AUDIENCE: &str = "mtbp-web";

/// A signing key of the provider.
struct Key {
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

fn new_key(kid: &str) -> Key {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = p256::SecretKey::from_slice(&bytes).expect("a valid scalar");
    let der = secret.to_pkcs8_der().expect("pkcs8");
    let point = secret.public_key().to_encoded_point(false);
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    Key {
        kid: kid.to_owned(),
        encoding: EncodingKey::from_ec_der(der.as_bytes()),
        jwk: json!({"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
                    "x": b64(point.x().expect("x")), "y": b64(point.y().expect("y"))}),
    }
}

/// Serves `{"keys": [...]}` on a random loopback port; the key list can change (rotation).
async fn serve_jwks(keys: Arc<Mutex<Vec<Value>>>) -> String {
    let app = axum::Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(move || {
            let keys = keys.clone();
            async move { axum::Json(json!({"keys": keys.lock().expect("lock").clone()})) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn sign(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    encode(&header, claims, &key.encoding).expect("sign")
}

fn claims(sub: &str, email: &str, overrides: &Value) -> Value {
    let now = jsonwebtoken::get_current_timestamp();
    let mut c = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "email": email,
                       "email_verified": true, "name": "Kabir", "iat": now, "exp": now + 600});
    if let (Some(c), Some(o)) = (c.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            c.insert(k.clone(), v.clone());
        }
    }
    c
}

/// A body as the API's own type `T`.
fn typed<T: DeserializeOwned>(body: &Value) -> T {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn me(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let resp = app.api.with_token(token).get("/auth/me").await.expect("me");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn provider_tokens_are_checked_against_its_jwks_and_map_to_customers() {
    let first = new_key("key-1");
    let keys = Arc::new(Mutex::new(vec![first.jwk.clone()]));
    let jwks_url = serve_jwks(keys.clone()).await;
    let app = TestApp::spawn_with(TestOptions {
        oidc: Some(OidcConfig {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            jwks_url,
        }),
        ..TestOptions::default()
    })
    .await;

    // A valid token: a customer account is made for the identity, once.
    let token = sign(&first, &claims("user-1", "Kabir@Example.com", &json!({})));
    let (status, who) = me(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    let who: Me = typed(&who);
    assert_eq!(who.role, Role::Customer);
    let (_, again) = me(&app, &token).await;
    assert_eq!(typed::<Me>(&again).account_id, who.account_id);
    let id = who.account_id;
    let profile: Customer = typed(
        &app.api
            .with_token(&token)
            .get_json(&format!("/customers/{id}"))
            .await
            .expect("json"),
    );
    assert_eq!(profile.email, "kabir@example.com");
    assert!(profile.email_verified);
    // Cognito access tokens carry client_id instead of aud.
    let cognito = sign(
        &first,
        &claims(
            "user-1",
            "kabir@example.com",
            &json!({"aud": null, "client_id": AUDIENCE}),
        ),
    );
    assert_eq!(
        typed::<Me>(&me(&app, &cognito).await.1).account_id,
        who.account_id
    );

    // Refused: wrong audience, wrong issuer, expired, tampered, unknown key, HS256 with the
    // public key, no verified email for a new identity.
    let now = jsonwebtoken::get_current_timestamp();
    let refused = [
        sign(
            &first,
            &claims("user-1", "k@example.com", &json!({"aud": "someone-else"})),
        ),
        sign(
            &first,
            &claims(
                "user-1",
                "k@example.com",
                &json!({"iss": "https://evil.test"}),
            ),
        ),
        sign(
            &first,
            &claims("user-1", "k@example.com", &json!({"exp": now - 120})),
        ),
        {
            let t = sign(&first, &claims("user-1", "k@example.com", &json!({})));
            let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
            parts[1] =
                URL_SAFE_NO_PAD.encode(claims("user-2", "k@example.com", &json!({})).to_string());
            parts.join(".")
        },
        sign(
            &new_key("key-unknown"),
            &claims("user-1", "k@example.com", &json!({})),
        ),
        {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some("key-1".into());
            encode(
                &header,
                &claims("user-1", "k@example.com", &json!({})),
                &EncodingKey::from_secret(first.jwk.to_string().as_bytes()),
            )
            .expect("sign")
        },
        sign(
            &first,
            &claims(
                "user-3",
                "new@example.com",
                &json!({"email_verified": false}),
            ),
        ),
    ];
    for (i, token) in refused.iter().enumerate() {
        let (status, body) = me(&app, token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "case {i}: {body}");
    }

    // The provider rotates its keys: a token signed with the new key works once the JWKS is
    // fetched again (unknown key ids trigger a fetch, at most every few seconds).
    let second = new_key("key-2");
    keys.lock().expect("lock").push(second.jwk.clone());
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    let rotated = sign(&second, &claims("user-1", "kabir@example.com", &json!({})));
    let (status, body) = me(&app, &rotated).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(typed::<Me>(&body).account_id, who.account_id);

    // An existing password customer is linked by verified email, not duplicated.
    let local: Account = typed(
        &app.api
        .create(
            "/customers",
            &json!({"name": "Zoya", "email": "zoya@example.com", "password": "correct horse battery"}),
        )
        .await
        .expect("sign-up"),
    );
    let zoya = sign(&second, &claims("user-9", "zoya@example.com", &json!({})));
    assert_eq!(
        typed::<Me>(&me(&app, &zoya).await.1).account_id,
        local.account_id
    );
}

async fn post(app: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
    let resp = app.api.post(path, body).await.expect("post");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The pre-registration takeover: someone signs up with another person's email and a password
/// of their own and never verifies it; the owner of the email later signs in through the
/// identity provider. The owner gets the account; the squatter's password, sessions, phone
/// number and consents are gone. An account whose email was verified keeps its password.
#[tokio::test]
async fn a_squatted_unverified_account_loses_its_password_and_sessions_to_the_owner() {
    let key = new_key("key-1");
    let jwks_url = serve_jwks(Arc::new(Mutex::new(vec![key.jwk.clone()]))).await;
    let app = TestApp::spawn_with(TestOptions {
        oidc: Some(OidcConfig {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            jwks_url,
        }),
        ..TestOptions::default()
    })
    .await;
    let victim = "meera@example.com";
    let squatter_password = "squatter's own password";
    let account: Account = typed(
        &app.api
            .create(
                "/customers",
                &json!({"name": "Meera", "email": victim, "password": squatter_password}),
            )
            .await
            .expect("sign-up"),
    );
    let id = account.account_id;
    let login = json!({"email": victim, "password": squatter_password});
    let (status, pair) = post(&app, "/auth/login", &login).await;
    assert_eq!(status, StatusCode::OK, "{pair}");
    let pair: TokenPair = typed(&pair);
    let squatter = app.api.with_token(&pair.access_token);
    let update = json!({"phone": "+91 98765 43210",
        "consents": {"email": true, "sms": true, "push": true}});
    let resp = squatter
        .put(&format!("/customers/{id}"), &update)
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);

    // The owner signs in through the provider: linked to the same account.
    let owner = sign(&key, &claims("owner-1", victim, &json!({})));
    let (status, who) = me(&app, &owner).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(typed::<Me>(&who).account_id, id);

    // The squatter is out: password, access token and refresh token all refused.
    let (status, body) = post(&app, "/auth/login", &login).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        typed::<ErrorEnvelope>(&body).error.code,
        ErrorCode::InvalidCredentials
    );
    let resp = squatter.get("/auth/me").await.expect("me");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let refresh = json!({"refresh_token": pair.refresh_token});
    let (status, body) = post(&app, "/auth/refresh", &refresh).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let revoked: i64 = sqlx::query_scalar(
        "select count(*) from refresh_tokens
          where account_id = $1 and revoked_at is null",
    )
    .bind(id.as_uuid())
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(revoked, 0, "every refresh token of the account is revoked");

    // The owner's view: verified email, nothing the squatter set about how to reach them.
    let profile: Customer = typed(
        &app.api
            .with_token(&owner)
            .get_json(&format!("/customers/{id}"))
            .await
            .expect("profile"),
    );
    assert!(profile.email_verified, "{profile:?}");
    assert_eq!(profile.phone, None, "{profile:?}");
    let c = profile.consents;
    assert_eq!((c.email, c.sms, c.push), (false, false, false));
    assert_eq!(me(&app, &owner).await.0, StatusCode::OK);

    // A verified local account is the same person: linking keeps its password.
    let verified = "devika@example.com";
    let password = "devika's own password";
    app.api
        .create(
            "/customers",
            &json!({"name": "Devika", "email": verified, "password": password}),
        )
        .await
        .expect("sign-up");
    sqlx::query("update accounts set email_verified_at = now() where email = $1")
        .bind(verified)
        .execute(&app.db)
        .await
        .expect("verify");
    let token = sign(&key, &claims("owner-2", verified, &json!({})));
    assert_eq!(me(&app, &token).await.0, StatusCode::OK);
    let (status, body) = post(
        &app,
        "/auth/login",
        &json!({"email": verified, "password": password}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
