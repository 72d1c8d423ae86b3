//! The sale: customers pick seats (on the map, or the best-available suggestion), hold them,
//! retry on 409, and pay, abandon, or pay with a card that is declined.

use super::stats::{Latency, Timeline, TimelineBucket};
use super::{End, Outcome, Params, Target};
use crate::ApiClient;
use crate::stripe::{CARD_DECLINED, CARD_OK};
use anyhow::Context;
use mtbp_domain::BookingStatus;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The sale's figures.
#[derive(Debug, Serialize)]
pub struct SaleFigures {
    /// Seats on sale.
    pub seats_on_sale: usize,
    /// Hold attempts (`POST /bookings`), not counting best-seat requests answered "no block
    /// that long is free".
    pub attempts: usize,
    /// Times a customer found nothing free (an empty availability, or no block of the size
    /// asked for) and looked again 1-3 s later.
    pub nothing_free: usize,
    /// Holds granted (201).
    pub holds: usize,
    /// Holds refused because a seat was taken (409).
    pub conflicts: usize,
    /// conflicts ÷ attempts.
    pub conflict_rate: f64,
    /// Answers that were neither 201 nor 409, and transport errors.
    pub errors: usize,
    /// Bookings paid and booked.
    pub bookings_completed: usize,
    /// Holds never paid.
    pub abandoned: usize,
    /// Payments declined by the gateway.
    pub declined: usize,
    /// Payments refused for another reason (the hold lapsed first, …).
    pub pay_refused: usize,
    /// Bookings the platform expired (its hold timer fired), from the database.
    pub expired: i64,
    /// Seconds from the first request until sold out, or until the customers stopped.
    pub duration_seconds: f64,
    /// Seconds until every seat was booked, if that happened.
    pub sold_out_after_seconds: Option<f64>,
    /// holds ÷ duration.
    pub holds_per_second: f64,
    /// bookings completed ÷ duration.
    pub completed_per_second: f64,
    /// `POST /bookings` → 201.
    pub hold_latency: Latency,
    /// 201 → `pay` answered 200 (think time included).
    pub hold_to_completed_latency: Latency,
    /// `pay` sent → answered 200: the saga's charge and confirm as the customer waits for it.
    pub pay_latency: Latency,
    /// Most holds granted in any one second.
    pub peak_holds_per_second: f64,
    /// Most bookings completed in any five seconds, per second.
    pub peak_completed_per_second: f64,
    /// Per second of the sale.
    pub timeline: Vec<TimelineBucket>,
}

/// The sale's outcome: figures for the report, outcomes for the reconciliation.
#[derive(Debug)]
pub struct Sale {
    /// The shows sold.
    pub show_ids: Vec<Uuid>,
    /// Every booking a customer held.
    pub outcomes: Vec<Outcome>,
    /// Figures.
    pub figures: SaleFigures,
}

struct Shared {
    params: Params,
    shows: Vec<Uuid>,
    ok_card: String,
    declined_card: String,
    started: Instant,
    deadline: Instant,
    sold_out: AtomicBool,
    attempts: AtomicUsize,
    nothing_free: AtomicUsize,
    timeline: Mutex<Timeline>,
    outcomes: Mutex<Vec<Outcome>>,
    errors: AtomicUsize,
}

impl Shared {
    fn going(&self) -> bool {
        !self.sold_out.load(Ordering::Relaxed) && Instant::now() < self.deadline
    }

    /// A customer gives up following a payment by then.
    fn deadline_to_settle(&self) -> Instant {
        self.deadline + Duration::from_secs(120)
    }

    fn record(&self, f: impl FnOnce(&mut Timeline, f64)) {
        let t = self.started.elapsed().as_secs_f64();
        if let Ok(mut timeline) = self.timeline.lock() {
            f(&mut timeline, t);
        }
    }
}

