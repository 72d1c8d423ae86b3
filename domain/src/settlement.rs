//! Settlement with theater partners: the contract, the period a moment falls in, and the split of
//! what the gateway kept for a booking between the partner, the platform and the taxes.
//!
//! The split of one booking is its **position**; a settlement pays the difference between a
//! booking's position now and what earlier settlements already counted, so a refund after a
//! period was settled goes into the next one as a negative line, and settling again pays nothing.
//! Every split adds up, to the unit, to what the gateway kept:
//! `kept = partner + commission + fee_revenue − platform_funded + adjustment + tax`.

use crate::pricing::quote::{LineKind, Quote};
use crate::pricing::round::{WHOLE_BP, rate_of};
use crate::status::{Funder, SettlementPeriod};
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::ops::{Add, Neg, Sub};

/// The latest cut-off hour (local time) a contract may name.
pub const MAX_CUTOFF_HOUR: u8 = 23;
/// The highest commission a contract may take: half of the tickets.
pub const MAX_COMMISSION_BP: u32 = 5_000;

/// A partner's settlement contract, set by operators and read by the partner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contract {
    /// How often the partner is paid.
    pub period: SettlementPeriod,
    /// The IANA time zone the periods are cut in, e.g. `Asia/Kolkata`.
    pub time_zone: String,
    /// The local hour a period ends at (0 = midnight; 6 = a "day" runs 06:00 to 06:00).
    pub cutoff_hour: u8,
    /// The platform's commission on tickets (after partner-funded discounts), in basis points.
    pub commission_bp: u32,
    /// The platform's commission on food and beverage add-ons, in basis points.
    pub addon_commission_bp: u32,
    /// The partner's share of the convenience fee (0 = the platform keeps all of it).
    pub partner_fee_share_bp: u32,
    /// The partner's share of cancellation fees the policy kept (10,000 = all of it).
    pub partner_cancellation_fee_bp: u32,
    /// Below this a period's net is carried into the next period instead of paid out.
    pub minimum_payout_minor: i64,
    /// A period of this many seconds instead of `period` (trials and tests; the API takes it
    /// only where the platform allows short periods). Short periods tile time from the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<u32>,
}

impl Default for Contract {
    fn default() -> Self {
        Self {
            period: SettlementPeriod::Weekly,
            time_zone: "Asia/Kolkata".to_owned(),
            cutoff_hour: 0,
            commission_bp: 1_000,
            addon_commission_bp: 1_000,
            partner_fee_share_bp: 0,
            partner_cancellation_fee_bp: WHOLE_BP,
            minimum_payout_minor: 0,
            period_seconds: None,
        }
    }
}

/// The longest short period: a day.
pub const MAX_PERIOD_SECONDS: u32 = 86_400;

/// Why a contract is refused; each names its field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// Not an IANA time zone.
    #[error("time_zone: {0:?} is not an IANA time zone (e.g. Asia/Kolkata)")]
    TimeZone(String),
    /// The cut-off hour is past 23.
    #[error("cutoff_hour: must be 0 to {MAX_CUTOFF_HOUR}")]
    CutoffHour,
    /// A commission above the cap.
    #[error("{0}: must be 0 to {MAX_COMMISSION_BP} basis points")]
    Commission(&'static str),
    /// A share above the whole.
    #[error("{0}: must be 0 to {WHOLE_BP} basis points")]
    Share(&'static str),
    /// A negative minimum payout.
    #[error("minimum_payout_minor: must not be negative")]
    MinimumPayout,
    /// A short period out of range.
    #[error("period_seconds: must be 1 to {MAX_PERIOD_SECONDS}")]
    PeriodSeconds,
}

impl ContractError {
    /// The field it is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::TimeZone(_) => "time_zone",
            Self::CutoffHour => "cutoff_hour",
            Self::Commission(f) | Self::Share(f) => f,
            Self::MinimumPayout => "minimum_payout_minor",
            Self::PeriodSeconds => "period_seconds",
        }
    }
}

