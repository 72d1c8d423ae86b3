//! A slow or refusing payment gateway for tests: a loopback reverse proxy in front of
//! localstripe that holds chosen calls for a set time, before the gateway sees them and before
//! the caller gets the answer, or refuses refunds.
//!
//! A call held *before* the gateway sees it is sent on even when the caller has given up (its
//! HTTP client timed out, its activity was cancelled): the gateway processes it late, as a real
//! one does with a request already on the wire. That is the window where "charged, but no
//! booking" used to happen.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long to hold one kind of call.
#[derive(Clone, Copy, Debug, Default)]
pub struct Delay {
    /// Before the gateway sees the call.
    pub before: Duration,
    /// After the gateway answered, before the caller gets the answer.
    pub after: Duration,
}

/// What the proxy does to each kind of call.
#[derive(Clone, Copy, Debug, Default)]
pub struct GatewayFaults {
    /// `POST /v1/payment_intents` (create).
    pub create: Delay,
    /// `POST /v1/payment_intents/{id}/confirm` (the charge itself).
    pub confirm: Delay,
    /// `POST /v1/refunds`.
    pub refund: Delay,
    /// `POST /v1/payment_intents/{id}/cancel`.
    pub cancel: Delay,
    /// Answer every refund with a 400 the gateway would give for a refund it will not make.
    pub refuse_refunds: bool,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    faults: Arc<Mutex<GatewayFaults>>,
}

/// A running proxy; stops when dropped.
pub struct SlowGateway {
    /// The proxy's base URL, to use as `STRIPE_API_BASE`.
    pub url: String,
    faults: Arc<Mutex<GatewayFaults>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SlowGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SlowGateway {
    /// Starts a proxy on a free loopback port in front of `upstream` (a localstripe URL).
    pub async fn start(upstream: &str) -> anyhow::Result<Self> {
        let faults = Arc::new(Mutex::new(GatewayFaults::default()));
        let proxy = Proxy {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
            faults: faults.clone(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let app = Router::new().fallback(forward).with_state(proxy);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url, faults, task })
    }

    /// Replaces what the proxy does from now on.
    pub fn set(&self, faults: GatewayFaults) {
        if let Ok(mut f) = self.faults.lock() {
            *f = faults;
        }
    }
}

/// The kinds of call a fault can target.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Call {
    Create,
    Confirm,
    Cancel,
    Refund,
    Other,
}

fn call_of(method: &Method, path: &str) -> Call {
    if method != Method::POST {
        return Call::Other;
    }
    match path.trim_end_matches('/') {
        "/v1/payment_intents" => Call::Create,
        "/v1/refunds" => Call::Refund,
        p if p.starts_with("/v1/payment_intents/") && p.ends_with("/confirm") => Call::Confirm,
        p if p.starts_with("/v1/payment_intents/") && p.ends_with("/cancel") => Call::Cancel,
        _ => Call::Other,
    }
}

async fn forward(
    State(proxy): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let faults = proxy.faults.lock().map(|f| *f).unwrap_or_default();
    let call = call_of(&method, uri.path());
    let delay = match call {
        Call::Create => faults.create,
        Call::Confirm => faults.confirm,
        Call::Cancel => faults.cancel,
        Call::Refund => faults.refund,
        Call::Other => Delay::default(),
    };
    if call == Call::Refund && faults.refuse_refunds {
        let body = serde_json::json!({"error": {
            "type": "invalid_request_error",
            "code": "charge_disputed",
            "message": "the test gateway refuses refunds right now"}});
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    // Sent on by a task of its own, so a caller that gives up does not stop it.
    let sent = tokio::spawn(async move {
        tokio::time::sleep(delay.before).await;
        let mut req = proxy
            .http
            .request(method, format!("{}{path}", proxy.upstream))
            .body(body);
        for (name, value) in &headers {
            if name != "host" && name != "content-length" {
                req = req.header(name, value);
            }
        }
        let resp = req.send().await?;
        let status = resp.status();
        let content_type = resp.headers().get("content-type").cloned();
        let bytes = resp.bytes().await?;
        Ok::<_, reqwest::Error>((status, content_type, bytes))
    });
    let answered = sent.await;
    tokio::time::sleep(delay.after).await;
    match answered {
        Ok(Ok((status, content_type, bytes))) => {
            let mut resp = (status, bytes).into_response();
            if let Some(ct) = content_type {
                resp.headers_mut().insert("content-type", ct);
            }
            resp
        }
        _ => (StatusCode::BAD_GATEWAY, "upstream gateway failed").into_response(),
    }
}
