//! Subscription plans operators define: price, period and benefits.

use chrono::{DateTime, Utc};
use mtbp_domain::subscription::{PlanBenefits, PlanPeriod};
use mtbp_domain::{AccountId, Currency, Money, PeriodUnit, PlanId};
use sqlx::PgExecutor;

/// A plan as stored.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The plan.
    pub plan_id: PlanId,
    /// Its name, shown on quotes' member lines.
    pub name: String,
    /// Price of one period, in minor units.
    pub amount_minor: i64,
    /// Currency of the price.
    pub currency: Currency,
    /// Unit of the period.
    pub period_unit: PeriodUnit,
    /// Units per period.
    pub period_count: i32,
    /// Basis points off every ticket.
    pub ticket_discount_bp: i32,
    /// No convenience fee.
    pub fee_waived: bool,
    /// Hours of early access.
    pub early_access_hours: i32,
    /// Open to new subscribers.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Plan {
    /// The price of one period.
    pub fn price(&self) -> Money {
        Money {
            amount_minor: self.amount_minor,
            currency: self.currency.clone(),
        }
    }
}

/// A plan to create, or what an edit sets (validated by the caller).
#[derive(Clone, Debug)]
pub struct PlanFields {
    /// Name.
    pub name: String,
    /// Price of one period.
    pub price: Money,
    /// Period.
    pub period: PlanPeriod,
    /// Benefits.
    pub benefits: PlanBenefits,
    /// Open to new subscribers.
    pub active: bool,
}

fn as_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Creates a plan.
pub async fn create(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    fields: &PlanFields,
    created_by: AccountId,
) -> sqlx::Result<Plan> {
    sqlx::query_as!(
        Plan,
        r#"insert into subscription_plans (plan_id, name, amount_minor, currency, period_unit,
                period_count, ticket_discount_bp, fee_waived, early_access_hours, active, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         returning plan_id as "plan_id: PlanId", name, amount_minor,
                   currency as "currency: Currency", period_unit as "period_unit: PeriodUnit",
                   period_count, ticket_discount_bp, fee_waived, early_access_hours, active,
                   created_at, updated_at"#,
        plan_id.as_uuid(),
        fields.name,
        fields.price.amount_minor,
        fields.price.currency.as_str(),
        fields.period.unit.as_str(),
        as_i32(fields.period.count),
        as_i32(fields.benefits.ticket_discount_bp),
        fields.benefits.fee_waived,
        as_i32(fields.benefits.early_access_hours),
        fields.active,
        created_by.as_uuid(),
    )
    .fetch_one(db)
    .await
}

/// Replaces a plan's fields. Live subscriptions keep the period they paid for; the next
/// period is charged at the new price. `None` if there is no such plan.
pub async fn update(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    fields: &PlanFields,
) -> sqlx::Result<Option<Plan>> {
    sqlx::query_as!(
        Plan,
        r#"update subscription_plans
              set name = $2, amount_minor = $3, currency = $4, period_unit = $5, period_count = $6,
                  ticket_discount_bp = $7, fee_waived = $8, early_access_hours = $9, active = $10
            where plan_id = $1
         returning plan_id as "plan_id: PlanId", name, amount_minor,
                   currency as "currency: Currency", period_unit as "period_unit: PeriodUnit",
                   period_count, ticket_discount_bp, fee_waived, early_access_hours, active,
                   created_at, updated_at"#,
        plan_id.as_uuid(),
        fields.name,
        fields.price.amount_minor,
        fields.price.currency.as_str(),
        fields.period.unit.as_str(),
        as_i32(fields.period.count),
        as_i32(fields.benefits.ticket_discount_bp),
        fields.benefits.fee_waived,
        as_i32(fields.benefits.early_access_hours),
        fields.active,
    )
    .fetch_optional(db)
    .await
}

/// One plan.
pub async fn get(db: impl PgExecutor<'_>, plan_id: PlanId) -> sqlx::Result<Option<Plan>> {
    sqlx::query_as!(
        Plan,
        r#"select plan_id as "plan_id: PlanId", name, amount_minor,
                  currency as "currency: Currency", period_unit as "period_unit: PeriodUnit",
                  period_count, ticket_discount_bp, fee_waived, early_access_hours, active,
                  created_at, updated_at
             from subscription_plans where plan_id = $1"#,
        plan_id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}

/// The plans, cheapest first; inactive ones only if `with_inactive`.
pub async fn list(db: impl PgExecutor<'_>, with_inactive: bool) -> sqlx::Result<Vec<Plan>> {
    sqlx::query_as!(
        Plan,
        r#"select plan_id as "plan_id: PlanId", name, amount_minor,
                  currency as "currency: Currency", period_unit as "period_unit: PeriodUnit",
                  period_count, ticket_discount_bp, fee_waived, early_access_hours, active,
                  created_at, updated_at
             from subscription_plans where active or $1
            order by amount_minor, name, plan_id"#,
        with_inactive,
    )
    .fetch_all(db)
    .await
}
