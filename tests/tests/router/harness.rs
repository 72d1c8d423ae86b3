//! A test app whose API is called in-process, and typed reads of its answers.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use mtbp_api::error::{ErrorBody, ErrorCode, ErrorEnvelope};
use mtbp_tests::{TestApp, TestOptions};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower::ServiceExt;

/// A fresh app (database, state) without a worker; requests go through its router.
pub struct Harness {
    /// The app: its database, its operator, fixtures.
    pub app: TestApp,
    router: axum::Router,
}

/// An answer of the router.
pub struct Answer {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    body: bytes::Bytes,
}

impl Answer {
    /// The body as `T`, the API's own type; panics with the body if it is not one.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not the expected JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts an error answer with `status` and `code`; returns its body.
    #[track_caller]
    pub fn error(&self, status: StatusCode, code: ErrorCode) -> ErrorBody {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
        let envelope: ErrorEnvelope = self.json();
        assert_eq!(envelope.error.code, code, "{}", envelope.error.message);
        envelope.error
    }

    /// The fields a `validation_failed` answer names, in order.
    #[track_caller]
    pub fn invalid_fields(&self) -> Vec<String> {
        let error = self.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        );
        error
            .fields
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.field)
            .collect()
    }
}

impl Harness {
    /// A fresh app.
    pub async fn new() -> Self {
        let app = TestApp::spawn_with(TestOptions {
            in_process_worker: false,
            ..TestOptions::default()
        })
        .await;
        let router = mtbp_api::router(app.state.clone());
        Self { app, router }
    }

    /// The operator's access token.
    pub fn admin(&self) -> String {
        self.app
            .admin
            .token
            .clone()
            .expect("the operator has a token")
    }

    /// Sends a request with a raw body and content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request.body(body.into()).expect("a request");
        let resp = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("a body");
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Sends `body` as JSON.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Answer {
        let bytes = serde_json::to_vec(body).expect("JSON");
        self.raw(method, path, token, Some("application/json"), bytes)
            .await
    }

    /// A request without a body.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>) -> Answer {
        self.raw(method, path, token, None, Body::empty()).await
    }

    /// Counts rows: `sql` is a `select count(*) …`.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.app.db)
            .await
            .expect("a count")
    }

    /// A customer made straight in the database, and its access token.
    pub async fn customer(&self, email: &str) -> (uuid::Uuid, String) {
        let c = self.app.customer(email).await.expect("a customer");
        (c.account_id, c.api.token.expect("a token"))
    }

    /// An active partner's staff member: partner, account and access token.
    pub async fn partner(&self, name: &str) -> (uuid::Uuid, uuid::Uuid, String) {
        let p = self.app.partner(name).await.expect("a partner");
        (
            p.partner_id.expect("a partner id"),
            p.account_id,
            p.api.token.expect("a token"),
        )
    }
}
