//! A small typed client of the mtbp REST API, for tests, the demo and benchmarks.

mod answer;
mod bookings;
mod typed;

pub use answer::{Answer, answer, error_code};
pub use typed::{field_names, refusal};

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use mtbp_api::routes::movies::json::Movie;
use mtbp_api::routes::screens::json::Screen;
use mtbp_api::routes::shows::json::Show;
use mtbp_api::routes::theaters::json::Theater;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Talks to one API base URL, as one caller: anonymous, or signed in with a bearer token.
/// Like a browser, it keeps the `guest_token` of each guest booking it makes and sends it back
/// as `X-Booking-Token` on that booking's routes.
#[derive(Clone, Debug)]
pub struct ApiClient {
    /// e.g. `http://127.0.0.1:8080`.
    pub base: String,
    /// Shared HTTP client (keeps connections alive).
    pub http: reqwest::Client,
    /// Access token sent as `Authorization: Bearer`.
    pub token: Option<String>,
    guest_tokens: Arc<Mutex<HashMap<Uuid, String>>>,
    /// Headers sent with every request (a `traceparent`, say).
    headers: Vec<(String, String)>,
}

/// A show created for a test, with what is needed to book it.
#[derive(Clone, Debug)]
pub struct ShowFixture {
    /// The show.
    pub show_id: Uuid,
    /// Its theater.
    pub theater_id: Uuid,
    /// Its screen.
    pub screen_id: Uuid,
    /// Every seat label of the show, row by row.
    pub seats: Vec<String>,
}

impl ApiClient {
    /// A client for `base`.
    pub fn new(base: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .timeout(std::time::Duration::from_secs(90))
            .build()
            .unwrap_or_default();
        Self {
            base: base.into(),
            http,
            token: None,
            guest_tokens: Arc::default(),
            headers: Vec::new(),
        }
    }

    /// The same caller (sharing guest tokens), sending `name: value` with every request, as a
    /// front end sends one `traceparent` for a customer's whole booking.
    pub fn with_header(&self, name: &str, value: &str) -> Self {
        let mut headers = self.headers.clone();
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        headers.push((name.to_owned(), value.to_owned()));
        Self {
            headers,
            ..self.clone()
        }
    }

    /// The same API as the holder of `token` (sharing connections, not guest tokens).
    pub fn with_token(&self, token: impl Into<String>) -> Self {
        let token = token.into();
        crate::audit::used("token", &token);
        Self {
            token: Some(token),
            guest_tokens: Arc::default(),
            ..self.clone()
        }
    }

    /// The same API as an anonymous caller with no guest tokens.
    pub fn anonymous(&self) -> Self {
        Self {
            token: None,
            guest_tokens: Arc::default(),
            ..self.clone()
        }
    }