/// Creates the shows, lets the customers loose, waits for every saga to settle.
pub async fn run_sale(params: &Params, target: &Target) -> anyhow::Result<Sale> {
    let mut show_ids = Vec::with_capacity(params.shows);
    for _ in 0..params.shows {
        let show = target
            .operator
            .create_show(params.rows, params.per_row)
            .await
            .context("creating a show")?;
        show_ids.push(show.show_id);
    }
    let ok_card = target.stripe.card(CARD_OK).await?;
    let declined_card = target.stripe.card(CARD_DECLINED).await?;
    let started = Instant::now();
    let shared = Arc::new(Shared {
        params: params.clone(),
        shows: show_ids.clone(),
        ok_card,
        declined_card,
        started,
        deadline: started + params.sale_limit,
        sold_out: AtomicBool::new(false),
        attempts: AtomicUsize::new(0),
        nothing_free: AtomicUsize::new(0),
        timeline: Mutex::new(Timeline::default()),
        outcomes: Mutex::new(Vec::new()),
        errors: AtomicUsize::new(0),
    });
    let monitor = tokio::spawn(watch_sell_out(shared.clone(), target.db.clone()));
    let customers: Vec<_> = (0..params.customers)
        .map(|i| {
            let shared = shared.clone();
            let api = target.api.anonymous();
            tokio::spawn(async move { customer(i, shared, api).await })
        })
        .collect();
    for c in customers {
        c.await.context("a customer panicked")?;
    }
    let stopped = started.elapsed();
    let sold_out_at = monitor.await.context("the sell-out monitor panicked")??;
    settle(target, &show_ids, params).await?;

    let expired: i64 = sqlx::query_scalar(
        "select count(*) from bookings where show_id = any($1) and status = 'Expired'",
    )
    .bind(&show_ids)
    .fetch_one(&target.db)
    .await?;
    let outcomes = shared
        .outcomes
        .lock()
        .map(|o| o.clone())
        .unwrap_or_default();
    let timeline = shared
        .timeline
        .lock()
        .map(|t| t.clone())
        .unwrap_or_default();
    let duration = sold_out_at.unwrap_or(stopped).as_secs_f64().max(1e-3);
    let count = |end: End| outcomes.iter().filter(|o| o.end == end).count();
    let attempts = shared
        .attempts
        .load(Ordering::Relaxed)
        .min(params.max_attempts);
    let figures = SaleFigures {
        seats_on_sale: params.seats(),
        attempts,
        nothing_free: shared.nothing_free.load(Ordering::Relaxed),
        holds: timeline.holds(),
        conflicts: timeline.conflicts(),
        conflict_rate: timeline.conflicts() as f64 / attempts.max(1) as f64,
        errors: shared.errors.load(Ordering::Relaxed),
        bookings_completed: count(End::Completed),
        abandoned: count(End::Abandoned),
        declined: count(End::Declined),
        pay_refused: count(End::PayRefused),
        expired,
        duration_seconds: duration,
        sold_out_after_seconds: sold_out_at.map(|d| d.as_secs_f64()),
        holds_per_second: timeline.holds() as f64 / duration,
        completed_per_second: count(End::Completed) as f64 / duration,
        hold_latency: timeline.hold_latency(),
        hold_to_completed_latency: timeline.completion_latency(),
        pay_latency: timeline.pay_latency(),
        peak_holds_per_second: timeline.peak_holds_per_second(),
        peak_completed_per_second: timeline.peak_completed_per_second(),
        timeline: timeline.buckets(),
    };
    Ok(Sale {
        show_ids,
        outcomes,
        figures,
    })
}

