//! Charging a subscription's periods at the gateway, and recording where the subscription
//! stands.
//!
//! A period is charged at most once: every attempt works on the period's one charge row
//! (`subscription_charges`, keyed by subscription and period index), records its payment intent
//! before confirming it, and a retried activity reads that intent back instead of creating
//! another. The gateway's idempotency key is derived from the workflow's subscription id, the
//! period and the dunning attempt ([`mtbp_domain::SubscriptionId::charge_key`]).

mod charge;

use crate::error::from_sqlx;
use crate::payments::heartbeating;
use mtbp_domain::{SubscriptionEnd, SubscriptionId};
use mtbp_infra::gateway::StripeGateway;
use mtbp_store::PgPool;
use mtbp_store::subscriptions::lifecycle;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// Ask to charge one period of a subscription (one dunning attempt of it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodChargeRequest {
    /// The subscription; the workflow id is `subscription-{id}`.
    pub subscription_id: SubscriptionId,
    /// The period (0 for the first).
    pub period_index: u32,
    /// Which attempt at this period (1 for the first, then one per dunning retry).
    pub attempt: u32,
}

/// What became of a period's charge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeriodOutcome {
    /// Paid: the period runs from `start_ms` to `end_ms` (ms since the epoch).
    Paid {
        /// Start of the paid period.
        start_ms: i64,
        /// End of the paid period: the next charge is due then.
        end_ms: i64,
    },
    /// The card was refused.
    Declined {
        /// Gateway decline code.
        code: String,
    },
    /// The customer cancelled (or the subscription ended) before this period was charged:
    /// nothing was charged.
    Cancelled,
}

/// A subscription's new standing, written by the workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    /// A renewal was declined; dunning retries it.
    PastDue,
    /// Over.
    Ended(SubscriptionEnd),
}

/// Ask to record a subscription's new standing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandingRequest {
    /// The subscription.
    pub subscription_id: SubscriptionId,
    /// Its new standing.
    pub standing: Standing,
}

/// Subscription activities over the gateway and the database.
pub struct SubscriptionActivities {
    db: PgPool,
    gateway: StripeGateway,
}

impl SubscriptionActivities {
    /// Builds the activities.
    pub fn new(db: PgPool, gateway: StripeGateway) -> Self {
        Self { db, gateway }
    }
}

#[activities]
impl SubscriptionActivities {
    /// Charges one period once, whatever the number of attempts of this activity.
    #[activity]
    pub async fn charge_subscription_period(
        self: Arc<Self>,
        ctx: ActivityContext,
        req: PeriodChargeRequest,
    ) -> Result<PeriodOutcome, ActivityError> {
        heartbeating(&ctx, self.charge(&req)).await
    }

    /// Records the subscription's standing (conditional: an ended one stays ended).
    #[activity]
    pub async fn record_subscription_standing(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: StandingRequest,
    ) -> Result<(), ActivityError> {
        let done = match req.standing {
            Standing::PastDue => lifecycle::mark_past_due(&self.db, req.subscription_id).await,
            Standing::Ended(reason) => lifecycle::end(&self.db, req.subscription_id, reason).await,
        };
        done.map_err(from_sqlx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_charge_request_keeps_its_wire_shape() {
        let req = PeriodChargeRequest {
            subscription_id: SubscriptionId::from_uuid(uuid::Uuid::nil()),
            period_index: 3,
            attempt: 2,
        };
        let json = serde_json::to_string(&req).expect("serializes");
        assert_eq!(
            json,
            r#"{"subscription_id":"00000000-0000-0000-0000-000000000000","period_index":3,"attempt":2}"#
        );
    }
}