impl Contract {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ContractError> {
        self.zone()?;
        if self.cutoff_hour > MAX_CUTOFF_HOUR {
            return Err(ContractError::CutoffHour);
        }
        if self.commission_bp > MAX_COMMISSION_BP {
            return Err(ContractError::Commission("commission_bp"));
        }
        if self.addon_commission_bp > MAX_COMMISSION_BP {
            return Err(ContractError::Commission("addon_commission_bp"));
        }
        if self.partner_fee_share_bp > WHOLE_BP {
            return Err(ContractError::Share("partner_fee_share_bp"));
        }
        if self.partner_cancellation_fee_bp > WHOLE_BP {
            return Err(ContractError::Share("partner_cancellation_fee_bp"));
        }
        if self.minimum_payout_minor < 0 {
            return Err(ContractError::MinimumPayout);
        }
        if self
            .period_seconds
            .is_some_and(|s| s == 0 || s > MAX_PERIOD_SECONDS)
        {
            return Err(ContractError::PeriodSeconds);
        }
        Ok(())
    }

    /// The contract's time zone.
    pub fn zone(&self) -> Result<Tz, ContractError> {
        self.time_zone
            .parse::<Tz>()
            .map_err(|_| ContractError::TimeZone(self.time_zone.clone()))
    }

    /// The period `at` falls in.
    pub fn period_at(&self, at: DateTime<Utc>) -> Result<Period, ContractError> {
        let tz = self.zone()?;
        if let Some(seconds) = self.short_period() {
            let start = at.timestamp().div_euclid(seconds) * seconds;
            return Ok(short_period(start, seconds));
        }
        // The local date of the period: a moment before the cut-off belongs to the day before.
        let local = at.with_timezone(&tz).naive_local() - Duration::hours(self.cutoff_hour.into());
        let day = local.date();
        let first = match self.period {
            SettlementPeriod::Daily => day,
            SettlementPeriod::Weekly => {
                day - Duration::days(day.weekday().num_days_from_monday().into())
            }
            SettlementPeriod::Monthly => day.with_day(1).unwrap_or(day),
        };
        Ok(self.period_from(tz, first))
    }

    /// The period named `id` (as [`Period::id`] writes it), or `None` when it does not name one
    /// of this contract's periods.
    pub fn period_named(&self, id: &str) -> Result<Option<Period>, ContractError> {
        let tz = self.zone()?;
        if let Some(seconds) = self.short_period() {
            let start = DateTime::parse_from_rfc3339(id)
                .ok()
                .map(|t| t.timestamp())
                .filter(|t| t.rem_euclid(seconds) == 0);
            return Ok(start
                .map(|s| short_period(s, seconds))
                .filter(|p| p.id == id));
        }
        let first = match self.period {
            SettlementPeriod::Daily => NaiveDate::parse_from_str(id, "%Y-%m-%d").ok(),
            SettlementPeriod::Weekly => {
                let (year, week) = id.split_once("-W").unzip();
                match (
                    year.and_then(|y| y.parse().ok()),
                    week.and_then(|w| w.parse().ok()),
                ) {
                    (Some(y), Some(w)) => NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon),
                    _ => None,
                }
            }
            SettlementPeriod::Monthly => NaiveDate::parse_from_str(&format!("{id}-01"), "%Y-%m-%d")
                .ok()
                .filter(|_| id.len() == 7),
        };
        let period = first.map(|f| self.period_from(tz, f));
        Ok(period.filter(|p| p.id == id))
    }

    /// The period after `period`.
    pub fn next(&self, period: &Period) -> Result<Period, ContractError> {
        self.period_at(period.end)
    }

    /// Every period from the one `from` falls in to the one just before `to`'s, oldest first,
    /// at most `limit` of them: what a backfill runs.
    pub fn periods_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Period>, ContractError> {
        let mut out = Vec::new();
        let mut p = self.period_at(from)?;
        while p.end <= to && out.len() < limit {
            let next = self.next(&p)?;
            out.push(p);
            p = next;
        }
        Ok(out)
    }

    /// The short period's length, when the contract has one.
    fn short_period(&self) -> Option<i64> {
        self.period_seconds.filter(|s| *s > 0).map(i64::from)
    }

    fn period_from(&self, tz: Tz, first: NaiveDate) -> Period {
        let last = match self.period {
            SettlementPeriod::Daily => first + Duration::days(1),
            SettlementPeriod::Weekly => first + Duration::days(7),
            SettlementPeriod::Monthly => first
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(first + Duration::days(31)),
        };
        let id = match self.period {
            SettlementPeriod::Daily => first.format("%Y-%m-%d").to_string(),
            SettlementPeriod::Weekly => {
                let w = first.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            SettlementPeriod::Monthly => first.format("%Y-%m").to_string(),
        };
        Period {
            kind: self.period,
            id,
            start: self.cut(tz, first),
            end: self.cut(tz, last),
        }
    }

    /// The moment the period starting on local `day` starts: the cut-off hour that day. A
    /// cut-off inside a daylight-saving gap moves to the first moment after it.
    fn cut(&self, tz: Tz, day: NaiveDate) -> DateTime<Utc> {
        let mut local = day.and_time(
            NaiveTime::from_hms_opt(self.cutoff_hour.into(), 0, 0).unwrap_or(NaiveTime::MIN),
        );
        for _ in 0..4 {
            match tz.from_local_datetime(&local) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
                LocalResult::None => local += Duration::minutes(30),
            }
        }
        Utc.from_utc_datetime(&local)
    }
}

