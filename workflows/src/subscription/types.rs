//! Input, query result and search attributes of the subscription workflow.

use mtbp_domain::{AccountId, SubscriptionEnd, SubscriptionId, SubscriptionStatus};
use serde::{Deserialize, Serialize};
use temporalio_common::search_attributes::SearchAttributeKey;

/// How one run (one period) of a subscription's workflow starts. Ids and numbers only: the
/// card and the price are read from the database at each charge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionInput {
    /// The subscription; the workflow id is `subscription-{subscription_id}`.
    pub subscription_id: SubscriptionId,
    /// The subscriber (for the `CustomerId` search attribute).
    pub customer_id: AccountId,
    /// The period this run charges (0 for the first); each renewal continues as new with the
    /// next.
    pub period_index: u32,
    /// Dunning: seconds to wait before each retry of a declined renewal. After the last retry
    /// is declined too, the subscription ends (`payment_failed`).
    pub dunning_seconds: Vec<u32>,
    /// How long one charge attempt is retried before its outcome counts as unknown; none (runs
    /// started before it was configurable): half an hour.
    #[serde(default)]
    pub charge_give_up_seconds: Option<u32>,
    /// How long after an unknown outcome the same attempt is made again; none: 15 minutes.
    #[serde(default)]
    pub unsettled_retry_seconds: Option<u32>,
}

/// What the workflow knows about its subscription: the `status` query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    /// The subscription.
    pub subscription_id: SubscriptionId,
    /// Where it stands.
    pub status: SubscriptionStatus,
    /// The period this run is about.
    pub period_index: u32,
    /// The charge attempt of the period (1, then one more per dunning retry).
    pub attempt: u32,
    /// End of the paid period (ms since the epoch), once paid.
    pub period_end_ms: Option<i64>,
    /// The customer asked to cancel at the period's end.
    pub cancel_requested: bool,
    /// Why it ended, once it has.
    pub ended: Option<SubscriptionEnd>,
}

/// `SubscriptionStatus` search attribute (Keyword): the subscription's stored status name.
pub const SA_SUBSCRIPTION_STATUS: SearchAttributeKey<String> =
    SearchAttributeKey::keyword("SubscriptionStatus");
