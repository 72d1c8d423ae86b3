//! Charging and refunding a booking at the payment gateway.
//!
//! Never lean on the gateway's idempotency key alone (Stripe keeps keys for 24 hours and
//! localstripe ignores them): the payment intent's id is recorded *before* it is confirmed, so a
//! retried activity finds it, reads its state, and confirms it at most once.
//!
//! Both activities heartbeat while they wait on the gateway and stop when Temporal cancels them
//! (an operator's cancel, or an attempt that outlived its timeout), so no attempt keeps charging
//! behind the workflow's back. What an abandoned HTTP call may still do at the gateway is settled
//! by the refund, which reads the intent's real state there ([`refund`]).
//!
//! What is recorded about a payment is written by [`mtbp_store::payments`].

pub(crate) mod charge;
pub(crate) mod heartbeat;
mod refund;

use crate::error::permanent;
pub(crate) use heartbeat::heartbeating;
use mtbp_domain::{BookingId, Currency, Money};
use mtbp_infra::gateway::{GatewayError, StripeGateway};
use mtbp_store::PgPool;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// Name of the gateway in the `payments` table.
const GATEWAY: &str = "stripe";

/// Ask to charge a booking.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChargeRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// The amount to charge; on the wire as `amount_minor` and `currency`.
    #[serde(flatten)]
    pub amount: Money,
    /// Gateway payment method id (`pm_…`), tokenised by the client.
    pub payment_method: String,
    /// Gateway customer of a saved payment method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_customer: Option<String>,
}

/// What the gateway did with a charge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChargeOutcome {
    /// The money is taken.
    Charged {
        /// Gateway payment intent id.
        payment_intent_id: String,
    },
    /// The card or payment method was refused.
    Declined {
        /// Gateway decline code.
        code: String,
        /// Gateway message.
        message: String,
    },
}

/// Ask to give a booking's money back.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefundRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// Why, for the record.
    pub reason: String,
}

/// What a refund did.
///
/// On the wire `Refunded` is `{"refund_id", "amount_minor", "currency"}`; histories written
/// before refunds said their currency lack the last one, and read as [`Self::RefundedUntold`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RefundOutcomeWire", into = "RefundOutcomeWire")]
pub enum RefundOutcome {
    /// The money went back.
    Refunded {
        /// Gateway refund id.
        refund_id: String,
        /// What went back (the charge's currency).
        amount: Money,
    },
    /// The money went back, as recorded by an activity that did not say the currency (the
    /// charge's): only in histories written before it did.
    RefundedUntold {
        /// Gateway refund id.
        refund_id: String,
        /// Amount in minor units of the charge's currency.
        amount_minor: i64,
    },
    /// No money had been taken (no intent, or one never confirmed, now cancelled).
    NothingToRefund,
}

impl RefundOutcome {
    /// Whether money went back.
    pub const fn refunded(&self) -> bool {
        matches!(self, Self::Refunded { .. } | Self::RefundedUntold { .. })
    }
}

/// [`RefundOutcome`] as histories hold it: one `Refunded` shape, with or without its currency.
#[derive(Serialize, Deserialize)]
enum RefundOutcomeWire {
    Refunded {
        refund_id: String,
        amount_minor: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        currency: Option<Currency>,
    },
    NothingToRefund,
}

impl From<RefundOutcomeWire> for RefundOutcome {
    fn from(wire: RefundOutcomeWire) -> Self {
        match wire {
            RefundOutcomeWire::Refunded {
                refund_id,
                amount_minor,
                currency: Some(currency),
            } => Self::Refunded {
                refund_id,
                amount: Money {
                    amount_minor,
                    currency,
                },
            },
            RefundOutcomeWire::Refunded {
                refund_id,
                amount_minor,
                currency: None,
            } => Self::RefundedUntold {
                refund_id,
                amount_minor,
            },
            RefundOutcomeWire::NothingToRefund => Self::NothingToRefund,
        }
    }
}

