//! Settlements with theater partners (`settlements`, `settlement_lines`, `payouts`): what a
//! period owes each partner, computed set-based (one statement reads every position, one writes
//! every line), and the ledger lines and events their triggers write.
//!
//! A booking's line is its position as of the period's end (`domain::settlement::Split`) less
//! what the partner's earlier settlements counted for it, so a refund after a settlement is a
//! negative line of the next one and settling again counts nothing twice.

use chrono::{DateTime, Utc};
use mtbp_domain::pricing::quote::Quote;
use mtbp_domain::settlement::{Contract, Payout, Period, Split, settlement_id};
use mtbp_domain::{BookingId, PartnerId};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// A settlement as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// Its id (derived from the partner and the period).
    pub settlement_id: Uuid,
    /// The partner.
    pub partner_id: PartnerId,
    /// The period's name.
    pub period: String,
    /// When the period starts.
    pub period_start: DateTime<Utc>,
    /// When it ends.
    pub period_end: DateTime<Utc>,
    /// The contract version it followed.
    pub contract_version: i32,
    /// `running`, `computed`, `reported`, `paid`, `done` or `failed`.
    pub status: String,
    /// The currency of its lines (none while nothing was ever sold).
    pub currency: Option<String>,
    /// Bookings with a line.
    pub bookings: i32,
    /// What the gateway kept for them, net of refunds, this period.
    pub kept_minor: i64,
    /// Tickets at their value to the partner.
    pub tickets_minor: i64,
    /// Add-ons at their value to the partner.
    pub addons_minor: i64,
    /// The platform's commission.
    pub commission_minor: i64,
    /// Convenience fees.
    pub fees_minor: i64,
    /// Discounts the partner funded.
    pub partner_funded_minor: i64,
    /// Discounts the platform funded.
    pub platform_funded_minor: i64,
    /// Cancellation fees kept.
    pub cancellation_fees_minor: i64,
    /// Taxes.
    pub tax_minor: i64,
    /// What the period owes the partner.
    pub partner_minor: i64,
    /// The platform's revenue.
    pub platform_minor: i64,
    /// What earlier periods carried in.
    pub carried_in_minor: i64,
    /// What is paid out.
    pub payout_minor: i64,
    /// What goes into the next period.
    pub carried_out_minor: i64,
    /// The CSV report's key in the documents bucket.
    pub report_csv_key: Option<String>,
    /// The PDF report's key.
    pub report_pdf_key: Option<String>,
    /// Bookings told `SettlementDone` so far.
    pub signalled: i32,
    /// Why the last run failed.
    pub error: Option<String>,
    /// When it was first started.
    pub started_at: DateTime<Utc>,
    /// When its lines were written.
    pub computed_at: Option<DateTime<Utc>>,
    /// When it was done.
    pub finished_at: Option<DateTime<Utc>>,
}

/// `query_as!` of settlements: the columns, then `$tail` (from `from settlements` on).
macro_rules! select_settlements {
    ($tail:literal, $($arg:expr),* $(,)?) => {
        sqlx::query_as!(
            Settlement,
            r#"select settlement_id, partner_id as "partner_id: PartnerId", period, period_start,
                      period_end, contract_version, status, currency, bookings, kept_minor,
                      tickets_minor, addons_minor, commission_minor, fees_minor,
                      partner_funded_minor, platform_funded_minor, cancellation_fees_minor,
                      tax_minor, partner_minor, platform_minor, carried_in_minor, payout_minor,
                      carried_out_minor, report_csv_key, report_pdf_key, signalled, error,
                      started_at, computed_at, finished_at "# + $tail,
            $($arg),*
        )
    };
}

/// Why a settlement cannot be computed (the run fails, visibly, and its schedule pauses).
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// The database.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// The partner is unknown or deleted.
    #[error("no such partner")]
    NoPartner,
    /// The period's name is not one of the contract's periods.
    #[error("{0:?} is not a period of this partner's contract")]
    NoPeriod(String),
    /// The period has not ended yet.
    #[error("the period {0} has not ended yet")]
    NotEnded(String),
    /// The partner sold in more than one currency (in the period, or since its last one).
    #[error("the partner's lines are in several currencies ({0}); settle them by hand")]
    Currencies(String),
    /// The contract cannot cut periods.
    #[error("the contract: {0}")]
    Contract(String),
}

