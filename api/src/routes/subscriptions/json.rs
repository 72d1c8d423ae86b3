//! Request and response bodies of the subscription-plan and subscription endpoints.

use chrono::{DateTime, Utc};
use mtbp_domain::subscription::Announcements as Prefs;
use mtbp_domain::{
    AccountId, PeriodUnit, PlanId, SubscriptionEnd, SubscriptionId, SubscriptionStatus,
};
use mtbp_store::subscriptions::Subscription as SubscriptionRow;
use mtbp_store::subscriptions::plans::Plan as PlanRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A plan's period: `count` units (`day`, `week`, `month`, `year`; `second` only where the
/// deployment allows periods that short, i.e. in tests).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// The unit.
    #[schema(value_type = String, example = "month")]
    pub unit: PeriodUnit,
    /// How many units, 1-1000.
    pub count: u32,
}

/// A plan to create, or its new fields (`PUT` replaces them all).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// Name, 1-120 characters, shown on quotes' member lines.
    pub name: String,
    /// Price of one period in minor units (paise), at least 1.
    pub amount_minor: i64,
    /// ISO currency code, e.g. `INR`.
    pub currency: String,
    /// Length of a period.
    pub period: Period,
    /// Basis points off every ticket, 0-10000.
    #[serde(default)]
    pub ticket_discount_bp: u32,
    /// No convenience fee on members' bookings.
    #[serde(default)]
    pub fee_waived: bool,
    /// Hours before general sale members may book, 0-720.
    #[serde(default)]
    pub early_access_hours: u32,
    /// Open to new subscribers (default true).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A subscription plan.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    /// Id.
    #[schema(value_type = Uuid)]
    pub plan_id: PlanId,
    /// Name.
    pub name: String,
    /// Price of one period in minor units.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
    /// Length of a period.
    pub period: Period,
    /// Basis points off every ticket.
    pub ticket_discount_bp: u32,
    /// No convenience fee.
    pub fee_waived: bool,
    /// Hours of early access.
    pub early_access_hours: u32,
    /// Open to new subscribers.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

fn unsigned(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

impl From<PlanRow> for Plan {
    fn from(p: PlanRow) -> Self {
        Self {
            plan_id: p.plan_id,
            name: p.name,
            amount_minor: p.amount_minor,
            currency: p.currency.as_str().to_owned(),
            period: Period {
                unit: p.period_unit,
                count: unsigned(p.period_count),
            },
            ticket_discount_bp: unsigned(p.ticket_discount_bp),
            fee_waived: p.fee_waived,
            early_access_hours: unsigned(p.early_access_hours),
            active: p.active,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// `GET /subscription-plans` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PlanQuery {
    /// Include plans closed to new subscribers (operators only).
    #[serde(default, rename = "includeInactive")]
    pub include_inactive: bool,
}

/// Subscribe to a plan with a saved card.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    /// The plan.
    #[schema(value_type = Uuid)]
    pub plan_id: PlanId,
    /// A payment method the customer saved (`POST /customers/{id}/payment-methods`).
    pub payment_method: String,
}

/// A subscription's new card.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionChange {
    /// A payment method the customer saved (`POST /customers/{id}/payment-methods`): it pays
    /// the periods to come, and a past-due subscription's next attempt is made with it at once.
    pub payment_method: String,
}

/// What new movies the subscriber wants to hear about. Each list at most 20 entries of 1-60
/// characters; repeats are dropped.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Announcements {
    /// Cities.
    #[serde(default)]
    pub cities: Vec<String>,
    /// Genres.
    #[serde(default)]
    pub genres: Vec<String>,
    /// Languages.
    #[serde(default)]
    pub languages: Vec<String>,
}

impl From<Prefs> for Announcements {
    fn from(p: Prefs) -> Self {
        Self {
            cities: p.cities,
            genres: p.genres,
            languages: p.languages,
        }
    }
}

impl From<Announcements> for Prefs {
    fn from(a: Announcements) -> Self {
        Self {
            cities: a.cities,
            genres: a.genres,
            languages: a.languages,
        }
    }
}

/// A customer's subscription.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Subscription {
    /// Id.
    #[schema(value_type = Uuid)]
    pub subscription_id: SubscriptionId,
    /// The subscriber.
    #[schema(value_type = Uuid)]
    pub customer_id: AccountId,
    /// The plan.
    #[schema(value_type = Uuid)]
    pub plan_id: PlanId,
    /// `pending` (first charge under way), `active`, `past_due` (a renewal is being retried),
    /// `cancelling` (ends at the period's end) or `ended`.
    #[schema(value_type = String, example = "active")]
    pub status: SubscriptionStatus,
    /// The saved card charged each period.
    pub payment_method: String,
    /// Index of the latest paid period (0 for the first).
    pub period_index: i32,
    /// Start of the paid period.
    pub current_period_start: Option<DateTime<Utc>>,
    /// End of the paid period: benefits last until then.
    pub current_period_end: Option<DateTime<Utc>>,
    /// No further period will be charged.
    pub cancel_at_period_end: bool,
    /// Member prices apply now (active or cancelling, within the paid period).
    pub benefits_active: bool,
    /// `cancelled` or `payment_failed`, once ended.
    #[schema(value_type = Option<String>)]
    pub ended_reason: Option<SubscriptionEnd>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Announcement preferences.
    pub announcements: Announcements,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl Subscription {
    /// The wire shape of `row` with its preferences, as seen at `now`.
    pub fn new(row: SubscriptionRow, announcements: Prefs, now: DateTime<Utc>) -> Self {
        let covered = matches!(
            (row.current_period_start, row.current_period_end),
            (Some(start), Some(end)) if start <= now && now < end
        );
        let benefits_active = covered
            && matches!(
                row.status,
                SubscriptionStatus::Active | SubscriptionStatus::Cancelling
            );
        Self {
            subscription_id: row.subscription_id,
            customer_id: row.customer_id,
            plan_id: row.plan_id,
            status: row.status,
            payment_method: row.gateway_payment_method_id,
            period_index: row.period_index,
            current_period_start: row.current_period_start,
            current_period_end: row.current_period_end,
            cancel_at_period_end: row.cancel_at_period_end,
            benefits_active,
            ended_reason: row.ended_reason,
            ended_at: row.ended_at,
            announcements: announcements.into(),
            created_at: row.created_at,
        }
    }
}

/// `GET /subscriptions` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionQuery {
    /// Whose subscriptions (yourself, or anyone for operators).
    #[serde(rename = "customerId")]
    #[param(value_type = Uuid)]
    pub customer_id: AccountId,
}
