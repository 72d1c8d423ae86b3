//! One charge attempt: find or create the booking's payment intent, confirm it at most once,
//! and record what the gateway says.

use super::{ChargeOutcome, ChargeRequest, GATEWAY, PaymentActivities, gateway_error};
use crate::error::{from_sqlx, permanent};
use mtbp_domain::{BookingId, PaymentStatus};
use mtbp_infra::gateway::{GatewayError, PaymentIntent};
use mtbp_store::payments;
use temporalio_sdk::activities::ActivityError;

impl PaymentActivities {
    /// The body of `charge_payment`.
    pub(super) async fn charge(&self, req: &ChargeRequest) -> Result<ChargeOutcome, ActivityError> {
        let intent = match self.recorded_intent(req.booking_id).await? {
            Some(id) => self.gateway.get_payment_intent(&id).await,
            None => self.create_and_record_intent(req).await,
        };
        let intent = match intent {
            Ok(pi) => pi,
            Err(GatewayError::Declined { code, message }) => {
                return Ok(ChargeOutcome::Declined { code, message });
            }
            Err(e) => return Err(gateway_error(e)),
        };
        match intent.status.as_str() {
            "succeeded" => self.charged(req.booking_id, intent).await,
            "requires_confirmation" => self.confirm(req, intent).await,
            "requires_payment_method" => self.declined(req.booking_id, &intent).await,
            "canceled" => Err(permanent(format!(
                "payment intent {} was cancelled; it can no longer be charged",
                intent.id
            ))),
            other => Err(settling(&intent.id, other)),
        }
    }

    /// Confirms the intent (this charges the card). A refused confirm is re-read: an earlier,
    /// abandoned attempt may have confirmed it meanwhile, and then the charge stands.
    async fn confirm(
        &self,
        req: &ChargeRequest,
        intent: PaymentIntent,
    ) -> Result<ChargeOutcome, ActivityError> {
        let key = format!("{}-confirm", req.booking_id.charge_key());
        match self.gateway.confirm_payment_intent(&intent.id, &key).await {
            Ok(pi) if pi.status == "succeeded" => self.charged(req.booking_id, pi).await,
            Ok(pi) => Err(settling(&pi.id, &pi.status)),
            Err(GatewayError::Declined { code, message }) => {
                self.record_charge(
                    req.booking_id,
                    &intent.id,
                    PaymentStatus::Failed,
                    Some(&code),
                )
                .await?;
                Ok(ChargeOutcome::Declined { code, message })
            }
            Err(GatewayError::Rejected { status, message }) => {
                let now = self
                    .gateway
                    .get_payment_intent(&intent.id)
                    .await
                    .map_err(gateway_error)?;
                match now.status.as_str() {
                    "succeeded" => self.charged(req.booking_id, now).await,
                    "requires_payment_method" => self.declined(req.booking_id, &now).await,
                    _ => Err(gateway_error(GatewayError::Rejected { status, message })),
                }
            }
            Err(e) => Err(gateway_error(e)),
        }
    }

    async fn charged(
        &self,
        booking_id: BookingId,
        pi: PaymentIntent,
    ) -> Result<ChargeOutcome, ActivityError> {
        if !self.faults.pause_after_charge.is_zero() {
            tokio::time::sleep(self.faults.pause_after_charge).await;
        }
        self.record_charge(booking_id, &pi.id, PaymentStatus::Succeeded, None)
            .await?;
        Ok(ChargeOutcome::Charged {
            payment_intent_id: pi.id,
        })
    }

    async fn declined(
        &self,
        booking_id: BookingId,
        intent: &PaymentIntent,
    ) -> Result<ChargeOutcome, ActivityError> {
        let (code, message) = previous_decline(intent);
        self.record_charge(booking_id, &intent.id, PaymentStatus::Failed, Some(&code))
            .await?;
        Ok(ChargeOutcome::Declined { code, message })
    }

    pub(super) async fn recorded_intent(
        &self,
        booking_id: BookingId,
    ) -> Result<Option<String>, ActivityError> {
        payments::recorded_intent(&self.db, booking_id)
            .await
            .map_err(from_sqlx)
    }

    /// Creates the intent and records its id; if a concurrent attempt recorded one first, that
    /// one wins and ours (never confirmed, so never charged) is cancelled.
    async fn create_and_record_intent(
        &self,
        req: &ChargeRequest,
    ) -> Result<PaymentIntent, GatewayError> {
        let created = self
            .gateway
            .create_payment_intent(
                &req.booking_id.to_string(),
                &req.amount,
                &req.payment_method,
                req.gateway_customer.as_deref(),
                &req.booking_id.charge_key(),
            )
            .await?;
        let winner =
            payments::record_intent(&self.db, req.booking_id, GATEWAY, &created.id, &req.amount)
                .await
                .map_err(|e| GatewayError::Unavailable(format!("recording payment intent: {e}")))?;
        match winner {
            Some(id) if id != created.id => {
                let _ = self.gateway.cancel_payment_intent(&created.id).await;
                self.gateway.get_payment_intent(&id).await
            }
            _ => Ok(created),
        }
    }

    /// Records the gateway's answer. An outcome once recorded stays: a late attempt can neither
    /// turn a success into a decline nor touch a cancelled payment; only the gateway's own
    /// success may replace a decline recorded from an earlier read.
    async fn record_charge(
        &self,
        booking_id: BookingId,
        intent_id: &str,
        status: PaymentStatus,
        failure_code: Option<&str>,
    ) -> Result<(), ActivityError> {
        payments::record_charge(&self.db, booking_id, intent_id, status, failure_code)
            .await
            .map_err(from_sqlx)
    }
}

/// An intent that is neither paid nor refused yet (`processing`, `requires_action`): retried,
/// so the next attempt reads it again.
pub(crate) fn settling(intent_id: &str, status: &str) -> ActivityError {
    ActivityError::from(anyhow::anyhow!(
        "payment intent {intent_id} is {status}; waiting for it to settle"
    ))
}

/// The decline code and message an intent that needs a new payment method was refused with.
pub(crate) fn previous_decline(intent: &PaymentIntent) -> (String, String) {
    let err = intent.last_payment_error.as_ref();
    (
        err.and_then(|e| e.decline_code.clone().or(e.code.clone()))
            .unwrap_or_else(|| "card_declined".into()),
        err.and_then(|e| e.message.clone())
            .unwrap_or_else(|| "the payment method was refused".into()),
    )
}
