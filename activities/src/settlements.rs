//! The settlement's steps (docs/SETTLEMENT.md): which periods are due, the set-based
//! computation of a period's lines, its CSV and PDF report in S3, the payout, and telling each
//! booking `SettlementDone`, a page at a time.
//!
//! Every step is idempotent on the settlement's id (derived from the partner and the period):
//! a retry, a second run of the same period or a worker killed half-way counts, reports, pays and
//! tells once.

use crate::error::{from_sqlx, permanent};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::future::BoxFuture;
use mtbp_domain::settlement::Split;
use mtbp_domain::{BookingId, PartnerId};
use mtbp_infra::objects::ObjectStore;
use mtbp_infra::pdf::{self, TableReport, money};
use mtbp_store::PgPool;
use mtbp_store::contracts;
use mtbp_store::settlements::{self, PayoutRecord, ReportLine, SettleError, Settlement};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use uuid::Uuid;

/// How a booking's workflow took the news.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Told {
    /// The signal was delivered.
    Signalled,
    /// The workflow is closed already (cancelled, or an older history that ended earlier).
    Closed,
}

/// Tells a booking's workflow its booking is settled (the worker implements it with the
/// Temporal client: the activities crate knows no workflow type).
pub trait SettledBookings: Send + Sync {
    /// Sends `SettlementDone` of settlement `settlement_id` to booking `booking`'s workflow.
    fn settlement_done(
        &self,
        booking: BookingId,
        settlement_id: Uuid,
    ) -> BoxFuture<'_, Result<Told, String>>;
}

/// Signals in flight at once while a page is told.
pub const SIGNAL_CONCURRENCY: usize = 64;

/// The settlement activities.
pub struct SettlementActivities {
    db: PgPool,
    objects: ObjectStore,
    bookings: Arc<dyn SettledBookings>,
    pause_after_payout: std::time::Duration,
}

impl SettlementActivities {
    /// Over the database, the documents bucket and the bookings' workflows.
    pub fn new(db: PgPool, objects: ObjectStore, bookings: Arc<dyn SettledBookings>) -> Self {
        Self {
            db,
            objects,
            bookings,
            pause_after_payout: std::time::Duration::ZERO,
        }
    }

    /// Fault injection for crash tests: pauses after the payout is recorded, before the
    /// activity answers (zero, no pause, in production).
    pub fn with_pause_after_payout(mut self, pause: std::time::Duration) -> Self {
        self.pause_after_payout = pause;
        self
    }
}

/// Which partner's periods are due, at the schedule's moment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DueRequest {
    /// The partner.
    pub partner_id: PartnerId,
    /// The workflow's time (ms since the epoch).
    pub now_ms: i64,
}

/// One partner's one period.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SettleRequest {
    /// The partner.
    pub partner_id: PartnerId,
    /// The period's name.
    pub period: String,
}

/// A settlement as its workflow sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementSummary {
    /// Its id.
    pub settlement_id: Uuid,
    /// Its status.
    pub status: String,
    /// Bookings with a line.
    pub bookings: i32,
    /// What the partner is owed by the period.
    pub partner_minor: i64,
    /// What is paid out.
    pub payout_minor: i64,
    /// The currency, if anything was ever sold.
    pub currency: Option<String>,
}

impl From<&Settlement> for SettlementSummary {
    fn from(s: &Settlement) -> Self {
        Self {
            settlement_id: s.settlement_id,
            status: s.status.clone(),
            bookings: s.bookings,
            partner_minor: s.partner_minor,
            payout_minor: s.payout_minor,
            currency: s.currency.clone(),
        }
    }
}

/// Where the reports went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportKeys {
    /// The CSV's key.
    pub csv: String,
    /// The PDF's key.
    pub pdf: String,
}

/// Tell the next page of a settlement's bookings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignalPage {
    /// The settlement.
    pub settlement_id: Uuid,
    /// The last booking told (booking id order), `None` to start.
    pub after: Option<BookingId>,
    /// How many at most.
    pub limit: u32,
}

/// What a page came to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageTold {
    /// The page's last booking: the next page starts after it.
    pub last: Option<BookingId>,
    /// Bookings in the page.
    pub count: u32,
    /// Of them, whose workflows took the signal.
    pub signalled: u32,
    /// Of them, whose workflows had closed.
    pub closed: u32,
    /// Whether this was the last page.
    pub done: bool,
}

/// A run failed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FailRequest {
    /// The settlement.
    pub settlement_id: Uuid,
    /// Why.
    pub why: String,
}

fn settle_error(e: SettleError) -> ActivityError {
    match e {
        SettleError::Db(e) => from_sqlx(e),
        other => permanent(other.to_string()),
    }
}

/// The key of a settlement's report.
pub fn report_key(s: &Settlement, ext: &str) -> String {
    let period = s.period.replace(':', "-");
    format!(
        "settlements/{}/{period}/settlement-{period}.{ext}",
        s.partner_id
    )
}

