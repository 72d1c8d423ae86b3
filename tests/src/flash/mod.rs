//! The flash-sale load generator: many customers race for the seats of a few shows through the
//! REST API, then the same run measures what the machine allows (the database's hold limit and
//! Temporal's orchestration limit) and reconciles seats, bookings and money. A share of the
//! customers may enter a limited code that runs out during the sale; [`compare`] runs the sale
//! with and without it to show what codes cost in completions per second.
//!
//! [`run_closed_loop`] is the other shape: a few customers with no think time, holding and
//! paying at once, again and again, with the Temporal round trips a booking costs.
//!
//! Used by the `flash-sale` binary (`./mtbp bench-flash`) and, at a small size, by the
//! end-to-end tests. Bounded in requests and time; loopback only.

pub mod baseline;
mod chart;
mod closed_loop;
mod compare;
mod customers;
mod limits;
mod offer;
mod payment;
mod processed;
mod reconcile;
pub mod relay_bench;
mod sale;
mod seat_map;
pub mod settle_bench;
mod stats;
mod summary;
mod trips;

pub use chart::write_svg;
pub use closed_loop::{LoopParams, LoopReport, LoopStep, run_closed_loop};
pub use compare::{Comparison, compare};
pub use offer::SaleOffer;
pub use processed::Processed;
pub use reconcile::{Check, Reconciliation, Relation, reconcile};
pub use sale::SaleFigures;
pub use stats::Latency;
pub use summary::{comparison_summary, loop_summary, summary};
pub use trips::{ApiCalls, Trips};

use crate::{ApiClient, StripeClient};
use serde::Serialize;
use sqlx::PgPool;
use std::time::Duration;
use temporalio_client::Client;
use uuid::Uuid;

/// The shape of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Params {
    /// Shows on sale at once.
    pub shows: usize,
    /// Rows per screen.
    pub rows: usize,
    /// Seats per row.
    pub per_row: u16,
    /// Concurrent customers.
    pub customers: usize,
    /// Each booking takes 1 to this many seats.
    pub max_seats: usize,
    /// Share of attempts that take the best-available suggestion (the rest pick on the map).
    pub best_share: f64,
    /// Share of holds never paid (the hold lapses).
    pub abandon_share: f64,
    /// Share of holds paid with a card the gateway declines.
    pub decline_share: f64,
    /// A customer pays at least this many milliseconds after the hold…
    pub think_from_ms: u64,
    /// …and at most this many (uniformly drawn).
    pub think_ms: u64,
    /// The API's hold length, seconds (abandoned seats come back after it).
    pub hold_seconds: u32,
    /// The sale stops by then even if seats are left.
    #[serde(with = "secs")]
    pub sale_limit: Duration,
    /// At most this many hold attempts in the sale.
    pub max_attempts: usize,
    /// Also measure the database and orchestration limits.
    pub limits: bool,
    /// The database-limit run holds at least this many seats (more shows than the sale if
    /// need be), so that it lasts long enough for a fair busiest second.
    pub limit_seats: usize,
    /// Seed of the customers' choices.
    pub seed: u64,
    /// Share of hold attempts that enter the sale's limited code (0: the sale has no code).
    pub code_share: f64,
    /// The code's redemptions in all (see [`Params::default_code_limit`]).
    pub code_limit: usize,
}

impl Params {
    /// How long a customer takes to pay, drawn from the think time.
    pub fn think(&self, rng: &mut impl rand::Rng) -> std::time::Duration {
        let from = self.think_from_ms.min(self.think_ms);
        std::time::Duration::from_millis(rng.random_range(from..=self.think_ms))
    }

    /// Seats on sale.
    pub fn seats(&self) -> usize {
        self.shows * self.rows * usize::from(self.per_row)
    }

    /// A limit that runs out about halfway through the sale: half the bookings expected to be
    /// paid with the code (seats ÷ the mean seats a booking, × the code's share (a quarter if
    /// none is set), × the share that pays with a card that works). Redemptions count bookings,
    /// not seats.
    pub fn default_code_limit(&self) -> usize {
        let share = if self.code_share > 0.0 {
            self.code_share
        } else {
            0.25
        };
        let bookings = self.seats() as f64 / ((1 + self.max_seats.max(1)) as f64 / 2.0);
        let paying = (1.0 - self.abandon_share - self.decline_share).max(0.0);
        ((bookings * share * paying / 2.0).round() as usize).max(1)
    }
}

mod secs {
    pub fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

/// The platform under load.
#[derive(Clone)]
pub struct Target {
    /// Anonymous client of the API (customers book as guests).
    pub api: ApiClient,
    /// A client allowed to create theaters, screens, movies and shows.
    pub operator: ApiClient,
    /// The platform's database, for the reconciliation and the sell-out monitor.
    pub db: PgPool,
    /// Temporal, for the orchestration limit.
    pub temporal: Client,
    /// The payment gateway, as a card-tokenising client and as an auditor.
    pub stripe: StripeClient,
}

/// Everything a run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    /// What was run.
    pub params: Params,
    /// The sale through the API.
    pub sale: SaleFigures,
    /// The code on sale, if any.
    pub offer: Option<SaleOffer>,
    /// Whether seats, bookings and money agree.
    pub reconciliation: Reconciliation,
    /// The steps after the payment: invoiced and told, and where the time went.
    pub processed: Processed,
    /// The same hold transaction straight at PostgreSQL.
    pub database_limit: Option<limits::DatabaseLimit>,
    /// An empty booking-shaped workflow on the same Temporal server.
    pub orchestration_limit: Option<limits::OrchestrationLimit>,
    /// Our rates as shares of the limits.
    pub ratios: Option<Ratios>,
    /// The shows sold.
    pub show_ids: Vec<Uuid>,
    /// What every customer saw of every hold it got (for a later reconciliation).
    #[serde(skip)]
    pub outcomes: Vec<Outcome>,
}

