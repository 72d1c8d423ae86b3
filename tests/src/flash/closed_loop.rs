//! The closed loop: N customers with no think time, each holding one seat (`POST /bookings`,
//! best available) and paying for it at once (`POST /bookings/{id}/pay`), again and again for a
//! bounded time, each on a fresh show of its own so that seats never conflict. What is left to
//! bound the rate is the orchestration: the round trips a booking costs (see [`super::trips`]).
//! Runs every N back to back in one process, so their ratio compares like with like on a
//! machine whose load changes from minute to minute.

use super::Target;
use super::stats::Latency;
use super::trips::{self, Trips};
use crate::ApiClient;
use crate::stripe::CARD_OK;
use anyhow::Context;
use mtbp_domain::BookingStatus;
use reqwest::StatusCode;
use serde::Serialize;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use uuid::Uuid;

/// Rows × seats of each customer's show: more than a customer books in the loop's time.
const ROWS: usize = 20;
const PER_ROW: u16 = 40;
/// How many of a run's completed bookings have their history read for the round trips.
const SAMPLE: usize = 40;

/// The shape of a closed-loop run.
#[derive(Clone, Debug, Serialize)]
pub struct LoopParams {
    /// Concurrent customers of each step, run one after another (e.g. 8 then 32).
    pub customers: Vec<usize>,
    /// How long each step runs.
    pub seconds: u64,
}

/// One step of the loop (one N).
#[derive(Debug, Serialize)]
pub struct LoopStep {
    /// Concurrent customers.
    pub customers: usize,
    /// Seconds the step ran.
    pub duration_seconds: f64,
    /// Bookings held and paid.
    pub completed: usize,
    /// Holds or payments answered with anything but success (counted, not retried).
    pub failed: usize,
    /// completed ÷ duration.
    pub completed_per_second: f64,
    /// `POST /bookings` sent → `pay` answered 200.
    pub booking_latency: Latency,
    /// `pay` sent → answered 200.
    pub pay_latency: Latency,
    /// `POST /bookings` sent → 201.
    pub hold_latency: Latency,
    /// What a booking cost in round trips to Temporal.
    pub trips: Trips,
}

/// The whole run.
#[derive(Debug, Serialize)]
pub struct LoopReport {
    /// What was run.
    pub params: LoopParams,
    /// One per N, in the order run.
    pub steps: Vec<LoopStep>,
}

impl LoopReport {
    /// Completed per second of the last step ÷ the first's (N=32 ÷ N=8 for `8,32`).
    pub fn ratio(&self) -> Option<f64> {
        let (first, last) = (self.steps.first()?, self.steps.last()?);
        (first.completed_per_second > 0.0)
            .then(|| last.completed_per_second / first.completed_per_second)
    }
}

/// One completed booking, as its customer timed it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timed {
    pub booking_id: Uuid,
    /// Wall-clock time the `pay` was sent (to tell from its history whether the saga started
    /// before or on the `pay`'s path).
    pub pay_sent: SystemTime,
    pub hold: Duration,
    pub pay: Duration,
    pub whole: Duration,
}

/// What the customers of a step share.
struct Step {
    api: ApiClient,
    card: String,
    until: Instant,
    done: Mutex<Vec<Timed>>,
    failed: std::sync::atomic::AtomicUsize,
}

/// Runs every step of `params` back to back.
pub async fn run_closed_loop(params: LoopParams, target: &Target) -> anyhow::Result<LoopReport> {
    let card = target.stripe.card(CARD_OK).await?;
    let mut steps = Vec::new();
    for &n in &params.customers {
        let step = run_step(n, params.seconds, target, &card).await?;
        println!(
            "  N={n}: {:.1} completed/s, booking p50 {:.0} ms p95 {:.0} ms, pay p50 {:.0} ms",
            step.completed_per_second,
            step.booking_latency.p50_ms,
            step.booking_latency.p95_ms,
            step.pay_latency.p50_ms
        );
        steps.push(step);
    }
    Ok(LoopReport { params, steps })
}

