//! One attempt at a period's charge: find or create the attempt's payment intent, confirm it
//! at most once, and record what the gateway says on the period's row.

use super::{PeriodChargeRequest, PeriodOutcome, SubscriptionActivities};
use crate::error::{from_sqlx, permanent};
use crate::payments::charge::{previous_decline, settling};
use crate::payments::gateway_error;
use mtbp_domain::{Money, PaymentStatus, SubscriptionStatus};
use mtbp_infra::gateway::{GatewayError, PaymentIntent, SubscriptionPeriodRef};
use mtbp_store::subscriptions::charges::{self, Billing, PeriodCharge};
use temporalio_sdk::activities::ActivityError;

fn as_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl SubscriptionActivities {
    /// The body of `charge_subscription_period`, callable without Temporal (the tests call it
    /// again to show that a retried attempt charges nothing twice).
    pub async fn charge(&self, req: &PeriodChargeRequest) -> Result<PeriodOutcome, ActivityError> {
        let billing = charges::billing(&self.db, req.subscription_id)
            .await
            .map_err(from_sqlx)?
            .ok_or_else(|| permanent(format!("no subscription {}", req.subscription_id)))?;
        let amount = Money {
            amount_minor: billing.amount_minor,
            currency: billing.currency.clone(),
        };
        let row = charges::open(
            &self.db,
            req.subscription_id,
            as_i32(req.period_index),
            &amount,
        )
        .await
        .map_err(from_sqlx)?;
        if let (PaymentStatus::Succeeded, Some(intent)) = (row.status, &row.gateway_payment_id) {
            return self.paid(req, intent).await;
        }
        let attempt = as_i32(req.attempt);
        let intent = match (&row.gateway_payment_id, row.attempts.cmp(&attempt)) {
            // This attempt's intent is recorded: read it back, never create another.
            (Some(id), std::cmp::Ordering::Equal) => self.gateway.get_payment_intent(id).await,
            (_, std::cmp::Ordering::Greater) => {
                return Err(permanent(format!(
                    "attempt {attempt} of period {} is superseded by attempt {}",
                    req.period_index, row.attempts
                )));
            }
            _ if stopped(&billing) => return Ok(PeriodOutcome::Cancelled),
            _ => self.create_and_record(req, &billing, &row).await,
        };
        let intent = match intent {
            Ok(pi) => pi,
            Err(GatewayError::Declined { code, .. }) => {
                return Ok(PeriodOutcome::Declined { code });
            }
            Err(e) => return Err(gateway_error(e)),
        };
        match intent.status.as_str() {
            "succeeded" => self.paid(req, &intent.id).await,
            "requires_confirmation" => self.confirm(req, intent).await,
            "requires_payment_method" => self.declined(req, &intent).await,
            "canceled" => Err(permanent(format!(
                "payment intent {} was cancelled; it can no longer be charged",
                intent.id
            ))),
            other => Err(settling(&intent.id, other)),
        }
    }

    /// Confirms the intent (this charges the card). A refused confirm is re-read: an earlier,
    /// abandoned attempt may have confirmed it meanwhile.
    async fn confirm(
        &self,
        req: &PeriodChargeRequest,
        intent: PaymentIntent,
    ) -> Result<PeriodOutcome, ActivityError> {
        let key = format!(
            "{}-confirm",
            req.subscription_id
                .charge_key(req.period_index, req.attempt)
        );
        match self.gateway.confirm_payment_intent(&intent.id, &key).await {
            Ok(pi) if pi.status == "succeeded" => self.paid(req, &pi.id).await,
            Ok(pi) if pi.status == "requires_payment_method" => self.declined(req, &pi).await,
            Ok(pi) => Err(settling(&pi.id, &pi.status)),
            Err(GatewayError::Declined { code, .. }) => {
                self.record_decline(req, &intent.id, &code).await?;
                Ok(PeriodOutcome::Declined { code })
            }
            Err(GatewayError::Rejected { status, message }) => {
                let now = self
                    .gateway
                    .get_payment_intent(&intent.id)
                    .await
                    .map_err(gateway_error)?;
                match now.status.as_str() {
                    "succeeded" => self.paid(req, &now.id).await,
                    "requires_payment_method" => self.declined(req, &now).await,
                    _ => Err(gateway_error(GatewayError::Rejected { status, message })),
                }
            }
            Err(e) => Err(gateway_error(e)),
        }
    }

    /// Creates this attempt's intent and records it on the period's row; if a concurrent
    /// attempt recorded one first, that one wins and ours (never confirmed) is cancelled.
    async fn create_and_record(
        &self,
        req: &PeriodChargeRequest,
        billing: &Billing,
        row: &PeriodCharge,
    ) -> Result<PaymentIntent, GatewayError> {
        let subscription = req.subscription_id.to_string();
        let period = SubscriptionPeriodRef {
            subscription_id: &subscription,
            period_index: req.period_index,
        };
        let created = self
            .gateway
            .create_subscription_intent(
                &period,
                row.amount_minor,
                &row.currency.to_gateway(),
                &billing.payment_method,
                &billing.gateway_customer,
                &req.subscription_id
                    .charge_key(req.period_index, req.attempt),
            )
            .await?;
        let winner = charges::record_attempt(
            &self.db,
            req.subscription_id,
            as_i32(req.period_index),
            as_i32(req.attempt),
            &created.id,
        )
        .await
        .map_err(|e| GatewayError::Unavailable(format!("recording payment intent: {e}")))?;
        match winner {
            Some(id) if id == created.id => Ok(created),
            _ => {
                // Another attempt got there first: ours was never confirmed, so never charged.
                let _ = self.gateway.cancel_payment_intent(&created.id).await;
                Err(GatewayError::Unavailable(
                    "a concurrent attempt recorded this period's intent; reading it again".into(),
                ))
            }
        }
    }

    async fn paid(
        &self,
        req: &PeriodChargeRequest,
        intent_id: &str,
    ) -> Result<PeriodOutcome, ActivityError> {
        let bounds = charges::record_paid(
            &self.db,
            req.subscription_id,
            as_i32(req.period_index),
            intent_id,
        )
        .await
        .map_err(from_sqlx)?;
        let (start, end) = bounds.ok_or_else(|| {
            permanent(format!(
                "period {} of {} is paid by another intent than {intent_id}",
                req.period_index, req.subscription_id
            ))
        })?;
        Ok(PeriodOutcome::Paid {
            start_ms: start.timestamp_millis(),
            end_ms: end.timestamp_millis(),
        })
    }

    async fn declined(
        &self,
        req: &PeriodChargeRequest,
        intent: &PaymentIntent,
    ) -> Result<PeriodOutcome, ActivityError> {
        let (code, _message) = previous_decline(intent);
        self.record_decline(req, &intent.id, &code).await?;
        Ok(PeriodOutcome::Declined { code })
    }

    async fn record_decline(
        &self,
        req: &PeriodChargeRequest,
        intent_id: &str,
        code: &str,
    ) -> Result<(), ActivityError> {
        charges::record_decline(
            &self.db,
            req.subscription_id,
            as_i32(req.period_index),
            intent_id,
            code,
        )
        .await
        .map_err(from_sqlx)
    }
}

/// Whether no new charge may be made: the customer cancelled, or the subscription ended.
fn stopped(billing: &Billing) -> bool {
    billing.cancel_at_period_end || billing.status == SubscriptionStatus::Ended
}