/// Our sustained rates divided by the limits' (busiest 1 s of holds, busiest 5 s of
/// completions, measured the same way on both sides).
#[derive(Debug, Serialize)]
pub struct Ratios {
    /// Holds per second through the API ÷ holds per second straight at PostgreSQL.
    pub holds_vs_database: f64,
    /// Completed bookings per second ÷ empty workflows completed per second.
    pub completed_vs_orchestration: f64,
    /// Fully processed bookings (invoiced and told) per second ÷ the same of the empty
    /// workflows, busiest five seconds on both sides.
    pub processed_vs_orchestration: f64,
}

/// With `params.limits`, measures the database limit (first, on a quiet machine: the highest
/// it gets), then runs the sale (with a limited code made for it if `params.code_share` is
/// above 0) and reconciles, then measures the orchestration limit with as many workflows as the
/// sale completed.
pub async fn run(params: Params, target: &Target) -> anyhow::Result<Report> {
    let database_limit = match params.limits {
        true => Some(limits::database_limit(&params).await?),
        false => None,
    };
    let offer = match params.code_share > 0.0 {
        true => Some(offer::create(target, params.code_limit).await?),
        false => None,
    };
    let code = offer.as_ref().map(|o| o.code.as_str());
    let sale = sale::run_sale(&params, target, code).await?;
    let reconciliation = reconcile(target, &sale.show_ids, &sale.outcomes, offer.as_ref()).await?;
    // Bounded: a booking still not invoiced or told after this is reported as such.
    let processed = processed::measure(target, &sale.show_ids, Duration::from_secs(300)).await?;
    let orchestration_limit = match params.limits {
        true => Some(
            limits::orchestration_limit(&params, target, sale.figures.bookings_completed).await?,
        ),
        false => None,
    };
    let ratios = match (&database_limit, &orchestration_limit) {
        (Some(d), Some(o)) => Some(Ratios {
            holds_vs_database: ratio(sale.figures.peak_holds_per_second, d.peak_holds_per_second),
            completed_vs_orchestration: ratio(
                sale.figures.peak_completed_per_second,
                o.peak_workflows_per_second,
            ),
            processed_vs_orchestration: ratio(
                processed.peak_processed_per_second,
                o.peak_processed_per_second,
            ),
        }),
        _ => None,
    };
    Ok(Report {
        params,
        sale: sale.figures,
        offer,
        reconciliation,
        processed,
        database_limit,
        orchestration_limit,
        ratios,
        show_ids: sale.show_ids,
        outcomes: sale.outcomes,
    })
}

fn ratio(ours: f64, limit: f64) -> f64 {
    if limit > 0.0 { ours / limit } else { 0.0 }
}

/// What the customers saw of one booking they held.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The booking.
    pub booking_id: Uuid,
    /// Seats held.
    pub seats: usize,
    /// What the customer did and got.
    pub end: End,
    /// The customer entered the sale's code.
    pub sent_code: bool,
    /// The hold's quote applied an offer.
    pub quoted_offer: bool,
    /// A `pay` answered `price_changed` and the customer paid again.
    pub repriced: bool,
}

/// How a held booking ended, as its customer saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Paid and booked (`pay` answered 200).
    Completed,
    /// Never paid.
    Abandoned,
    /// The gateway declined the card (402).
    Declined,
    /// `pay` answered something else (the hold lapsed, …).
    PayRefused,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Params {
        Params {
            shows: 4,
            rows: 20,
            per_row: 25,
            customers: 64,
            max_seats: 4,
            best_share: 0.5,
            abandon_share: 0.05,
            decline_share: 0.05,
            think_from_ms: 5_000,
            think_ms: 20_000,
            hold_seconds: 120,
            sale_limit: Duration::from_secs(300),
            max_attempts: 50_000,
            limits: true,
            limit_seats: 12_000,
            seed: 42,
            code_share: 0.0,
            code_limit: 0,
        }
    }

    #[test]
    fn the_default_code_limit_is_half_the_bookings_expected_to_pay_with_the_code() {
        // 2,000 seats ÷ 2.5 a booking = 800 bookings; a quarter enter the code, 90 % of them pay
        // with a card that works: 180; half of that.
        assert_eq!(defaults().default_code_limit(), 90);
        let half = Params {
            code_share: 0.5,
            ..defaults()
        };
        assert_eq!(half.default_code_limit(), 180);
        let tiny = Params {
            shows: 1,
            rows: 1,
            per_row: 1,
            ..defaults()
        };
        assert_eq!(
            tiny.default_code_limit(),
            1,
            "never 0: a code always has a use"
        );
    }
}
