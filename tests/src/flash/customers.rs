//! The customers: each stream of arrivals picks seats (on the map, or the best-available
//! suggestion), some with the sale's limited code, holds them, retries on 409, and hands the
//! hold to a payment task of its own.

use super::payment::{Held, settle_hold};
use super::seat_map::pick_seats;
use super::stats::Timeline;
use super::{Outcome, Params};
use crate::ApiClient;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// What the customers share: the sale's shape, its cards and code, and the tallies.
pub(super) struct Shared {
    pub params: Params,
    pub shows: Vec<Uuid>,
    /// The limited code some customers enter, if the sale has one.
    pub code: Option<String>,
    pub ok_card: String,
    pub declined_card: String,
    pub started: Instant,
    pub deadline: Instant,
    pub sold_out: AtomicBool,
    pub attempts: AtomicUsize,
    pub nothing_free: AtomicUsize,
    pub timeline: Mutex<Timeline>,
    pub outcomes: Mutex<Vec<Outcome>>,
    pub errors: AtomicUsize,
}

impl Shared {
    fn going(&self) -> bool {
        !self.sold_out.load(Ordering::Relaxed) && Instant::now() < self.deadline
    }

    /// A customer gives up following a payment by then.
    pub fn deadline_to_settle(&self) -> Instant {
        self.deadline + Duration::from_secs(120)
    }

    /// Records an event in the timeline at the time since the sale started.
    pub fn record(&self, f: impl FnOnce(&mut Timeline, f64)) {
        let t = self.started.elapsed().as_secs_f64();
        if let Ok(mut timeline) = self.timeline.lock() {
            f(&mut timeline, t);
        }
    }

    fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// One stream of arriving customers: until the sale ends, each picks seats and holds them,
/// then pays (or not) on a task of its own.
pub(super) async fn customer(i: usize, shared: Arc<Shared>, api: ApiClient) {
    let mut rng = StdRng::seed_from_u64(shared.params.seed.wrapping_add(i as u64));
    let mut payments = Vec::new();
    while shared.going() {
        let (held, outcome) = match attempt(&shared, &api, &mut rng).await {
            Attempt::Held(held, outcome) => (held, outcome),
            Attempt::Again => continue,
            Attempt::Stop => break,
        };
        // The customer now types in card details while the next customer arrives: paying
        // never holds up the next hold.
        let (shared, api) = (shared.clone(), api.clone());
        let mut rng = StdRng::seed_from_u64(rng.random());
        payments.push(tokio::spawn(async move {
            let settled = settle_hold(&shared, &api, held, &mut rng).await;
            if let Ok(mut outcomes) = shared.outcomes.lock() {
                outcomes.push(Outcome {
                    end: settled.end,
                    repriced: settled.repriced,
                    ..outcome
                });
            }
        }));
    }
    for p in payments {
        let _ = p.await;
    }
}

/// What one hold attempt came to.
enum Attempt {
    /// Held; the outcome so far (its end is filled in once paid or abandoned).
    Held(Held, Outcome),
    /// Not held (taken, nothing free, an error): the customer tries again.
    Again,
    /// The sale's attempts are used up.
    Stop,
}

/// What a customer asks to hold.
struct Choice {
    show: Uuid,
    count: usize,
    /// Seats picked on the map; empty for the best-available suggestion.
    labels: Vec<String>,
    /// Enters the sale's code.
    code: Option<String>,
}

/// One customer: choose, hold, and read the answer.
async fn attempt(shared: &Shared, api: &ApiClient, rng: &mut StdRng) -> Attempt {
    let Some(choice) = choose(shared, api, rng).await else {
        return Attempt::Again;
    };
    if shared.attempts.fetch_add(1, Ordering::Relaxed) >= shared.params.max_attempts {
        return Attempt::Stop;
    }
    let sent = Instant::now();
    let answer = hold(api, &choice).await;
    let latency = sent.elapsed();
    let (status, body) = match answer {
        Ok(resp) => (
            resp.status(),
            resp.json::<Value>().await.unwrap_or_default(),
        ),
        Err(_) => {
            shared.error();
            return Attempt::Again;
        }
    };
    read_hold(shared, rng, &choice, status, &body, latency).await
}

/// What the hold's answer means for the customer.
async fn read_hold(
    shared: &Shared,
    rng: &mut StdRng,
    choice: &Choice,
    status: StatusCode,
    body: &Value,
    latency: Duration,
) -> Attempt {
    match status {
        StatusCode::CREATED => {}
        // No block that long is free: as with an empty map, not a race lost; look again in a
        // while.
        StatusCode::CONFLICT if body["error"]["code"] == "not_enough_seats_together" => {
            shared.attempts.fetch_sub(1, Ordering::Relaxed);
            shared.nothing_free.fetch_add(1, Ordering::Relaxed);
            idle(rng).await;
            return Attempt::Again;
        }
        StatusCode::CONFLICT => {
            shared.record(|t, at| t.conflict(at));
            return Attempt::Again;
        }
        _ => {
            shared.error();
            return Attempt::Again;
        }
    }
    let (Some(booking_id), Some(total_minor)) = (
        body["booking_id"].as_str().and_then(|s| s.parse().ok()),
        body["amount_minor"].as_i64(),
    ) else {
        shared.error();
        return Attempt::Again;
    };
    shared.record(|t, at| t.held(at, latency));
    let outcome = Outcome {
        booking_id,
        seats: body["seats"].as_array().map_or(0, Vec::len),
        end: super::End::Abandoned,
        sent_code: choice.code.is_some(),
        quoted_offer: body["quote"]["offers"]
            .as_array()
            .is_some_and(|o| !o.is_empty()),
        repriced: false,
    };
    let held = Held {
        booking_id,
        total_minor,
    };
    Attempt::Held(held, outcome)
}

/// Picks a show, a number of seats, the way to choose them and whether to enter the code;
/// `None` when nothing fitting is free (the customer has waited a while) or the map failed.
async fn choose(shared: &Shared, api: &ApiClient, rng: &mut StdRng) -> Option<Choice> {
    let show = shared.shows[rng.random_range(0..shared.shows.len())];
    let count = rng.random_range(1..=shared.params.max_seats.max(1));
    let best = rng.random::<f64>() < shared.params.best_share;
    // Drawn only when the sale has a code, so a sale without one makes the same choices as
    // before codes existed.
    let code = match &shared.code {
        Some(code) if rng.random::<f64>() < shared.params.code_share => Some(code.clone()),
        _ => None,
    };
    // Half the customers pick on the map; the others ask the API for the best seats, which it
    // chooses and holds in one step.
    let labels = if best {
        Vec::new()
    } else {
        match pick_seats(api, show, count, rng).await {
            Ok(seats) if !seats.is_empty() => seats,
            Ok(_) => {
                shared.nothing_free.fetch_add(1, Ordering::Relaxed);
                idle(rng).await;
                return None;
            }
            Err(_) => {
                shared.error();
                tokio::time::sleep(Duration::from_millis(100)).await;
                return None;
            }
        }
    };
    Some(Choice {
        show,
        count,
        labels,
        code,
    })
}

/// `POST /bookings` for the choice, with an idempotency key.
async fn hold(api: &ApiClient, choice: &Choice) -> anyhow::Result<reqwest::Response> {
    let key = Uuid::new_v4().to_string();
    // Each arrival is a customer of their own, as in a real sale: one email never has more
    // than this one hold, well within the API's per-email limit.
    let email = format!("fan-{key}@example.com");
    let mut body = json!({"show_id": choice.show,
                          "contact": {"name": "Test Customer", "email": email}});
    if choice.labels.is_empty() {
        body["best"] = json!({ "count": choice.count });
    } else {
        body["seats"] = json!(choice.labels);
    }
    if let Some(code) = &choice.code {
        body["offer_code"] = json!(code);
    }
    let req = api
        .request(Method::POST, "/bookings")
        .header("Idempotency-Key", &key)
        .json(&body);
    api.send(req).await
}

/// Nothing free right now (held seats may come back): the customer looks again in a while, as
/// a person refreshing the page would.
async fn idle(rng: &mut StdRng) {
    tokio::time::sleep(Duration::from_millis(rng.random_range(1_000..3_000))).await;
}