    /// Signs in with email and password; a client acting as that account.
    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<Self> {
        let resp = self
            .anonymous()
            .post(
                "/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await?;
        let status = resp.status();
        let body: Value = resp.json().await?;
        if status != StatusCode::OK {
            bail!("sign-in answered {status}: {body}");
        }
        let token = body["access_token"]
            .as_str()
            .context("no access_token")?
            .to_owned();
        Ok(self.with_token(token))
    }

    /// The guest token this client got for `booking_id`, if any.
    pub fn guest_token(&self, booking_id: Uuid) -> Option<String> {
        self.guest_tokens
            .lock()
            .ok()
            .and_then(|m| m.get(&booking_id).cloned())
    }

    /// A request to `path` with this caller's credentials.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        for (name, value) in &self.headers {
            req = req.header(name, value);
        }
        let booking = path
            .strip_prefix("/bookings/")
            .and_then(|rest| rest.split('/').next())
            .and_then(|id| Uuid::parse_str(id).ok());
        if let Some(guest) = booking.and_then(|id| self.guest_token(id)) {
            req = req.header("X-Booking-Token", guest);
        }
        req
    }

    /// Sends `req`; remembers the guest token of a booking in the answer (only answers that
    /// mention one are parsed here: seat maps are large).
    pub async fn send(&self, req: RequestBuilder) -> anyhow::Result<Response> {
        let resp = req.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        if bytes.windows(GUEST_TOKEN.len()).any(|w| w == GUEST_TOKEN)
            && let Ok(body) = serde_json::from_slice::<Value>(&bytes)
            && let (Some(token), Ok(booking)) =
                (body["guest_token"].as_str(), id(&body, "booking_id"))
            && let Ok(mut tokens) = self.guest_tokens.lock()
        {
            tokens.insert(booking, token.to_owned());
        }
        let mut rebuilt = reqwest::Response::from(
            plain_response(status, bytes).context("rebuilding a response")?,
        );
        *rebuilt.headers_mut() = headers;
        Ok(rebuilt)
    }

    /// POSTs JSON to `path`.
    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Response> {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    /// PUTs JSON to `path`.
    pub async fn put(&self, path: &str, body: &Value) -> anyhow::Result<Response> {
        self.send(self.request(Method::PUT, path).json(body)).await
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str) -> anyhow::Result<Response> {
        self.send(self.request(Method::GET, path)).await
    }

    /// GETs `path` and reads the JSON body, whatever the status (callers that care check it).
    pub async fn get_json(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self.get(path).await?.json().await?)
    }

    /// DELETEs `path`.
    pub async fn delete(&self, path: &str) -> anyhow::Result<Response> {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// The status `method path` (with an optional JSON body) is answered with; for checks of
    /// who may do what. Panics when the request cannot be sent.
    pub async fn status_of(&self, method: Method, path: &str, body: Option<&Value>) -> StatusCode {
        let mut req = self.request(method.clone(), path);
        if let Some(body) = body {
            req = req.json(body);
        }
        match self.send(req).await {
            Ok(resp) => resp.status(),
            Err(e) => panic!("{method} {path}: {e:#}"),
        }
    }

    /// POSTs and expects `201 Created`, returning the body.
    pub async fn create(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let resp = self.post(path, body).await?;
        let status = resp.status();
        let body: Value = resp.json().await.context("reading a JSON body")?;
        if status != StatusCode::CREATED {
            bail!("POST {path} answered {status}: {body}");
        }
        Ok(body)
    }

    /// Creates a theater, a screen of `rows` rows × `per_row` seats (rows A, B, …; first half
    /// REGULAR at ₹200, the rest PREMIUM at ₹350), a movie, and a show tomorrow. Needs an
    /// operator's client.
    pub async fn create_show(&self, rows: usize, per_row: u16) -> anyhow::Result<ShowFixture> {
        self.create_show_with(self, rows, per_row).await
    }

    /// Like [`Self::create_show`], with the theater, screen and show created by this client
    /// (partner staff) and the movie by `operator`.
    pub async fn create_show_with(
        &self,
        operator: &ApiClient,
        rows: usize,
        per_row: u16,
    ) -> anyhow::Result<ShowFixture> {
        let theater: Theater = self
            .create_as(
                "/theaters",
                &json!({"name": "Test Cinema", "city": "Bengaluru", "pincode": "560001",
                        "latitude": 12.97, "longitude": 77.59}),
            )
            .await?;
        let theater_id = theater.theater_id.as_uuid();
        let row_specs: Vec<Value> = (0..rows)
            .map(|i| {
                let category = if i < rows.div_ceil(2) {
                    "REGULAR"
                } else {
                    "PREMIUM"
                };
                json!({"label": row_label(i), "category": category, "seats": per_row})
            })
            .collect();
        let screen: Screen = self
            .create_as(
                &format!("/theaters/{theater_id}/screens"),
                &json!({"name": "Audi 1", "layout": {
                    "categories": [
                        {"code": "REGULAR", "name": "Regular", "price_minor": 20000},
                        {"code": "PREMIUM", "name": "Premium", "price_minor": 35000}],
                    "rows": row_specs}}),
            )
            .await?;
        let screen_id = screen.screen_id.as_uuid();
        let movie: Movie = operator
            .create_as(
                "/movies",
                &json!({"title": "The Test Picture", "duration_minutes": 120,
                        "languages": ["English"], "genres": ["Drama"]}),
            )
            .await?;
        let starts_at = Utc::now() + Duration::days(1);
        let show: Show = self
            .create_as(
                "/shows",
                &json!({"movie_id": movie.movie_id, "screen_id": screen_id,
                        "starts_at": starts_at, "language": "English"}),
            )
            .await?;
        let seats = (0..rows)
            .flat_map(|r| (1..=per_row).map(move |n| format!("{}{n}", row_label(r))))
            .collect();
        Ok(ShowFixture {
            show_id: show.show_id.as_uuid(),
            theater_id,
            screen_id,
            seats,
        })
    }
}

const GUEST_TOKEN: &[u8] = b"\"guest_token\"";

fn plain_response(
    status: StatusCode,
    bytes: bytes::Bytes,
) -> anyhow::Result<http::Response<bytes::Bytes>> {
    Ok(http::Response::builder().status(status).body(bytes)?)
}

/// A client signed in as the operator named by `MTBP_ADMIN_EMAIL` / `MTBP_ADMIN_PASSWORD`
/// (the local stack's scripts export them).
pub async fn operator_from_env(api: &ApiClient) -> anyhow::Result<ApiClient> {
    let email = std::env::var("MTBP_ADMIN_EMAIL").context("MTBP_ADMIN_EMAIL is not set")?;
    let password =
        std::env::var("MTBP_ADMIN_PASSWORD").context("MTBP_ADMIN_PASSWORD is not set")?;
    api.login(&email, &password)
        .await
        .context("signing in as the operator")
}

/// Row letters for row index `i`: A…Z, then AA, AB, …
pub fn row_label(i: usize) -> String {
    if i < 26 {
        char::from(b'A' + u8::try_from(i).unwrap_or(0)).to_string()
    } else {
        format!("{}{}", row_label(i / 26 - 1), row_label(i % 26))
    }
}

/// Reads a UUID field of a JSON body.
pub fn id(body: &Value, field: &str) -> anyhow::Result<Uuid> {
    body[field]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .with_context(|| format!("no {field} in {body}"))
}
