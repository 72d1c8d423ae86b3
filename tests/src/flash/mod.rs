//! The flash-sale load generator: many customers race for the seats of a few shows through the
//! REST API, then the same run measures what the machine allows (the database's hold limit and
//! Temporal's orchestration limit) and reconciles seats, bookings and money.
//!
//! Used by the `flash-sale` binary (`./mtbp bench-flash`) and, at a small size, by the
//! end-to-end tests. Bounded in requests and time; loopback only.

pub mod baseline;
mod chart;
mod customers;
mod limits;
mod reconcile;
mod stats;

pub use chart::write_svg;
pub use reconcile::{Check, Reconciliation, reconcile};
pub use stats::Latency;

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
    pub sale: customers::SaleFigures,
    /// Whether seats, bookings and money agree.
    pub reconciliation: Reconciliation,
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
}

/// With `params.limits`, measures the database limit (first, on a quiet machine: the highest
/// it gets), then runs the sale and reconciles, then measures the orchestration limit with as
/// many workflows as the sale completed.
pub async fn run(params: Params, target: &Target) -> anyhow::Result<Report> {
    let database_limit = match params.limits {
        true => Some(limits::database_limit(&params).await?),
        false => None,
    };
    let sale = customers::run_sale(&params, target).await?;
    let reconciliation = reconcile(target, &sale.show_ids, &sale.outcomes).await?;
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
        }),
        _ => None,
    };
    Ok(Report {
        params,
        sale: sale.figures,
        reconciliation,
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

/// The report in a few lines, for a terminal.
pub fn summary(r: &Report) -> String {
    use std::fmt::Write;
    let s = &r.sale;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sale: {} attempts, {} holds ({:.1}/s, peak {:.0}/s), {} conflicts ({:.1}%), {} errors, \
         {} times nothing free",
        s.attempts,
        s.holds,
        s.holds_per_second,
        s.peak_holds_per_second,
        s.conflicts,
        s.conflict_rate * 100.0,
        s.errors,
        s.nothing_free
    );
    let _ = writeln!(
        out,
        "      {} booked ({:.1}/s, peak {:.1}/s), {} abandoned, {} declined, {} pay refused, {} expired",
        s.bookings_completed,
        s.completed_per_second,
        s.peak_completed_per_second,
        s.abandoned,
        s.declined,
        s.pay_refused,
        s.expired
    );
    let sold = s.sold_out_after_seconds.map_or_else(
        || "not sold out".to_owned(),
        |t| format!("sold out in {t:.1} s"),
    );
    let _ = writeln!(out, "      {sold} ({:.1} s measured)", s.duration_seconds);
    let lat = |name: &str, l: &Latency| {
        format!(
            "{name} p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
        )
    };
    let _ = writeln!(out, "      {}", lat("hold", &s.hold_latency));
    let _ = writeln!(
        out,
        "      {}",
        lat("hold to completed", &s.hold_to_completed_latency)
    );
    let _ = writeln!(out, "      {}", lat("pay to completed", &s.pay_latency));
    if let Some(d) = &r.database_limit {
        let _ = writeln!(
            out,
            "database limit: {:.0} holds/s, peak {:.0}/s ({} clients, pool {}, {})",
            d.holds_per_second,
            d.peak_holds_per_second,
            d.clients,
            d.pool,
            lat("hold tx", &d.hold_latency)
        );
    }
    if let Some(o) = &r.orchestration_limit {
        let _ = writeln!(
            out,
            "orchestration limit: {:.1} workflows/s, peak {:.1}/s ({} clients, {})",
            o.workflows_per_second,
            o.peak_workflows_per_second,
            o.clients,
            lat("pay to completed", &o.latency)
        );
    }
    if let Some(x) = &r.ratios {
        let _ = writeln!(
            out,
            "ratios: holds {:.2} of the database limit, completed {:.2} of the orchestration limit",
            x.holds_vs_database, x.completed_vs_orchestration
        );
    }
    let _ = writeln!(
        out,
        "reconciliation: {} (oversold seats {}, lost bookings {})",
        if r.reconciliation.ok { "OK" } else { "FAILED" },
        r.reconciliation.oversold_seats,
        r.reconciliation.lost_bookings
    );
    for c in r.reconciliation.checks.iter().filter(|c| !c.ok) {
        let _ = writeln!(
            out,
            "  failed: {}: expected {}, found {}",
            c.name, c.expected, c.actual
        );
    }
    out
}