/// Settlement `id`.
pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Settlement>> {
    select_settlements!("from settlements where settlement_id = $1", id)
        .fetch_optional(db)
        .await
}

/// A page of settlements, newest period first: one partner's or everyone's, optionally of one
/// status, before the period end `before` (the cursor).
pub async fn list(
    db: &PgPool,
    partner: Option<PartnerId>,
    status: Option<&str>,
    before: Option<DateTime<Utc>>,
    limit: i64,
) -> sqlx::Result<Vec<Settlement>> {
    select_settlements!(
        "from settlements
          where ($1::uuid is null or partner_id = $1) and ($2::text is null or status = $2)
            and ($3::timestamptz is null or period_end < $3)
          order by period_end desc, partner_id limit $4",
        partner.map(|p| p.as_uuid()),
        status,
        before,
        limit,
    )
    .fetch_all(db)
    .await
}

/// The periods of `partner` to settle at `now`, oldest first, at most `limit`: every one not
/// done yet (a failed run is run again), then every period ended since the last one settled
/// (from the partner's first sale when none was). Nothing before the partner ever sold.
pub async fn due(
    db: &PgPool,
    partner: PartnerId,
    contract: &Contract,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Period>, SettleError> {
    let open = sqlx::query_scalar!(
        "select period from settlements
          where partner_id = $1 and status <> 'done' and period_end <= $2
          order by period_end",
        partner as PartnerId,
        now,
    )
    .fetch_all(db)
    .await?;
    let mut out = Vec::new();
    for name in open {
        if let Some(p) = contract
            .period_named(&name)
            .map_err(|e| SettleError::Contract(e.to_string()))?
        {
            out.push(p);
        }
    }
    let last_end = sqlx::query_scalar!(
        "select max(period_end) from settlements where partner_id = $1",
        partner as PartnerId,
    )
    .fetch_one(db)
    .await?;
    let from = match last_end {
        Some(end) => Some(end),
        None => {
            sqlx::query_scalar!(
                "select min(created_at) from ledger_entries
                  where partner_id = $1 and movement in ('charge', 'refund')",
                partner as PartnerId,
            )
            .fetch_one(db)
            .await?
        }
    };
    if let Some(from) = from {
        let more = contract
            .periods_between(from, now, limit.saturating_sub(out.len()))
            .map_err(|e| SettleError::Contract(e.to_string()))?;
        for p in more {
            if !out.iter().any(|o| o.id == p.id) {
                out.push(p);
            }
        }
    }
    out.sort_by_key(|p| p.start);
    out.truncate(limit);
    Ok(out)
}

/// Records that `partner`'s settlement of `period` has started (again, after a failure); the
/// settlement as it stands.
pub async fn begin(
    db: &PgPool,
    partner: PartnerId,
    period: &Period,
    contract_version: i32,
) -> sqlx::Result<Settlement> {
    let id = settlement_id(partner, &period.id);
    sqlx::query!(
        "insert into settlements (settlement_id, partner_id, period, period_start, period_end,
                                  contract_version)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (settlement_id) do update set error = null,
                status = case when settlements.status = 'failed'
                              then case when settlements.computed_at is null then 'running'
                                        else 'computed' end
                              else settlements.status end",
        id,
        partner as PartnerId,
        period.id,
        period.start,
        period.end,
        contract_version,
    )
    .execute(db)
    .await?;
    get(db, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// One booking's position as of a period's end, with what earlier settlements counted.
struct Position {
    booking_id: Uuid,
    kept: i64,
    currency: String,
    quote: Option<Quote>,
    cancellation_fees: i64,
    before: Split,
}

/// Computes settlement `id` once: every booking's line, the totals, the payout, in one
/// transaction (its status leaves `running`, and the ledger trigger writes the movement). A
/// settlement already computed answers as it is. The partner's row lock orders the
/// settlements of one partner; a period older than one already computed gets no lines (the
/// later settlement counted its money).
pub async fn compute(
    db: &PgPool,
    id: Uuid,
    contract: &Contract,
    now: DateTime<Utc>,
) -> Result<Settlement, SettleError> {
    let mut tx = db.begin().await?;
    let Some(s) = get(&mut *tx, id).await? else {
        return Err(SettleError::NoPeriod(id.to_string()));
    };
    let partner = sqlx::query_scalar!(
        "select partner_id from partners where partner_id = $1 for update",
        s.partner_id as PartnerId,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if partner.is_none() {
        return Err(SettleError::NoPartner);
    }
    let Some(s) = get(&mut *tx, id).await? else {
        return Err(SettleError::NoPeriod(id.to_string()));
    };
    if s.status != "running" {
        tx.rollback().await?;
        return Ok(s);
    }
    if s.period_end > now {
        return Err(SettleError::NotEnded(s.period.clone()));
    }
    // The latest settlement computed before this one: what it carried, and where this one's
    // window of changed bookings starts.
    let previous = sqlx::query!(
        "select period_start, period_end, carried_out_minor, currency from settlements
          where partner_id = $1 and settlement_id <> $2 and computed_at is not null
          order by period_end desc limit 1",
        s.partner_id as PartnerId,
        id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let superseded = previous
        .as_ref()
        .is_some_and(|p| p.period_end > s.period_end);
    let positions = if superseded {
        Vec::new()
    } else {
        let from = previous
            .as_ref()
            .map_or(DateTime::<Utc>::UNIX_EPOCH, |p| p.period_start);
        positions(&mut tx, s.partner_id, from, s.period_end).await?
    };
    let mut lines: Vec<(Uuid, Split)> = Vec::with_capacity(positions.len());
    let mut currencies: Vec<&str> = Vec::new();
    for p in &positions {
        let now = Split::of(contract, p.quote.as_ref(), p.cancellation_fees, p.kept);
        let line = now - p.before;
        if !line.is_zero() {
            lines.push((p.booking_id, line));
            if !currencies.contains(&p.currency.as_str()) {
                currencies.push(p.currency.as_str());
            }
        }
    }
    // A partner is settled in one currency, period after period (what a period carries into
    // the next is in it): lines in another are for a person to settle.
    if let Some(before) = previous.as_ref().and_then(|p| p.currency.as_deref())
        && !currencies.contains(&before)
        && !currencies.is_empty()
    {
        currencies.push(before);
    }
    if currencies.len() > 1 {
        currencies.sort_unstable();
        return Err(SettleError::Currencies(currencies.join(", ")));
    }
    let total: Split = lines.iter().map(|(_, l)| *l).sum();
    let carried_in = previous.as_ref().map_or(0, |p| p.carried_out_minor);
    let payout = Payout::of(total.partner(), carried_in, contract.minimum_payout_minor);
    let currency = currencies
        .first()
        .map(|c| (*c).to_owned())
        .or_else(|| previous.and_then(|p| p.currency));
    insert_lines(&mut tx, id, &lines).await?;
    sqlx::query!(
        "update settlements
            set status = 'computed', computed_at = now(), currency = $2, bookings = $3,
                kept_minor = $4, tickets_minor = $5, addons_minor = $6, commission_minor = $7,
                fees_minor = $8, partner_funded_minor = $9, platform_funded_minor = $10,
                cancellation_fees_minor = $11, tax_minor = $12, partner_minor = $13,
                platform_minor = $14, carried_in_minor = $15, payout_minor = $16,
                carried_out_minor = $17, error = null
          where settlement_id = $1",
        id,
        currency,
        i32::try_from(lines.len()).unwrap_or(i32::MAX),
        total.kept,
        total.tickets,
        total.addons,
        total.commission,
        total.fees,
        total.partner_funded,
        total.platform_funded,
        total.cancellation_fees,
        total.tax,
        total.partner(),
        total.platform(),
        payout.carried_in,
        payout.paid,
        payout.carried_out,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    get(db, id)
        .await?
        .ok_or(SettleError::NoPeriod(id.to_string()))
}

/// Every booking of `partner` with money moved or a cancellation in `[from, end)`, with its
/// position as of `end` and what earlier settlements counted: one statement.
async fn positions(
    tx: &mut sqlx::PgConnection,
    partner: PartnerId,
    from: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sqlx::Result<Vec<Position>> {
    let rows = sqlx::query!(
        r#"with changed as (
               select booking_id from ledger_entries
                where partner_id = $1 and account = 'unsettled'
                  and movement in ('charge', 'refund') and booking_id is not null
                  and created_at >= $2 and created_at < $3
               union
               select c.booking_id from cancellations c
                where c.created_at >= $2 and c.created_at < $3
                  and mtbp_booking_partner(c.booking_id) = $1
           ), kept as (
               select e.booking_id, -sum(e.amount_minor)::bigint as kept, min(e.currency) as currency
                 from ledger_entries e join changed using (booking_id)
                where e.account = 'unsettled' and e.movement in ('charge', 'refund')
                  and e.created_at < $3
                group by e.booking_id
           ), cancelled as (
               select c.booking_id, sum(c.fee_minor)::bigint as fees, bool_or(c.whole) as whole,
                      (array_agg(c.rest_quote order by c.created_at desc))[1] as rest_quote
                 from cancellations c join changed using (booking_id)
                where c.created_at < $3
                group by c.booking_id
           ), counted as (
               select l.booking_id, sum(l.kept_minor)::bigint as kept,
                      sum(l.tickets_minor)::bigint as tickets, sum(l.addons_minor)::bigint as addons,
                      sum(l.commission_minor)::bigint as commission,
                      sum(l.fees_minor)::bigint as fees,
                      sum(l.partner_fees_minor)::bigint as partner_fees,
                      sum(l.cancellation_fees_minor)::bigint as cancellation_fees,
                      sum(l.partner_cancellation_fees_minor)::bigint as partner_cancellation_fees,
                      sum(l.platform_funded_minor)::bigint as platform_funded,
                      sum(l.partner_funded_minor)::bigint as partner_funded,
                      sum(l.tax_minor)::bigint as tax, sum(l.adjustment_minor)::bigint as adjustment
                 from settlement_lines l join changed using (booking_id)
                group by l.booking_id
           )
           select k.booking_id as "booking_id!", k.kept as "kept!", k.currency as "currency!",
                  b.quote as "quote: Json<Quote>",
                  c.booking_id is not null as "was_cancelled!",
                  coalesce(c.whole, false) as "whole!", c.rest_quote as "rest_quote: Json<Quote>",
                  coalesce(c.fees, 0)::bigint as "cancellation_fees!",
                  coalesce(n.kept, 0)::bigint as "n_kept!",
                  coalesce(n.tickets, 0)::bigint as "n_tickets!",
                  coalesce(n.addons, 0)::bigint as "n_addons!",
                  coalesce(n.commission, 0)::bigint as "n_commission!",
                  coalesce(n.fees, 0)::bigint as "n_fees!",
                  coalesce(n.partner_fees, 0)::bigint as "n_partner_fees!",
                  coalesce(n.cancellation_fees, 0)::bigint as "n_cancellation_fees!",
                  coalesce(n.partner_cancellation_fees, 0)::bigint as "n_partner_cancellation_fees!",
                  coalesce(n.platform_funded, 0)::bigint as "n_platform_funded!",
                  coalesce(n.partner_funded, 0)::bigint as "n_partner_funded!",
                  coalesce(n.tax, 0)::bigint as "n_tax!",
                  coalesce(n.adjustment, 0)::bigint as "n_adjustment!"
             from kept k join bookings b using (booking_id)
             left join cancelled c using (booking_id)
             left join counted n using (booking_id)
            order by k.booking_id"#,
        partner as PartnerId,
        from,
        end,
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            // What stays of the booking: its own quote, the rest's after a partial
            // cancellation, nothing after a whole one (a partial cancellation recorded before
            // the rest's lines were kept is all adjustment).
            let quote = match (r.was_cancelled, r.whole) {
                (false, _) => r.quote.map(|q| q.0),
                (true, true) => None,
                (true, false) => r.rest_quote.map(|q| q.0),
            };
            Position {
                booking_id: r.booking_id,
                kept: r.kept,
                currency: r.currency,
                quote,
                cancellation_fees: r.cancellation_fees,
                before: Split {
                    kept: r.n_kept,
                    tickets: r.n_tickets,
                    addons: r.n_addons,
                    commission: r.n_commission,
                    fees: r.n_fees,
                    partner_fees: r.n_partner_fees,
                    cancellation_fees: r.n_cancellation_fees,
                    partner_cancellation_fees: r.n_partner_cancellation_fees,
                    platform_funded: r.n_platform_funded,
                    partner_funded: r.n_partner_funded,
                    tax: r.n_tax,
                    adjustment: r.n_adjustment,
                },
            }
        })
        .collect())
}

/// Writes the lines with one statement.
async fn insert_lines(
    tx: &mut sqlx::PgConnection,
    id: Uuid,
    lines: &[(Uuid, Split)],
) -> sqlx::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&Split) -> i64| -> Vec<i64> { lines.iter().map(|(_, l)| f(l)).collect() };
    let bookings: Vec<Uuid> = lines.iter().map(|(b, _)| *b).collect();
    sqlx::query!(
        "insert into settlement_lines
             (settlement_id, booking_id, kept_minor, tickets_minor, addons_minor,
              commission_minor, fees_minor, partner_fees_minor, cancellation_fees_minor,
              partner_cancellation_fees_minor, platform_funded_minor, partner_funded_minor,
              tax_minor, adjustment_minor, partner_minor, platform_minor)
         select $1, * from unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[],
                                  $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
                                  $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[],
                                  $14::bigint[], $15::bigint[], $16::bigint[])",
        id,
        &bookings,
        &col(|l| l.kept),
        &col(|l| l.tickets),
        &col(|l| l.addons),
        &col(|l| l.commission),
        &col(|l| l.fees),
        &col(|l| l.partner_fees),
        &col(|l| l.cancellation_fees),
        &col(|l| l.partner_cancellation_fees),
        &col(|l| l.platform_funded),
        &col(|l| l.partner_funded),
        &col(|l| l.tax),
        &col(|l| l.adjustment),
        &col(Split::partner),
        &col(Split::platform),
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// One line of a settlement's report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLine {
    /// The booking.
    pub booking_id: Uuid,
    /// Its show.
    pub show_id: Uuid,
    /// When the show starts.
    pub starts_at: DateTime<Utc>,
    /// The split counted now.
    pub split: Split,
}

/// Every line of settlement `id`, in booking order: what its report lists.
pub async fn lines(db: &PgPool, id: Uuid) -> sqlx::Result<Vec<ReportLine>> {
    let rows = sqlx::query!(
        "select l.booking_id, b.show_id, s.starts_at, l.kept_minor, l.tickets_minor,
                l.addons_minor, l.commission_minor, l.fees_minor, l.partner_fees_minor,
                l.cancellation_fees_minor, l.partner_cancellation_fees_minor,
                l.platform_funded_minor, l.partner_funded_minor, l.tax_minor, l.adjustment_minor
           from settlement_lines l join bookings b using (booking_id)
           join shows s on s.show_id = b.show_id
          where l.settlement_id = $1 order by l.booking_id",
        id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReportLine {
            booking_id: r.booking_id,
            show_id: r.show_id,
            starts_at: r.starts_at,
            split: Split {
                kept: r.kept_minor,
                tickets: r.tickets_minor,
                addons: r.addons_minor,
                commission: r.commission_minor,
                fees: r.fees_minor,
                partner_fees: r.partner_fees_minor,
                cancellation_fees: r.cancellation_fees_minor,
                partner_cancellation_fees: r.partner_cancellation_fees_minor,
                platform_funded: r.platform_funded_minor,
                partner_funded: r.partner_funded_minor,
                tax: r.tax_minor,
                adjustment: r.adjustment_minor,
            },
        })
        .collect())
}