impl From<RefundOutcome> for RefundOutcomeWire {
    fn from(outcome: RefundOutcome) -> Self {
        match outcome {
            RefundOutcome::Refunded { refund_id, amount } => Self::Refunded {
                refund_id,
                amount_minor: amount.amount_minor,
                currency: Some(amount.currency),
            },
            RefundOutcome::RefundedUntold {
                refund_id,
                amount_minor,
            } => Self::Refunded {
                refund_id,
                amount_minor,
                currency: None,
            },
            RefundOutcome::NothingToRefund => Self::NothingToRefund,
        }
    }
}

/// Fault injection for crash and race tests. Zero in production.
#[derive(Clone, Copy, Debug, Default)]
pub struct PaymentFaults {
    /// Pause after a successful confirm, before recording it: the most dangerous place for a
    /// worker to die.
    pub pause_after_charge: Duration,
    /// Pause inside the seat confirmation's transaction, after the booking row is locked: the
    /// window where an operator's cancel meets a confirm.
    pub pause_in_confirm: Duration,
}

/// Payment activities over the gateway and the database.
pub struct PaymentActivities {
    db: PgPool,
    gateway: StripeGateway,
    faults: PaymentFaults,
}

impl PaymentActivities {
    /// Builds the activities.
    pub fn new(db: PgPool, gateway: StripeGateway, faults: PaymentFaults) -> Self {
        Self {
            db,
            gateway,
            faults,
        }
    }
}

/// A gateway failure as an activity failure: retry what may pass, refuse what never will.
pub(crate) fn gateway_error(err: GatewayError) -> ActivityError {
    match err {
        GatewayError::Unavailable(_) => ActivityError::from(anyhow::Error::new(err)),
        other => permanent(other.to_string()),
    }
}

#[activities]
impl PaymentActivities {
    /// Charges the booking once, whatever the number of attempts.
    #[activity]
    pub async fn charge_payment(
        self: Arc<Self>,
        ctx: ActivityContext,
        req: ChargeRequest,
    ) -> Result<ChargeOutcome, ActivityError> {
        heartbeating(&ctx, self.charge(&req)).await
    }

    /// Gives back whatever the gateway really took for the booking, once: cancels an intent
    /// that can still be cancelled, refunds one that succeeded, and re-checks one that is still
    /// settling. A refund the gateway refuses fails for good, for an operator to look at.
    #[activity]
    pub async fn refund_payment(
        self: Arc<Self>,
        ctx: ActivityContext,
        req: RefundRequest,
    ) -> Result<RefundOutcome, ActivityError> {
        heartbeating(&ctx, self.refund(&req)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charge_request_keeps_its_wire_shape() {
        let req = ChargeRequest {
            booking_id: BookingId::from_uuid(uuid::Uuid::nil()),
            amount: Money {
                amount_minor: 25_000,
                currency: Currency::parse("INR").expect("valid"),
            },
            payment_method: "pm_card_visa".into(),
            gateway_customer: None,
        };
        let json = serde_json::to_string(&req).expect("serializes");
        assert_eq!(
            json,
            r#"{"booking_id":"00000000-0000-0000-0000-000000000000","amount_minor":25000,"currency":"INR","payment_method":"pm_card_visa"}"#
        );
        let back: ChargeRequest = serde_json::from_str(&json).expect("parses");
        assert_eq!(back.amount, req.amount);
    }

    #[test]
    fn a_refund_says_its_currency_and_older_ones_still_read() {
        let inr = Currency::parse("INR").expect("valid");
        let new = RefundOutcome::Refunded {
            refund_id: "re_1".into(),
            amount: Money {
                amount_minor: 500,
                currency: inr,
            },
        };
        let json = serde_json::to_string(&new).expect("serializes");
        assert_eq!(
            json,
            r#"{"Refunded":{"refund_id":"re_1","amount_minor":500,"currency":"INR"}}"#
        );
        assert_eq!(serde_json::from_str::<RefundOutcome>(&json).ok(), Some(new));
        let old = r#"{"Refunded":{"refund_id":"re_1","amount_minor":500}}"#;
        let read: RefundOutcome = serde_json::from_str(old).expect("an older history reads");
        assert!(read.refunded());
        assert_eq!(serde_json::to_string(&read).ok().as_deref(), Some(old));
        let none: RefundOutcome = serde_json::from_str(r#""NothingToRefund""#).expect("reads");
        assert!(!none.refunded());
    }
}
