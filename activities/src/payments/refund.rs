//! Giving a booking's money back: settle the intent's real final state at the gateway first.
//!
//! The charge may have been abandoned half-way (an attempt timed out or was cancelled while its
//! confirm was on the wire), so the database's view of the payment is not enough: the intent is
//! read at the gateway, and cancelled while it can be, refunded once it succeeded, re-checked
//! while it settles. Only then is the booking closed.

use super::{PaymentActivities, RefundOutcome, RefundRequest, gateway_error};
use crate::error::from_sqlx;
use mtbp_domain::{Currency, Money, PaymentId};
use mtbp_infra::gateway::{GatewayError, PaymentIntent};
use mtbp_store::payments::{self, NewRefund, RecordedPayment, RecordedRefund};
use temporalio_sdk::activities::ActivityError;

/// Statuses from which the gateway still lets an intent be cancelled (no money taken yet).
const CANCELLABLE: &[&str] = &[
    "requires_confirmation",
    "requires_payment_method",
    "requires_action",
    "requires_capture",
];

impl PaymentActivities {
    /// The body of `refund_payment`.
    pub(super) async fn refund(&self, req: &RefundRequest) -> Result<RefundOutcome, ActivityError> {
        let payment = payments::recorded_payment(&self.db, req.booking_id)
            .await
            .map_err(from_sqlx)?;
        // No intent recorded: none was ever confirmed (the id is recorded before the confirm).
        let Some(RecordedPayment {
            payment_id,
            gateway_payment_id: intent_id,
            currency,
            refund,
        }) = payment
        else {
            return Ok(RefundOutcome::NothingToRefund);
        };
        if let Some(RecordedRefund {
            gateway_refund_id,
            amount,
        }) = refund
        {
            return Ok(RefundOutcome::Refunded {
                refund_id: gateway_refund_id,
                amount,
            });
        }
        let mut intent = self
            .gateway
            .get_payment_intent(&intent_id)
            .await
            .map_err(gateway_error)?;
        // At most one cancel: after it the intent is final, or it succeeded in the meantime.
        for _ in 0..2 {
            match intent.status.as_str() {
                "succeeded" => {
                    return self
                        .refund_charged(payment_id, &intent, &currency, req)
                        .await;
                }
                "canceled" => return self.record_cancelled(payment_id).await,
                s if CANCELLABLE.contains(&s) => intent = self.cancel_or_reread(&intent).await?,
                _ => break,
            }
        }
        Err(ActivityError::from(anyhow::anyhow!(
            "payment intent {} is {}; re-checking until it is final",
            intent.id,
            intent.status
        )))
    }

    /// Cancels the intent; if the gateway refuses (it just succeeded, say), reads it again.
    async fn cancel_or_reread(
        &self,
        intent: &PaymentIntent,
    ) -> Result<PaymentIntent, ActivityError> {
        match self.gateway.cancel_payment_intent(&intent.id).await {
            Ok(pi) => Ok(pi),
            Err(GatewayError::Rejected { .. }) => self
                .gateway
                .get_payment_intent(&intent.id)
                .await
                .map_err(gateway_error),
            Err(e) => Err(gateway_error(e)),
        }
    }

    async fn record_cancelled(
        &self,
        payment_id: PaymentId,
    ) -> Result<RefundOutcome, ActivityError> {
        payments::record_cancelled(&self.db, payment_id)
            .await
            .map_err(from_sqlx)?;
        Ok(RefundOutcome::NothingToRefund)
    }

    /// Refunds a succeeded intent in full, once: an earlier refund found at the gateway counts.
    async fn refund_charged(
        &self,
        payment_id: PaymentId,
        intent: &PaymentIntent,
        currency: &Currency,
        req: &RefundRequest,
    ) -> Result<RefundOutcome, ActivityError> {
        let charge_ids: Vec<String> = intent
            .charges
            .as_ref()
            .map(|c| c.data.iter().map(|ch| ch.id.clone()).collect())
            .unwrap_or_default();
        let earlier = self
            .gateway
            .refunds_of(&intent.id, &charge_ids)
            .await
            .map_err(gateway_error)?;
        // A cancellation's partial refund is not the compensation's.
        let refund = match earlier.into_iter().find(|r| r.refund_key() == "full") {
            Some(r) => r,
            // A refusal here is final (non-retryable): the saga flags the booking for an operator.
            None => self
                .gateway
                .create_refund(
                    &intent.id,
                    &req.booking_id.to_string(),
                    &req.booking_id.refund_key(),
                )
                .await
                .map_err(gateway_error)?,
        };
        let record = NewRefund {
            payment_id,
            booking_id: req.booking_id,
            gateway_refund_id: &refund.id,
            amount_minor: refund.amount,
            reason: &req.reason,
            refund_key: "full",
        };
        payments::record_refund(&self.db, record)
            .await
            .map_err(from_sqlx)?;
        Ok(RefundOutcome::Refunded {
            refund_id: refund.id,
            amount: Money {
                amount_minor: refund.amount,
                currency: currency.clone(),
            },
        })
    }
}