/// One stream of arriving customers: until the sale ends, each picks seats and holds them,
/// then pays (or not) on a task of its own.
async fn customer(i: usize, shared: Arc<Shared>, api: ApiClient) {
    let mut rng = StdRng::seed_from_u64(shared.params.seed.wrapping_add(i as u64));
    let mut payments = Vec::new();
    while shared.going() {
        let show = shared.shows[rng.random_range(0..shared.shows.len())];
        let count = rng.random_range(1..=shared.params.max_seats.max(1));
        let best = rng.random::<f64>() < shared.params.best_share;
        // Half the customers pick on the map; the others ask the API for the best seats, which
        // it chooses and holds in one step.
        let labels = if best {
            Vec::new()
        } else {
            match pick_seats(&api, show, count, &mut rng).await {
                Ok(seats) if !seats.is_empty() => seats,
                Ok(_) => {
                    shared.nothing_free.fetch_add(1, Ordering::Relaxed);
                    idle(&mut rng).await;
                    continue;
                }
                Err(_) => {
                    shared.errors.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            }
        };
        if shared.attempts.fetch_add(1, Ordering::Relaxed) >= shared.params.max_attempts {
            break;
        }
        let key = Uuid::new_v4().to_string();
        // Each arrival is a customer of their own, as in a real sale: one email never has more
        // than this one hold, well within the API's per-email limit.
        let email = format!("fan-{key}@example.com");
        let sent = Instant::now();
        let answer = if best {
            api.hold_best_for(show, count, Some(&key), &email).await
        } else {
            let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
            api.hold_for(show, &labels, Some(&key), &email).await
        };
        let latency = sent.elapsed();
        let (status, body) = match answer {
            Ok(resp) => (
                resp.status(),
                resp.json::<Value>().await.unwrap_or_default(),
            ),
            Err(_) => {
                shared.errors.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        match status {
            StatusCode::CREATED => {}
            // No block that long is free: as with an empty map, not a race lost; look again
            // in a while.
            StatusCode::CONFLICT if body["error"]["code"] == "not_enough_seats_together" => {
                shared.attempts.fetch_sub(1, Ordering::Relaxed);
                shared.nothing_free.fetch_add(1, Ordering::Relaxed);
                idle(&mut rng).await;
                continue;
            }
            StatusCode::CONFLICT => {
                shared.record(|t, at| t.conflict(at));
                continue;
            }
            _ => {
                shared.errors.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        }
        let Some(booking_id) = body["booking_id"].as_str().and_then(|s| s.parse().ok()) else {
            shared.errors.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let seats = body["seats"].as_array().map_or(0, Vec::len);
        shared.record(|t, at| t.held(at, latency));
        // The customer now types in card details while the next customer arrives: paying
        // never holds up the next hold.
        let (shared, api) = (shared.clone(), api.clone());
        let mut rng = StdRng::seed_from_u64(rng.random());
        payments.push(tokio::spawn(async move {
            let end = settle_hold(&shared, &api, booking_id, &mut rng).await;
            if let Ok(mut outcomes) = shared.outcomes.lock() {
                outcomes.push(Outcome {
                    booking_id,
                    seats,
                    end,
                });
            }
        }));
    }
    for p in payments {
        let _ = p.await;
    }
}

/// Pays for a hold, or walks away from it.
async fn settle_hold(shared: &Shared, api: &ApiClient, booking_id: Uuid, rng: &mut StdRng) -> End {
    let roll = rng.random::<f64>();
    let p = &shared.params;
    if roll < p.abandon_share {
        return End::Abandoned;
    }
    let card = if roll < p.abandon_share + p.decline_share {
        &shared.declined_card
    } else {
        &shared.ok_card
    };
    let held_at = Instant::now();
    if p.think_ms > 0 {
        tokio::time::sleep(p.think(rng)).await;
    }
    let paid_at = Instant::now();
    let answer = match api.pay(booking_id, card).await.map(|r| r.status()) {
        // Still running after the API's wait: follow the booking until it settles.
        Ok(StatusCode::ACCEPTED) => follow(api, booking_id, shared.deadline_to_settle()).await,
        Ok(status) => Paid::Answered(status),
        Err(_) => Paid::Lost,
    };
    match answer {
        Paid::Answered(StatusCode::OK) => {
            let (whole, pay) = (held_at.elapsed(), paid_at.elapsed());
            shared.record(|t, at| t.completed(at, whole, pay));
            End::Completed
        }
        Paid::Answered(StatusCode::PAYMENT_REQUIRED) => End::Declined,
        Paid::Answered(_) => End::PayRefused,
        Paid::Lost => {
            shared.errors.fetch_add(1, Ordering::Relaxed);
            End::PayRefused
        }
    }
}

/// How a payment ended, as the customer saw it.
enum Paid {
    /// As the API would have answered `pay` once settled.
    Answered(StatusCode),
    /// No answer (transport error, or never settled in time).
    Lost,
}

/// Polls `GET /bookings/{id}` every second (the API's `Retry-After`) until the booking settles.
async fn follow(api: &ApiClient, booking_id: Uuid, until: Instant) -> Paid {
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let Ok(booking) = api.booking(booking_id).await else {
            continue;
        };
        match booking.status {
            BookingStatus::BookingCompleted
            | BookingStatus::Invoiced
            | BookingStatus::SettlementDone => {
                return Paid::Answered(StatusCode::OK);
            }
            BookingStatus::PaymentFailed => return Paid::Answered(StatusCode::PAYMENT_REQUIRED),
            BookingStatus::Expired | BookingStatus::Refunded | BookingStatus::Cancelled => {
                return Paid::Answered(StatusCode::CONFLICT);
            }
            BookingStatus::PreBooking
            | BookingStatus::PaymentInitiated
            | BookingStatus::PaymentCompleted => {}
        }
    }
    Paid::Lost
}

/// Nothing free right now (held seats may come back): the customer looks again in a while, as
/// a person refreshing the page would.
async fn idle(rng: &mut StdRng) {
    tokio::time::sleep(Duration::from_millis(rng.random_range(1_000..3_000))).await;
}

/// A run of free seats picked on the map: the customer's screen shows the layout (fetched once,
/// it does not change) and polls which seats are free (`…/seats/availability`).
async fn pick_seats(
    api: &ApiClient,
    show: Uuid,
    count: usize,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<String>> {
    let free: Availability = api
        .get(&format!("/shows/{show}/seats/availability"))
        .await?
        .json()
        .await?;
    Ok(pick_on_map(&free, count, rng))
}

/// The parts of `GET /shows/{id}/seats/availability` a customer reads.
#[derive(Deserialize)]
struct Availability {
    rows: Vec<AvailableRow>,
}

#[derive(Deserialize)]
struct AvailableRow {
    row: String,
    seats: Vec<i32>,
}

/// A random run of `count` free seats side by side (consecutive numbers) in one row; failing
/// that, any `count` free seats of the map.
fn pick_on_map(free: &Availability, count: usize, rng: &mut StdRng) -> Vec<String> {
    let mut runs: Vec<(&str, &[i32])> = Vec::new();
    for row in &free.rows {
        let mut start = 0;
        for i in 1..=row.seats.len() {
            if i == row.seats.len() || row.seats[i] != row.seats[i - 1] + 1 {
                if i - start >= count {
                    runs.push((&row.row, &row.seats[start..i]));
                }
                start = i;
            }
        }
    }
    let label = |row: &str, n: &i32| format!("{row}{n}");
    if !runs.is_empty() {
        let (row, run) = runs[rng.random_range(0..runs.len())];
        let start = rng.random_range(0..=run.len() - count);
        return run[start..start + count]
            .iter()
            .map(|n| label(row, n))
            .collect();
    }
    let all: Vec<String> = free
        .rows
        .iter()
        .flat_map(|r| r.seats.iter().map(|n| label(&r.row, n)))
        .collect();
    if all.is_empty() {
        return all;
    }
    let start = rng.random_range(0..all.len());
    let n = count.min(all.len());
    all.into_iter().cycle().skip(start).take(n).collect()
}

/// Polls the seats every 200 ms; returns when every seat is booked (then the sale is over) or
/// when the customers have stopped.
async fn watch_sell_out(shared: Arc<Shared>, db: sqlx::PgPool) -> anyhow::Result<Option<Duration>> {
    let total = shared.params.seats() as i64;
    loop {
        let booked: i64 = sqlx::query_scalar(
            "select count(*) from show_seats where show_id = any($1) and status = 'booked'",
        )
        .bind(&shared.shows)
        .fetch_one(&db)
        .await?;
        shared.record(|t, at| t.booked(at, booked));
        if booked >= total {
            shared.sold_out.store(true, Ordering::Relaxed);
            return Ok(Some(shared.started.elapsed()));
        }
        if Instant::now() >= shared.deadline
            || shared.attempts.load(Ordering::Relaxed) >= shared.params.max_attempts
        {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until every booking of the sale has reached a final status and every saga started:
/// abandoned holds end when their timer fires.
async fn settle(target: &Target, shows: &[Uuid], params: &Params) -> anyhow::Result<()> {
    let limit = Instant::now() + Duration::from_secs(u64::from(params.hold_seconds) + 120);
    loop {
        let (open, unstarted): (i64, i64) = sqlx::query_as(
            "select (select count(*) from bookings where show_id = any($1)
                       and status in ('PreBooking', 'PaymentInitiated', 'PaymentCompleted')),
                    (select count(*) from saga_starts s join bookings b using (booking_id)
                      where b.show_id = any($1))",
        )
        .bind(shows)
        .fetch_one(&target.db)
        .await?;
        if open == 0 && unstarted == 0 {
            return Ok(());
        }
        if Instant::now() >= limit {
            // Left as is: the reconciliation reports them as lost.
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
