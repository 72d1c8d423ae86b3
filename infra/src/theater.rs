//! The theater connector: the platform's client of a theater's box office (the reference
//! server is `mtbp-boxoffice`; its API is in `boxoffice/README.md`).
//!
//! Every call has a short timeout and is retried a couple of times on transport errors (each
//! call is idempotent: locks and sales carry the booking's id as their reference). A circuit
//! breaker per box office answers at once while a theater is down, so a dead theater costs a
//! customer no waiting and a worker no slots; the saga's own retries carry the durable part.

use chrono::{DateTime, Utc};
use failsafe::backoff::{self, Exponential};
use failsafe::failure_policy::{self, ConsecutiveFailures};
use failsafe::{Config, StateMachine};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one HTTP call to a box office may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// Attempts of one call on a transport error (the first included).
const ATTEMPTS: u32 = 2;
/// Consecutive failures that open a box office's circuit.
const TRIP_AFTER: u32 = 3;

/// What went wrong talking to a theater.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TheaterError {
    /// The box office did not answer, answered 5xx, or its circuit is open: try again later.
    #[error("the theater's box office is unavailable: {0}")]
    Unavailable(String),
    /// Seats taken at the theater (locked by others, sold at its counter, or refused).
    #[error("seats not available at the theater: {}", seats.join(", "))]
    SeatsUnavailable {
        /// The seats it named.
        seats: Vec<String>,
    },
    /// The box office refused for good (a lapsed lock, a rejected confirm, a bad request).
    #[error("the theater refused: {code}: {message}")]
    Refused {
        /// Its error code, e.g. `lock_expired`, `rejected`.
        code: String,
        /// Its words.
        message: String,
    },
}

impl TheaterError {
    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// A lock the box office made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TheaterLock {
    /// Its id at the box office.
    pub lock_id: String,
    /// When the box office lets it lapse.
    pub expires_at: DateTime<Utc>,
}

/// A sale at the box office.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TheaterSale {
    /// Its id at the box office.
    pub sale_id: String,
    /// Seats still sold.
    #[serde(default)]
    pub seats: Vec<String>,
    /// Seats cancelled since.
    #[serde(default)]
    pub cancelled_seats: Vec<String>,
    /// `sold` or `cancelled`.
    #[serde(default)]
    pub status: String,
}

/// The booking as the theater is told of it.
#[derive(Clone, Debug, Serialize)]
pub struct SaleBooking<'a> {
    /// The booking's id: the sale's reference.
    pub reference: String,
    /// The ticket code the customer shows at the door.
    pub ticket_code: &'a str,
    /// What the customer paid.
    pub amount_minor: i64,
    /// Its currency.
    pub currency: &'a str,
}

/// Who the theater admits: the customer's contact, sent to the theater only (never logged).
#[derive(Clone, Debug, Serialize)]
pub struct SaleCustomer<'a> {
    /// Name on the booking.
    pub name: &'a str,
    /// Email on the booking.
    pub email: &'a str,
    /// Phone, if given.
    pub phone: Option<&'a str>,
}

/// A seat's state at the box office.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TheaterSeat {
    /// Its label.
    pub label: String,
    /// `available`, `locked` or `sold`.
    pub state: String,
}

#[derive(Deserialize)]
struct SeatsAnswer {
    seats: Vec<TheaterSeat>,
}

#[derive(Deserialize, Default)]
struct ErrorAnswer {
    #[serde(default)]
    error: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    seats: Vec<String>,
}

type Breaker = StateMachine<ConsecutiveFailures<Exponential>, ()>;

/// The client of every connected theater's box office; cheap to clone.
#[derive(Clone)]
pub struct TheaterConnector {
    http: reqwest::Client,
    breakers: Arc<Mutex<HashMap<String, Breaker>>>,
    /// How long an open circuit stays open at first (doubling while the theater stays down).
    open_for: Duration,
}

impl std::fmt::Debug for TheaterConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TheaterConnector").finish_non_exhaustive()
    }
}

impl TheaterConnector {
    /// A connector whose open circuits retry after `open_for` (doubling up to a minute).
    pub fn new(open_for: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(Duration::from_secs(1))
            .build()?;
        Ok(Self {
            http,
            breakers: Arc::new(Mutex::new(HashMap::new())),
            open_for,
        })
    }

    fn breaker(&self, base_url: &str) -> Breaker {
        let mut map = self
            .breakers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(base_url.to_owned())
            .or_insert_with(|| {
                let wait = backoff::exponential(self.open_for, Duration::from_secs(60));
                Config::new()
                    .failure_policy(failure_policy::consecutive_failures(TRIP_AFTER, wait))
                    .build()
            })
            .clone()
    }

