//! One charge per period (`subscription_charges`): the row every attempt of a period works
//! on, so a period is charged at most once however often its activity runs.
//!
//! An attempt's payment intent is recorded *before* it is confirmed (as for bookings): a retried
//! activity finds it and reads its state at the gateway instead of creating another. A declined
//! attempt leaves the row `failed`; dunning's next attempt records a new intent over it
//! (`attempts` goes up by one, never back).

use chrono::{DateTime, Utc};
use mtbp_domain::{Currency, Money, PaymentStatus, SubscriptionId, SubscriptionStatus};
use sqlx::{PgExecutor, PgPool};

/// What a period's charge needs to know about its subscription, read at each attempt: the card
/// and the plan's price as they are now.
#[derive(Clone, Debug)]
pub struct Billing {
    /// Where the subscription stands.
    pub status: SubscriptionStatus,
    /// The customer cancelled: charge no further period.
    pub cancel_at_period_end: bool,
    /// The saved card (gateway id).
    pub payment_method: String,
    /// The gateway customer of the card.
    pub gateway_customer: String,
    /// The plan's price of one period.
    pub amount_minor: i64,
    /// Its currency.
    pub currency: Currency,
}

/// The subscription's billing details; `None` if there is no such subscription.
pub async fn billing(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
) -> sqlx::Result<Option<Billing>> {
    sqlx::query_as!(
        Billing,
        r#"select s.status as "status: SubscriptionStatus", s.cancel_at_period_end,
                  s.gateway_payment_method_id as payment_method,
                  s.gateway_customer_id as gateway_customer, p.amount_minor,
                  p.currency as "currency: Currency"
             from subscriptions s join subscription_plans p using (plan_id)
            where s.subscription_id = $1"#,
        subscription_id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}

/// A period's charge as stored.
#[derive(Clone, Debug)]
pub struct PeriodCharge {
    /// Index of the period.
    pub period_index: i32,
    /// What it charges.
    pub amount_minor: i64,
    /// Its currency.
    pub currency: Currency,
    /// `created` while an attempt is open, then `succeeded` or `failed`.
    pub status: PaymentStatus,
    /// The latest attempt's payment intent.
    pub gateway_payment_id: Option<String>,
    /// Attempts recorded so far.
    pub attempts: i32,
    /// The decline code of a failed attempt.
    pub failure_code: Option<String>,
    /// The period it paid for, once it succeeded.
    pub period_start: Option<DateTime<Utc>>,
    /// End of that period.
    pub period_end: Option<DateTime<Utc>>,
}

/// The period's charge row, created at `amount` if it is new (an existing row keeps the amount
/// it was opened at).
pub async fn open(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
    period_index: i32,
    amount: &Money,
) -> sqlx::Result<PeriodCharge> {
    sqlx::query_as!(
        PeriodCharge,
        r#"insert into subscription_charges (subscription_id, period_index, amount_minor, currency,
                status)
         values ($1, $2, $3, $4, 'created')
         on conflict (subscription_id, period_index) do update set updated_at = now()
         returning period_index, amount_minor, currency as "currency: Currency",
                   status as "status: PaymentStatus", gateway_payment_id, attempts, failure_code,
                   period_start, period_end"#,
        subscription_id.as_uuid(),
        period_index,
        amount.amount_minor,
        amount.currency.as_str(),
    )
    .fetch_one(db)
    .await
}

/// Records `intent_id` as attempt `attempt` of the period, if no attempt this far was recorded
/// yet and the period is not paid. Returns the intent the attempt has (ours, or a concurrent
/// attempt's that won), `None` if the row moved past this attempt.
pub async fn record_attempt(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
    period_index: i32,
    attempt: i32,
    intent_id: &str,
) -> sqlx::Result<Option<String>> {
    let recorded = sqlx::query_scalar!(
        "update subscription_charges
            set attempts = $3, gateway_payment_id = $4, status = 'created', failure_code = null
          where subscription_id = $1 and period_index = $2 and attempts < $3
            and status <> 'succeeded'
         returning gateway_payment_id",
        subscription_id.as_uuid(),
        period_index,
        attempt,
        intent_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(recorded.flatten())
}

/// Records a declined attempt (only over the attempt's own, still open, intent).
pub async fn record_decline(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
    period_index: i32,
    intent_id: &str,
    code: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update subscription_charges set status = 'failed', failure_code = $4
          where subscription_id = $1 and period_index = $2 and gateway_payment_id = $3
            and status = 'created'",
        subscription_id.as_uuid(),
        period_index,
        intent_id,
        code,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records the period as paid and the subscription as running it, in one transaction.
///
/// The period starts where the previous one ended, or now if that is later (a renewal paid
/// late by dunning starts when paid: the member never pays for days without benefits), and
/// lasts the plan's period. A subscription the customer cancelled meanwhile reads
/// `cancelling`. Recording a paid period again changes nothing. Returns the period's bounds.
pub async fn record_paid(
    db: &PgPool,
    subscription_id: SubscriptionId,
    period_index: i32,
    intent_id: &str,
) -> sqlx::Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "update subscription_charges c
            set status = 'succeeded', failure_code = null,
                period_start = b.period_start,
                period_end = b.period_start + plan_period(p.period_unit, p.period_count)
           from subscriptions s
           join subscription_plans p using (plan_id)
           cross join lateral (
               select greatest(now(), coalesce((
                   select prev.period_end from subscription_charges prev
                    where prev.subscription_id = s.subscription_id
                      and prev.period_index = $2 - 1), now())) as period_start) b
          where c.subscription_id = $1 and c.period_index = $2 and c.gateway_payment_id = $3
            and c.status <> 'succeeded' and s.subscription_id = c.subscription_id",
        subscription_id.as_uuid(),
        period_index,
        intent_id,
    )
    .execute(&mut *tx)
    .await?;
    let bounds = sqlx::query!(
        r#"select period_start as "period_start!", period_end as "period_end!"
             from subscription_charges
            where subscription_id = $1 and period_index = $2 and status = 'succeeded'"#,
        subscription_id.as_uuid(),
        period_index,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(bounds) = bounds else {
        return Ok(None);
    };
    sqlx::query!(
        "update subscriptions
            set status = case when cancel_at_period_end then 'cancelling' else 'active' end,
                period_index = $2, current_period_start = $3, current_period_end = $4
          where subscription_id = $1 and status <> 'ended' and period_index <= $2",
        subscription_id.as_uuid(),
        period_index,
        bounds.period_start,
        bounds.period_end,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some((bounds.period_start, bounds.period_end)))
}

/// Every period's charge of a subscription, oldest first.
pub async fn of_subscription(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
) -> sqlx::Result<Vec<PeriodCharge>> {
    sqlx::query_as!(
        PeriodCharge,
        r#"select period_index, amount_minor, currency as "currency: Currency",
                  status as "status: PaymentStatus", gateway_payment_id, attempts, failure_code,
                  period_start, period_end
             from subscription_charges where subscription_id = $1 order by period_index"#,
        subscription_id.as_uuid(),
    )
    .fetch_all(db)
    .await
}
