//! A small typed client of the mtbp REST API, for tests, the demo and benchmarks.

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// Talks to one API base URL.
#[derive(Clone, Debug)]
pub struct ApiClient {
    /// e.g. `http://127.0.0.1:8080`.
    pub base: String,
    /// Shared HTTP client (keeps connections alive).
    pub http: reqwest::Client,
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
        }
    }

    /// POSTs JSON to `path`.
    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Response> {
        Ok(self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await?)
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str) -> anyhow::Result<Response> {
        Ok(self.http.get(format!("{}{path}", self.base)).send().await?)
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
    /// REGULAR at ₹200, the rest PREMIUM at ₹350), a movie, and a show tomorrow.
    pub async fn create_show(&self, rows: usize, per_row: u16) -> anyhow::Result<ShowFixture> {
        let theater = self
            .create(
                "/theaters",
                &json!({"name": "Test Cinema", "city": "Bengaluru", "pincode": "560001",
                        "latitude": 12.97, "longitude": 77.59}),
            )
            .await?;
        let theater_id = id(&theater, "theater_id")?;
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
        let screen = self
            .create(
                &format!("/theaters/{theater_id}/screens"),
                &json!({"name": "Audi 1", "layout": {
                    "categories": [
                        {"code": "REGULAR", "name": "Regular", "price_minor": 20000},
                        {"code": "PREMIUM", "name": "Premium", "price_minor": 35000}],
                    "rows": row_specs}}),
            )
            .await?;
        let screen_id = id(&screen, "screen_id")?;
        let movie = self
            .create(
                "/movies",
                &json!({"title": "The Test Picture", "duration_minutes": 120,
                        "languages": ["English"], "genres": ["Drama"]}),
            )
            .await?;
        let starts_at = Utc::now() + Duration::days(1);
        let show = self
            .create(
                "/shows",
                &json!({"movie_id": id(&movie, "movie_id")?, "screen_id": screen_id,
                        "starts_at": starts_at, "language": "English"}),
            )
            .await?;
        let seats = (0..rows)
            .flat_map(|r| (1..=per_row).map(move |n| format!("{}{n}", row_label(r))))
            .collect();
        Ok(ShowFixture {
            show_id: id(&show, "show_id")?,
            theater_id,
            screen_id,
            seats,
        })
    }

    /// `POST /bookings` for `seats`, with an optional idempotency key.
    pub async fn hold(
        &self,
        show_id: Uuid,
        seats: &[&str],
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Response> {
        let mut req = self
            .http
            .post(format!("{}/bookings", self.base))
            .json(&json!({"show_id": show_id, "seats": seats,
                          "contact": {"name": "Test Customer", "email": "customer@example.com"}}));
        if let Some(key) = idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        Ok(req.send().await?)
    }

    /// Holds and expects 201; returns the booking id.
    pub async fn hold_ok(&self, show_id: Uuid, seats: &[&str]) -> anyhow::Result<Uuid> {
        let resp = self.hold(show_id, seats, None).await?;
        let status = resp.status();
        let body: Value = resp.json().await?;
        if status != StatusCode::CREATED {
            bail!("hold answered {status}: {body}");
        }
        id(&body, "booking_id")
    }

    /// `POST /bookings/{id}/pay`.
    pub async fn pay(&self, booking_id: Uuid, payment_method: &str) -> anyhow::Result<Response> {
        self.post(
            &format!("/bookings/{booking_id}/pay"),
            &json!({"payment_method": payment_method}),
        )
        .await
    }

    /// `GET /bookings/{id}` as JSON (panics on anything but 200 are the caller's to check).
    pub async fn booking(&self, booking_id: Uuid) -> anyhow::Result<Value> {
        let resp = self.get(&format!("/bookings/{booking_id}")).await?;
        let status = resp.status();
        let body: Value = resp.json().await?;
        if status != StatusCode::OK {
            bail!("GET booking answered {status}: {body}");
        }
        Ok(body)
    }

    /// Statuses of `labels` in the show's seat map.
    pub async fn seat_statuses(
        &self,
        show_id: Uuid,
        labels: &[&str],
    ) -> anyhow::Result<Vec<String>> {
        let map: Value = self
            .get(&format!("/shows/{show_id}/seats"))
            .await?
            .json()
            .await?;
        let mut out = Vec::new();
        for label in labels {
            let status = map["rows"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|r| r["seats"].as_array().into_iter().flatten())
                .find(|s| s["label"] == *label)
                .and_then(|s| s["status"].as_str())
                .with_context(|| format!("seat {label} is not in the seat map"))?;
            out.push(status.to_owned());
        }
        Ok(out)
    }

    /// Polls the booking until its status is `want`, for at most `secs` seconds.
    pub async fn wait_for_status(
        &self,
        booking_id: Uuid,
        want: &str,
        secs: u64,
    ) -> anyhow::Result<Value> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let b = self.booking(booking_id).await?;
            if b["status"] == want {
                return Ok(b);
            }
            if std::time::Instant::now() > deadline {
                bail!(
                    "booking {booking_id} is {} after {secs}s, not {want}",
                    b["status"]
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
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