    /// Sends `build()` (rebuilt per attempt) through the box office's circuit; answers the
    /// status and body of a definite answer (2xx or 4xx).
    async fn send(
        &self,
        base_url: &str,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, bytes::Bytes), TheaterError> {
        let breaker = self.breaker(base_url);
        let mut last = String::new();
        for _ in 0..ATTEMPTS {
            if !breaker.is_call_permitted() {
                return Err(TheaterError::Unavailable(format!(
                    "circuit open after repeated failures ({last})"
                )));
            }
            match build(&self.http).send().await {
                Ok(resp) if resp.status().is_server_error() => {
                    breaker.on_error();
                    last = format!("HTTP {}", resp.status());
                }
                Ok(resp) => {
                    let status = resp.status();
                    match resp.bytes().await {
                        Ok(body) => {
                            breaker.on_success();
                            return Ok((status, body));
                        }
                        Err(e) => {
                            breaker.on_error();
                            last = e.to_string();
                        }
                    }
                }
                Err(e) => {
                    breaker.on_error();
                    last = if e.is_timeout() {
                        "timed out".to_owned()
                    } else if e.is_connect() {
                        "connection refused".to_owned()
                    } else {
                        e.to_string()
                    };
                }
            }
        }
        Err(TheaterError::Unavailable(last))
    }

    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        base_url: &str,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<T, TheaterError> {
        let (status, body) = self.send(base_url, build).await?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| {
                TheaterError::Unavailable(format!("the box office's answer does not parse: {e}"))
            });
        }
        Err(refusal(status, &body))
    }

    /// The seats' states at the box office.
    pub async fn seats(
        &self,
        base_url: &str,
        show: &str,
        seats: &[String],
    ) -> Result<Vec<TheaterSeat>, TheaterError> {
        let url = format!("{base_url}/v1/shows/{show}/seats");
        let list = seats.join(",");
        let answer: SeatsAnswer = self
            .call(base_url, |http| http.get(&url).query(&[("seats", &list)]))
            .await?;
        Ok(answer.seats)
    }

    /// Locks the seats for `seconds` under `reference` (the booking's id); the same reference
    /// again answers the same lock.
    pub async fn lock(
        &self,
        base_url: &str,
        show: &str,
        seats: &[String],
        seconds: u32,
        reference: &str,
    ) -> Result<TheaterLock, TheaterError> {
        let url = format!("{base_url}/v1/locks");
        let body = serde_json::json!({
            "show": show, "seats": seats, "seconds": seconds, "reference": reference,
        });
        self.call(base_url, |http| http.post(&url).json(&body))
            .await
    }

    /// Confirms a lock into a sale, telling the theater who is coming.
    pub async fn confirm(
        &self,
        base_url: &str,
        lock_id: &str,
        booking: &SaleBooking<'_>,
        customer: &SaleCustomer<'_>,
    ) -> Result<TheaterSale, TheaterError> {
        let url = format!("{base_url}/v1/locks/{lock_id}/confirm");
        let body = serde_json::json!({ "booking": booking, "customer": customer });
        self.call(base_url, |http| http.post(&url).json(&body))
            .await
    }

    /// Releases a lock; a lock already gone (released, lapsed or unknown) is released.
    pub async fn release(&self, base_url: &str, lock_id: &str) -> Result<(), TheaterError> {
        let url = format!("{base_url}/v1/locks/{lock_id}");
        let (status, body) = self.send(base_url, |http| http.delete(&url)).await?;
        if status.is_success() || status == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        Err(refusal(status, &body))
    }

    /// Sends a designated-rows sale: the seats the platform sold, and who is coming.
    pub async fn sell(
        &self,
        base_url: &str,
        show: &str,
        seats: &[String],
        booking: &SaleBooking<'_>,
        customer: &SaleCustomer<'_>,
    ) -> Result<TheaterSale, TheaterError> {
        let url = format!("{base_url}/v1/sales");
        let body = serde_json::json!({
            "show": show, "seats": seats, "booking": booking, "customer": customer,
        });
        self.call(base_url, |http| http.post(&url).json(&body))
            .await
    }

    /// The sale of `reference`, if the box office has one.
    pub async fn sale_of(
        &self,
        base_url: &str,
        reference: &str,
    ) -> Result<Option<TheaterSale>, TheaterError> {
        let url = format!("{base_url}/v1/sales/by-reference/{reference}");
        match self.call(base_url, |http| http.get(&url)).await {
            Ok(sale) => Ok(Some(sale)),
            Err(TheaterError::Refused { code, .. }) if code == "unknown_sale" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Cancels some seats of a sale (all when `seats` is `None`).
    pub async fn cancel_sale(
        &self,
        base_url: &str,
        sale_id: &str,
        seats: Option<&[String]>,
        reason: &str,
    ) -> Result<TheaterSale, TheaterError> {
        let url = format!("{base_url}/v1/sales/{sale_id}/cancel");
        let body = serde_json::json!({ "seats": seats, "reason": reason });
        self.call(base_url, |http| http.post(&url).json(&body))
            .await
    }
}

fn refusal(status: reqwest::StatusCode, body: &[u8]) -> TheaterError {
    let e: ErrorAnswer = serde_json::from_slice(body).unwrap_or_default();
    if e.error == "seats_unavailable" {
        return TheaterError::SeatsUnavailable { seats: e.seats };
    }
    TheaterError::Refused {
        code: if e.error.is_empty() {
            format!("http_{}", status.as_u16())
        } else {
            e.error
        },
        message: e.message,
    }
}
