//! The benefits a customer's subscription gives a booking now: what the quote prices with.

use chrono::{DateTime, Utc};
use mtbp_domain::AccountId;
use mtbp_domain::pricing::Membership;
use sqlx::PgPool;

/// The customer's membership at `now`: an `active` or `cancelling` subscription whose paid
/// period covers `now` (a `past_due` one gives nothing until dunning charges it). With several,
/// the one with the larger discount (then a waived fee) prices, and the longest early access
/// of them all opens sales early.
pub async fn membership(
    db: &PgPool,
    customer_id: AccountId,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Membership>> {
    let row = sqlx::query!(
        r#"select p.name, p.ticket_discount_bp, p.fee_waived,
                max(p.early_access_hours) over () as "early_access_hours!"
           from subscriptions s join subscription_plans p using (plan_id)
          where s.customer_id = $1 and s.status in ('active', 'cancelling')
            and s.current_period_start <= $2 and s.current_period_end > $2
          order by p.ticket_discount_bp desc, p.fee_waived desc, s.created_at
          limit 1"#,
        customer_id.as_uuid(),
        now,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Membership {
        plan: r.name,
        ticket_discount_bp: u32::try_from(r.ticket_discount_bp).unwrap_or(0),
        fee_waived: r.fee_waived,
        early_access_hours: u32::try_from(r.early_access_hours).unwrap_or(0),
    }))
}
