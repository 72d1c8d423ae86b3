//! A customer's subscription: created by the API, moved through its statuses by the
//! subscription workflow (`active`, `past_due`, `ended`) and by the customer's cancel.
//!
//! Every transition is conditional on the row's current status, so a late or retried
//! activity never revives an ended subscription.

use chrono::{DateTime, Utc};
use mtbp_domain::{AccountId, PlanId, SubscriptionEnd, SubscriptionId, SubscriptionStatus};
use sqlx::PgExecutor;

/// A subscription as stored.
#[derive(Clone, Debug)]
pub struct Subscription {
    /// The subscription; its workflow id is `subscription-{id}`.
    pub subscription_id: SubscriptionId,
    /// The subscriber.
    pub customer_id: AccountId,
    /// The plan.
    pub plan_id: PlanId,
    /// Where it stands.
    pub status: SubscriptionStatus,
    /// The saved card charged each period (gateway id).
    pub gateway_payment_method_id: String,
    /// The gateway customer the card is saved on.
    pub gateway_customer_id: String,
    /// Index of the latest paid period (0 for the first).
    pub period_index: i32,
    /// Start of the paid period.
    pub current_period_start: Option<DateTime<Utc>>,
    /// End of the paid period: benefits last until then.
    pub current_period_end: Option<DateTime<Utc>>,
    /// The customer cancelled: no further period is charged.
    pub cancel_at_period_end: bool,
    /// Why it ended, once it has.
    pub ended_reason: Option<SubscriptionEnd>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A subscription to create (`pending` until its first period is paid).
#[derive(Clone, Copy, Debug)]
pub struct NewSubscription<'a> {
    /// The new id.
    pub subscription_id: SubscriptionId,
    /// The subscriber.
    pub customer_id: AccountId,
    /// The plan.
    pub plan_id: PlanId,
    /// Saved card (gateway id), already checked to be the customer's.
    pub payment_method: &'a str,
    /// Gateway customer of the card.
    pub gateway_customer: &'a str,
}

/// Name of the unique index that keeps one live subscription per customer and plan.
pub const LIVE_CONSTRAINT: &str = "subscriptions_live";

/// Creates a `pending` subscription; fails on [`LIVE_CONSTRAINT`] if the customer already has
/// a live one for the plan.
pub async fn create(
    db: impl PgExecutor<'_>,
    new: NewSubscription<'_>,
) -> sqlx::Result<Subscription> {
    sqlx::query_as!(
        Subscription,
        r#"insert into subscriptions (subscription_id, customer_id, plan_id, status,
                gateway_payment_method_id, gateway_customer_id)
         values ($1, $2, $3, 'pending', $4, $5)
         returning subscription_id as "subscription_id: SubscriptionId",
                   customer_id as "customer_id: AccountId", plan_id as "plan_id: PlanId",
                   status as "status: SubscriptionStatus", gateway_payment_method_id,
                   gateway_customer_id, period_index, current_period_start, current_period_end,
                   cancel_at_period_end, ended_reason as "ended_reason: SubscriptionEnd",
                   ended_at, created_at, updated_at"#,
        new.subscription_id.as_uuid(),
        new.customer_id.as_uuid(),
        new.plan_id.as_uuid(),
        new.payment_method,
        new.gateway_customer,
    )
    .fetch_one(db)
    .await
}

/// One subscription.
pub async fn get(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
) -> sqlx::Result<Option<Subscription>> {
    sqlx::query_as!(
        Subscription,
        r#"select subscription_id as "subscription_id: SubscriptionId",
                  customer_id as "customer_id: AccountId", plan_id as "plan_id: PlanId",
                  status as "status: SubscriptionStatus", gateway_payment_method_id,
                  gateway_customer_id, period_index, current_period_start, current_period_end,
                  cancel_at_period_end, ended_reason as "ended_reason: SubscriptionEnd",
                  ended_at, created_at, updated_at
             from subscriptions where subscription_id = $1"#,
        subscription_id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}

/// A customer's subscriptions, newest first.
pub async fn of_customer(
    db: impl PgExecutor<'_>,
    customer_id: AccountId,
) -> sqlx::Result<Vec<Subscription>> {
    sqlx::query_as!(
        Subscription,
        r#"select subscription_id as "subscription_id: SubscriptionId",
                  customer_id as "customer_id: AccountId", plan_id as "plan_id: PlanId",
                  status as "status: SubscriptionStatus", gateway_payment_method_id,
                  gateway_customer_id, period_index, current_period_start, current_period_end,
                  cancel_at_period_end, ended_reason as "ended_reason: SubscriptionEnd",
                  ended_at, created_at, updated_at
             from subscriptions where customer_id = $1
            order by created_at desc, subscription_id"#,
        customer_id.as_uuid(),
    )
    .fetch_all(db)
    .await
}

/// The customer cancels: no further period is charged, and an active subscription reads
/// `cancelling` until its period ends. `false` if it has ended already.
pub async fn cancel_at_period_end(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update subscriptions
            set cancel_at_period_end = true,
                status = case when status = 'active' then 'cancelling' else status end
          where subscription_id = $1 and status <> 'ended'",
        subscription_id.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The subscriber's card for the periods to come (and dunning's next attempt). `false` if the
/// subscription has ended.
pub async fn change_card(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
    payment_method: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update subscriptions set gateway_payment_method_id = $2
          where subscription_id = $1 and status <> 'ended'",
        subscription_id.as_uuid(),
        payment_method,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A renewal was declined: `past_due` while dunning retries it (an active subscription only).
pub async fn mark_past_due(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update subscriptions set status = 'past_due'
          where subscription_id = $1 and status = 'active'",
        subscription_id.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends the subscription for `reason`; an ended one keeps its first ending.
pub async fn end(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
    reason: SubscriptionEnd,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update subscriptions set status = 'ended', ended_reason = $2, ended_at = now()
          where subscription_id = $1 and status <> 'ended'",
        subscription_id.as_uuid(),
        reason.as_str(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes a `pending` subscription whose workflow never started (nothing was charged), so
/// the customer may subscribe again at once.
pub async fn discard_unstarted(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from subscriptions s
          where s.subscription_id = $1 and s.status = 'pending'
            and not exists (select 1 from subscription_charges c
                             where c.subscription_id = s.subscription_id)",
        subscription_id.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Cancels every live subscription of `customer` at its period's end (an erased customer's
/// cards are detached: nothing may be charged again). Answers how many.
pub async fn cancel_all_of(db: impl PgExecutor<'_>, customer_id: AccountId) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "update subscriptions
            set cancel_at_period_end = true,
                status = case when status = 'active' then 'cancelling' else status end
          where customer_id = $1 and status <> 'ended'",
        customer_id.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