/// The short period of `seconds` starting `start` seconds after the epoch; its id is its start.
fn short_period(start: i64, seconds: i64) -> Period {
    let at = |s: i64| DateTime::<Utc>::from_timestamp(s, 0).unwrap_or(DateTime::UNIX_EPOCH);
    let begin = at(start);
    Period {
        kind: SettlementPeriod::Daily,
        id: begin.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        start: begin,
        end: at(start + seconds),
    }
}

/// One settlement period of one contract: `[start, end)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    /// Daily, weekly or monthly.
    pub kind: SettlementPeriod,
    /// `2026-12-03`, `2026-W49` or `2026-12`: with the partner, the settlement's identity.
    pub id: String,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// When it ends (the next one's start).
    pub end: DateTime<Utc>,
}

/// How what the gateway kept for a booking is shared, in minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Split {
    /// What the customer paid, less refunds: the gateway's charges minus refunds.
    pub kept: i64,
    /// Tickets at their value to the partner: after partner-funded discounts, before
    /// platform-funded ones and taxes.
    pub tickets: i64,
    /// Add-ons, likewise.
    pub addons: i64,
    /// The platform's commission on tickets and add-ons.
    pub commission: i64,
    /// The convenience fees, before taxes.
    pub fees: i64,
    /// The partner's share of the convenience fees.
    pub partner_fees: i64,
    /// Cancellation fees the policy kept.
    pub cancellation_fees: i64,
    /// The partner's share of them.
    pub partner_cancellation_fees: i64,
    /// Discounts the platform funded: paid from its revenue to the partner.
    pub platform_funded: i64,
    /// Discounts the partner funded (for the report; already out of `tickets` and `addons`).
    pub partner_funded: i64,
    /// Every tax collected, which the platform holds for remittance.
    pub tax: i64,
    /// What the gateway kept beyond (or short of) the priced lines, which the platform bears:
    /// zero unless a re-priced rest cost more than was left to refund.
    pub adjustment: i64,
}

impl Split {
    /// The split of a booking whose priced lines are `quote` (the seats still on it), for which
    /// the gateway kept `kept` in all (the rest's price plus `cancellation_fees`).
    pub fn of(
        contract: &Contract,
        quote: Option<&Quote>,
        cancellation_fees: i64,
        kept: i64,
    ) -> Self {
        let mut s = Self {
            kept,
            cancellation_fees,
            ..Self::default()
        };
        let mut priced = cancellation_fees;
        if let Some(q) = quote {
            for line in &q.lines {
                let funded = |by: Funder| -> i64 {
                    line.discounts
                        .iter()
                        .filter(|d| d.funded_by == by)
                        .map(|d| d.amount.amount_minor)
                        .sum()
                };
                let (platform, partner) = (funded(Funder::Platform), funded(Funder::Partner));
                let tax: i64 = line.taxes.iter().map(|t| t.amount.amount_minor).sum();
                s.tax += tax;
                priced += line.net.amount_minor + tax;
                match line.kind {
                    LineKind::Seat => {
                        s.tickets += line.net.amount_minor + platform;
                        s.platform_funded += platform;
                        s.partner_funded += partner;
                    }
                    LineKind::Addon => {
                        s.addons += line.net.amount_minor + platform;
                        s.platform_funded += platform;
                        s.partner_funded += partner;
                    }
                    // A discount on a fee is the platform's own: it earns a smaller fee.
                    LineKind::Fee => s.fees += line.net.amount_minor,
                }
            }
        }
        s.commission = rate_of(s.tickets.max(0), contract.commission_bp)
            + rate_of(s.addons.max(0), contract.addon_commission_bp);
        s.partner_fees = rate_of(s.fees.max(0), contract.partner_fee_share_bp);
        s.partner_cancellation_fees = rate_of(
            cancellation_fees.max(0),
            contract.partner_cancellation_fee_bp,
        );
        s.adjustment = kept - priced;
        s
    }