/// The CSV of a settlement: one row per booking, amounts in minor units.
pub fn report_csv(s: &Settlement, lines: &[ReportLine]) -> String {
    let mut out = String::with_capacity(64 + lines.len() * 160);
    out.push_str(
        "booking_id,show_id,show_starts_at,currency,kept,tickets,addons,commission,fees,\
         partner_fees,cancellation_fees,partner_cancellation_fees,partner_funded,\
         platform_funded,tax,adjustment,partner,platform\n",
    );
    let currency = s.currency.as_deref().unwrap_or("");
    for l in lines {
        let x = &l.split;
        let _ = writeln!(
            out,
            "{},{},{},{currency},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            l.booking_id,
            l.show_id,
            l.starts_at.to_rfc3339(),
            x.kept,
            x.tickets,
            x.addons,
            x.commission,
            x.fees,
            x.partner_fees,
            x.cancellation_fees,
            x.partner_cancellation_fees,
            x.partner_funded,
            x.platform_funded,
            x.tax,
            x.adjustment,
            x.partner(),
            x.platform(),
        );
    }
    out
}

/// The PDF report's content: the period, its totals and payout, and every line.
pub fn report_document(s: &Settlement, lines: &[ReportLine]) -> TableReport {
    let currency = s.currency.as_deref().unwrap_or("INR");
    let m = |v: i64| money(v, currency);
    let short = |v: i64| pdf::amount(v, currency);
    TableReport {
        title: format!("Settlement {}", s.period),
        facts: vec![
            ("Partner".into(), s.partner_id.to_string()),
            (
                "Period".into(),
                format!(
                    "{} to {} (UTC)",
                    s.period_start.format("%Y-%m-%d %H:%M"),
                    s.period_end.format("%Y-%m-%d %H:%M")
                ),
            ),
            ("Bookings".into(), s.bookings.to_string()),
            ("Contract version".into(), s.contract_version.to_string()),
        ],
        totals: vec![
            (
                "Kept by the gateway, net of refunds".into(),
                m(s.kept_minor),
            ),
            ("Tickets (partner value)".into(), m(s.tickets_minor)),
            ("Add-ons (partner value)".into(), m(s.addons_minor)),
            (
                "Discounts funded by the partner".into(),
                m(s.partner_funded_minor),
            ),
            ("Commission".into(), m(-s.commission_minor)),
            ("Taxes held for remittance".into(), m(s.tax_minor)),
            ("Owed to the partner this period".into(), m(s.partner_minor)),
            ("Carried in".into(), m(s.carried_in_minor)),
            ("Paid out".into(), m(s.payout_minor)),
            (
                "Carried into the next period".into(),
                m(s.carried_out_minor),
            ),
        ],
        columns: [
            "Booking",
            "Kept",
            "Tickets",
            "Add-ons",
            "Commission",
            "Tax",
            "Partner",
        ]
        .map(String::from)
        .to_vec(),
        rows: lines
            .iter()
            .map(|l| {
                let x: &Split = &l.split;
                vec![
                    l.booking_id.to_string(),
                    short(x.kept),
                    short(x.tickets),
                    short(x.addons),
                    short(x.commission),
                    short(x.tax),
                    short(x.partner()),
                ]
            })
            .collect(),
    }
}

#[activities]
impl SettlementActivities {
    /// The periods of a partner to settle now, oldest first (local activity).
    #[activity]
    pub async fn due_settlements(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: DueRequest,
    ) -> Result<Vec<String>, ActivityError> {
        let Some(stored) = contracts::contract(&self.db, req.partner_id)
            .await
            .map_err(from_sqlx)?
        else {
            return Ok(Vec::new()); // a deleted partner has nothing more to settle
        };
        let now = DateTime::<Utc>::from_timestamp_millis(req.now_ms).unwrap_or_else(Utc::now);
        let due = settlements::due(&self.db, req.partner_id, &stored.contract, now, 24)
            .await
            .map_err(settle_error)?;
        Ok(due.into_iter().map(|p| p.id).collect())
    }

    /// Computes the period's lines, totals and payout once (one transaction).
    #[activity]
    pub async fn compute_settlement(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: SettleRequest,
    ) -> Result<SettlementSummary, ActivityError> {
        let stored = contracts::contract(&self.db, req.partner_id)
            .await
            .map_err(from_sqlx)?
            .ok_or_else(|| permanent(format!("partner {} is unknown", req.partner_id)))?;
        let period = stored
            .contract
            .period_named(&req.period)
            .map_err(|e| permanent(e.to_string()))?
            .ok_or_else(|| {
                permanent(format!(
                    "{:?} is not a period of partner {}'s contract",
                    req.period, req.partner_id
                ))
            })?;
        let started = settlements::begin(&self.db, req.partner_id, &period, stored.version)
            .await
            .map_err(from_sqlx)?;
        let s = settlements::compute(
            &self.db,
            started.settlement_id,
            &stored.contract,
            Utc::now(),
        )
        .await
        .map_err(settle_error)?;
        Ok((&s).into())
    }

