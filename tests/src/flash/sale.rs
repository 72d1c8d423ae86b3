//! The sale as a whole: the shows are created, the customers let loose, the sell-out watched,
//! and every saga left to settle before the figures are read.

use super::customers::{Shared, customer};
use super::stats::{Latency, Timeline, TimelineBucket};
use super::{End, Outcome, Params, Target};
use crate::stripe::{CARD_DECLINED, CARD_OK};
use anyhow::Context;
use serde::Serialize;
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
    /// Payments refused for another reason (the hold lapsed first, the price changed twice, …).
    pub pay_refused: usize,
    /// Holds granted whose customer entered the sale's code.
    pub code_holds: usize,
    /// Of those, holds quoted with the code's discount (the others were held at full price:
    /// the code was used up at that moment).
    pub code_quoted: usize,
    /// Holds whose `pay` answered `price_changed` (the code ran out, or came free again, since
    /// the quote) and whose customer paid again at the new price.
    pub repriced: usize,
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
    /// First `pay` sent → answered 200: the saga's charge and confirm as the customer waits
    /// for it (a second `pay` after a changed price included).
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

/// Creates the shows, lets the customers loose (those picked for it enter `code`), waits for
/// every saga to settle.
pub async fn run_sale(
    params: &Params,
    target: &Target,
    code: Option<&str>,
) -> anyhow::Result<Sale> {
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
        code: code.map(str::to_owned),
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
    let ended = Ended {
        duration: sold_out_at.unwrap_or(stopped).as_secs_f64().max(1e-3),
        sold_out_at,
        expired,
    };
    let figures = figures(params, &shared, &outcomes, &ended);
    Ok(Sale {
        show_ids,
        outcomes,
        figures,
    })
}

/// How the sale ended.
struct Ended {
    /// Seconds measured.
    duration: f64,
    sold_out_at: Option<Duration>,
    expired: i64,
}

fn figures(params: &Params, shared: &Shared, outcomes: &[Outcome], ended: &Ended) -> SaleFigures {
    let timeline = shared
        .timeline
        .lock()
        .map(|t| t.clone())
        .unwrap_or_default();
    let duration = ended.duration;
    let count = |end: End| outcomes.iter().filter(|o| o.end == end).count();
    let tally = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let attempts = shared
        .attempts
        .load(Ordering::Relaxed)
        .min(params.max_attempts);
    SaleFigures {
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
        code_holds: tally(|o| o.sent_code),
        code_quoted: tally(|o| o.quoted_offer),
        repriced: tally(|o| o.repriced),
        expired: ended.expired,
        duration_seconds: duration,
        sold_out_after_seconds: ended.sold_out_at.map(|d| d.as_secs_f64()),
        holds_per_second: timeline.holds() as f64 / duration,
        completed_per_second: count(End::Completed) as f64 / duration,
        hold_latency: timeline.hold_latency(),
        hold_to_completed_latency: timeline.completion_latency(),
        pay_latency: timeline.pay_latency(),
        peak_holds_per_second: timeline.peak_holds_per_second(),
        peak_completed_per_second: timeline.peak_completed_per_second(),
        timeline: timeline.buckets(),
    }
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