    /// What the partner is owed.
    pub fn partner(&self) -> i64 {
        self.tickets + self.addons - self.commission
            + self.partner_fees
            + self.partner_cancellation_fees
    }

    /// What the platform earns: commission, its share of the fees, less the discounts it funded,
    /// plus any adjustment.
    pub fn platform(&self) -> i64 {
        self.commission
            + (self.fees - self.partner_fees)
            + (self.cancellation_fees - self.partner_cancellation_fees)
            - self.platform_funded
            + self.adjustment
    }

    /// Whether it adds up: `kept = partner + platform + tax`.
    pub fn balances(&self) -> bool {
        self.kept == self.partner() + self.platform() + self.tax
    }

    /// Whether every amount is zero (nothing to settle).
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

macro_rules! fieldwise {
    ($trait:ident, $method:ident, $op:tt) => {
        impl $trait for Split {
            type Output = Self;
            fn $method(self, o: Self) -> Self {
                Self {
                    kept: self.kept $op o.kept,
                    tickets: self.tickets $op o.tickets,
                    addons: self.addons $op o.addons,
                    commission: self.commission $op o.commission,
                    fees: self.fees $op o.fees,
                    partner_fees: self.partner_fees $op o.partner_fees,
                    cancellation_fees: self.cancellation_fees $op o.cancellation_fees,
                    partner_cancellation_fees: self.partner_cancellation_fees $op o.partner_cancellation_fees,
                    platform_funded: self.platform_funded $op o.platform_funded,
                    partner_funded: self.partner_funded $op o.partner_funded,
                    tax: self.tax $op o.tax,
                    adjustment: self.adjustment $op o.adjustment,
                }
            }
        }
    };
}
fieldwise!(Add, add, +);
fieldwise!(Sub, sub, -);

impl Neg for Split {
    type Output = Self;
    fn neg(self) -> Self {
        Self::default() - self
    }
}

impl std::iter::Sum for Split {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), Add::add)
    }
}

/// What a period pays the partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payout {
    /// The period's lines: what it owes the partner, refunds after earlier settlements netted.
    pub net: i64,
    /// What earlier periods carried in (below the minimum, or refunds beyond what was owed).
    pub carried_in: i64,
    /// What is paid now.
    pub paid: i64,
    /// What goes into the next period.
    pub carried_out: i64,
}

impl Payout {
    /// Pays `net + carried_in` when it reaches the minimum (and is above zero); otherwise
    /// carries it into the next period, negative balances included.
    pub fn of(net: i64, carried_in: i64, minimum: i64) -> Self {
        let due = net + carried_in;
        let paid = if due > 0 && due >= minimum { due } else { 0 };
        Self {
            net,
            carried_in,
            paid,
            carried_out: due - paid,
        }
    }
}

/// The stored statuses of a settlement (`settlements.status`), in the order a run moves through
/// them (`failed` until a run for the period is started again).
pub const STATUSES: &[&str] = &["running", "computed", "reported", "paid", "done", "failed"];

/// The id of `partner`'s settlement of period `period` (its workflow id is
/// `settlement-{partner}-{period}`): the same whoever starts it, so a period is settled once.
pub fn settlement_id(partner: crate::PartnerId, period: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(
        &partner.as_uuid(),
        format!("settlement:{period}").as_bytes(),
    )
}

/// The workflow id of `partner`'s settlement of `period`.
pub fn settlement_workflow_id(partner: crate::PartnerId, period: &str) -> String {
    format!("settlement-{partner}-{period}")
}

/// The id of `partner`'s settlement schedule.
pub fn schedule_id(partner: crate::PartnerId) -> String {
    format!("settlement-{partner}")
}

#[cfg(test)]
mod tests;