    /// Writes the settlement's CSV and PDF to the documents bucket (the same keys on a retry).
    #[activity]
    pub async fn write_settlement_report(
        self: Arc<Self>,
        _ctx: ActivityContext,
        settlement_id: Uuid,
    ) -> Result<ReportKeys, ActivityError> {
        let s = settlements::get(&self.db, settlement_id)
            .await
            .map_err(from_sqlx)?
            .ok_or_else(|| permanent(format!("settlement {settlement_id} is unknown")))?;
        let lines = settlements::lines(&self.db, settlement_id)
            .await
            .map_err(from_sqlx)?;
        let csv = report_csv(&s, &lines);
        let doc = report_document(&s, &lines);
        // A PDF of thousands of lines takes a moment of CPU: off the async threads.
        let pdf = tokio::task::spawn_blocking(move || pdf::render_report(&doc))
            .await
            .map_err(|e| ActivityError::from(anyhow::anyhow!("rendering: {e}")))?
            .map_err(|e| permanent(e.to_string()))?;
        let keys = ReportKeys {
            csv: report_key(&s, "csv"),
            pdf: report_key(&s, "pdf"),
        };
        self.objects
            .put(&keys.csv, csv.into_bytes(), "text/csv; charset=utf-8")
            .await
            .map_err(|e| ActivityError::from(anyhow::anyhow!("storing the CSV: {e}")))?;
        self.objects
            .put(&keys.pdf, pdf, pdf::CONTENT_TYPE)
            .await
            .map_err(|e| ActivityError::from(anyhow::anyhow!("storing the PDF: {e}")))?;
        settlements::set_reports(&self.db, settlement_id, &keys.csv, &keys.pdf)
            .await
            .map_err(from_sqlx)?;
        Ok(keys)
    }

    /// The payout adapter: records the period's payout once (its ledger lines move it from what
    /// is owed to the partner out of the gateway). Locally the payout is a recorded instruction
    /// to the partner's sealed account; the reference is the settlement's, so a bank adapter
    /// given it twice pays once. `None` when the period pays nothing (carried over).
    #[activity]
    pub async fn pay_out(
        self: Arc<Self>,
        _ctx: ActivityContext,
        settlement_id: Uuid,
    ) -> Result<Option<PayoutRecord>, ActivityError> {
        let reference = format!("payout-{settlement_id}");
        let paid = settlements::record_payout(&self.db, settlement_id, "instruction", &reference)
            .await
            .map_err(from_sqlx)?;
        if !self.pause_after_payout.is_zero() {
            tokio::time::sleep(self.pause_after_payout).await;
        }
        Ok(paid)
    }

    /// Tells the next page of the settlement's bookings `SettlementDone`: their rows in one
    /// statement, their workflows by signal, a bounded number at a time.
    #[activity]
    pub async fn signal_settled(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: SignalPage,
    ) -> Result<PageTold, ActivityError> {
        let limit = i64::from(req.limit.clamp(1, 5_000));
        let page = settlements::page(&self.db, req.settlement_id, req.after, limit)
            .await
            .map_err(from_sqlx)?;
        if page.is_empty() {
            return Ok(PageTold {
                last: req.after,
                done: true,
                ..PageTold::default()
            });
        }
        settlements::mark_settled(&self.db, req.settlement_id, &page)
            .await
            .map_err(from_sqlx)?;
        let told: Vec<Result<Told, String>> = futures::stream::iter(page.iter().copied())
            .map(|b| self.bookings.settlement_done(b, req.settlement_id))
            .buffer_unordered(SIGNAL_CONCURRENCY)
            .collect()
            .await;
        let mut out = PageTold {
            last: page.last().copied(),
            count: u32::try_from(page.len()).unwrap_or(u32::MAX),
            done: i64::try_from(page.len()).unwrap_or(i64::MAX) < limit,
            ..PageTold::default()
        };
        for t in told {
            match t {
                Ok(Told::Signalled) => out.signalled += 1,
                Ok(Told::Closed) => out.closed += 1,
                // Any other failure: the whole page again (signals are idempotent).
                Err(e) => return Err(ActivityError::from(anyhow::anyhow!("signalling: {e}"))),
            }
        }
        Ok(out)
    }

    /// The settlement is done.
    #[activity]
    pub async fn finish_settlement(
        self: Arc<Self>,
        _ctx: ActivityContext,
        settlement_id: Uuid,
    ) -> Result<(), ActivityError> {
        settlements::finish(&self.db, settlement_id)
            .await
            .map_err(from_sqlx)
    }

    /// Whether a partner's settlement will count the booking (local activity of the booking's
    /// saga, before it waits for one).
    #[activity]
    pub async fn settlement_expected(
        self: Arc<Self>,
        _ctx: ActivityContext,
        booking_id: BookingId,
    ) -> Result<bool, ActivityError> {
        settlements::expected(&self.db, booking_id)
            .await
            .map_err(from_sqlx)
    }

    /// The run failed: recorded on the settlement for the API and ops (local activity).
    #[activity]
    pub async fn fail_settlement(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: FailRequest,
    ) -> Result<(), ActivityError> {
        settlements::fail(&self.db, req.settlement_id, &req.why)
            .await
            .map_err(from_sqlx)
    }
}