/// Records where the reports are (status `reported`, unless it is further on already).
pub async fn set_reports(db: &PgPool, id: Uuid, csv_key: &str, pdf_key: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update settlements set report_csv_key = $2, report_pdf_key = $3,
                status = case when status = 'computed' then 'reported' else status end
          where settlement_id = $1",
        id,
        csv_key,
        pdf_key,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A payout as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutRecord {
    /// The settlement it pays.
    pub settlement_id: Uuid,
    /// What was paid.
    pub amount_minor: i64,
    /// The currency.
    pub currency: String,
    /// `instruction` or `transfer`.
    pub method: String,
    /// The account's last characters.
    pub account_hint: Option<String>,
    /// The adapter's reference.
    pub reference: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The payout of settlement `id`, if one was recorded.
pub async fn payout(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<PayoutRecord>> {
    sqlx::query_as!(
        PayoutRecord,
        "select settlement_id, amount_minor, currency, method, account_hint, reference, created_at
           from payouts where settlement_id = $1",
        id,
    )
    .fetch_optional(db)
    .await
}

/// Records settlement `id`'s payout once (the ledger trigger moves it from `partner_payable` to
/// the gateway), and moves the settlement to `paid`. Nothing is recorded when the period pays
/// nothing. A second call answers the first one's record.
pub async fn record_payout(
    db: &PgPool,
    id: Uuid,
    method: &str,
    reference: &str,
) -> sqlx::Result<Option<PayoutRecord>> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "insert into payouts (settlement_id, partner_id, amount_minor, currency, method,
                              account_hint, reference)
         select s.settlement_id, s.partner_id, s.payout_minor, s.currency, $2, p.payout_account_hint, $3
           from settlements s join partners p using (partner_id)
          where s.settlement_id = $1 and s.payout_minor > 0 and s.currency is not null
         on conflict (settlement_id) do nothing",
        id,
        method,
        reference,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update settlements set status = 'paid'
          where settlement_id = $1 and status in ('computed', 'reported')",
        id,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    payout(db, id).await
}

/// The bookings of settlement `id` after `after` (booking id order), at most `limit`.
pub async fn page(
    db: &PgPool,
    id: Uuid,
    after: Option<BookingId>,
    limit: i64,
) -> sqlx::Result<Vec<BookingId>> {
    sqlx::query_scalar!(
        r#"select booking_id as "booking_id: BookingId" from settlement_lines
            where settlement_id = $1 and ($2::uuid is null or booking_id > $2)
            order by booking_id limit $3"#,
        id,
        after.map(|b| b.as_uuid()),
        limit,
    )
    .fetch_all(db)
    .await
}

/// Marks `bookings` (a page of settlement `id`) `SettlementDone` where they are paid and still
/// stand (one statement; each change writes its `booking.status_changed` event), and records
/// how far the settlement has told its bookings. Answers how many changed.
pub async fn mark_settled(db: &PgPool, id: Uuid, bookings: &[BookingId]) -> sqlx::Result<u64> {
    let ids: Vec<Uuid> = bookings.iter().map(|b| b.as_uuid()).collect();
    let mut tx = db.begin().await?;
    let changed = sqlx::query!(
        "update bookings set status = 'SettlementDone'
          where booking_id = any($1) and status in ('BookingCompleted', 'Invoiced')",
        &ids,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if let Some(last) = ids.iter().max() {
        sqlx::query!(
            "update settlements
                set signalled = (select count(*) from settlement_lines
                                  where settlement_id = $1 and booking_id <= $2)
              where settlement_id = $1",
            id,
            last,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Settlement `id` is done.
pub async fn finish(db: &PgPool, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update settlements set status = 'done', finished_at = coalesce(finished_at, now()),
                signalled = bookings, error = null
          where settlement_id = $1",
        id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Settlement `id`'s run failed, for `why` (a later run starts from where it stands).
pub async fn fail(db: &PgPool, id: Uuid, why: &str) -> sqlx::Result<()> {
    let why: String = why.chars().take(500).collect();
    sqlx::query!(
        "update settlements set status = 'failed', error = $2
          where settlement_id = $1 and status <> 'done'",
        id,
        why,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether a partner's settlement will count `booking`: its show is a partner's (not a venue
/// the platform runs itself) and the gateway took money for it. A booking no settlement counts
/// does not wait for one.
pub async fn expected(db: &PgPool, booking: BookingId) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select mtbp_booking_partner($1) is not null
                  and exists (select 1 from payments where booking_id = $1
                                 and status = 'succeeded' and amount_minor > 0) as "expected!""#,
        booking.as_uuid(),
    )
    .fetch_one(db)
    .await
}