async fn run_step(n: usize, seconds: u64, target: &Target, card: &str) -> anyhow::Result<LoopStep> {
    let mut shows = Vec::with_capacity(n);
    for _ in 0..n {
        let show = target
            .operator
            .create_show(ROWS, PER_ROW)
            .await
            .context("creating a show")?;
        shows.push(show.show_id);
    }
    let calls_before = trips::api_calls(&target.api).await?;
    let started = Instant::now();
    let step = Arc::new(Step {
        api: target.api.anonymous(),
        card: card.to_owned(),
        until: started + Duration::from_secs(seconds),
        done: Mutex::new(Vec::new()),
        failed: Default::default(),
    });
    let tasks: Vec<_> = shows
        .into_iter()
        .map(|show| tokio::spawn(customer(step.clone(), show)))
        .collect();
    for t in tasks {
        t.await.context("a customer panicked")?;
    }
    let duration = started.elapsed().as_secs_f64();
    let calls_after = trips::api_calls(&target.api).await?;
    let done = step.done.lock().map(|d| d.clone()).unwrap_or_default();
    let ms = |f: fn(&Timed) -> Duration| {
        Latency::of(done.iter().map(|t| f(t).as_secs_f64() * 1e3).collect())
    };
    let trips = trips::measure(target, &done, SAMPLE, &calls_before, &calls_after).await?;
    Ok(LoopStep {
        customers: n,
        duration_seconds: duration,
        completed: done.len(),
        failed: step.failed.load(std::sync::atomic::Ordering::Relaxed),
        completed_per_second: done.len() as f64 / duration,
        booking_latency: ms(|t| t.whole),
        pay_latency: ms(|t| t.pay),
        hold_latency: ms(|t| t.hold),
        trips,
    })
}

/// One customer: hold a seat, pay at once, again, until the step's time is up.
async fn customer(step: Arc<Step>, show: Uuid) {
    while Instant::now() < step.until {
        match book_once(&step, show).await {
            Ok(Some(timed)) => {
                if let Ok(mut done) = step.done.lock() {
                    done.push(timed);
                }
            }
            Ok(None) => {
                step.failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(_) => {
                step.failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Holds the best seat and pays for it; `None` when either was refused.
async fn book_once(step: &Step, show: Uuid) -> anyhow::Result<Option<Timed>> {
    let key = Uuid::new_v4().to_string();
    let email = format!("loop-{key}@example.com");
    let sent = Instant::now();
    let resp = step.api.hold_best_for(show, 1, Some(&key), &email).await?;
    if resp.status() != StatusCode::CREATED {
        // A sold-out show ends this customer's loop early rather than spinning.
        if resp.status() == StatusCode::CONFLICT {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        return Ok(None);
    }
    let hold = sent.elapsed();
    let body: Value = resp.json().await?;
    let booking_id: Uuid = body["booking_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .context("a hold without a booking id")?;
    let pay_sent = SystemTime::now();
    let paid_at = Instant::now();
    let resp = step.api.pay(booking_id, &step.card).await?;
    let ok = match resp.status() {
        StatusCode::OK => true,
        StatusCode::ACCEPTED => follow(&step.api, booking_id).await,
        _ => false,
    };
    Ok(ok.then(|| Timed {
        booking_id,
        pay_sent,
        hold,
        pay: paid_at.elapsed(),
        whole: sent.elapsed(),
    }))
}

/// A `pay` still running after the API's wait: polls the booking until it settles (a minute
/// at most); whether it was booked.
async fn follow(api: &ApiClient, booking_id: Uuid) -> bool {
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
        match api.booking(booking_id).await.map(|b| b.status) {
            Ok(BookingStatus::BookingCompleted | BookingStatus::Invoiced) => return true,
            Ok(BookingStatus::PreBooking)
            | Ok(BookingStatus::PaymentInitiated)
            | Ok(BookingStatus::PaymentCompleted)
            | Err(_) => {}
            Ok(_) => return false,
        }
    }
    false
}
