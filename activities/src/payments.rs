//! Charging and refunding a booking at the payment gateway.
//!
//! Never lean on the gateway's idempotency key alone (Stripe keeps keys for 24 hours and
//! localstripe ignores them): the payment intent's id is recorded *before* it is confirmed, so a
//! retried activity finds it, reads its state, and confirms it at most once.

use crate::error::{from_sqlx, permanent};
use crate::gateway::{GatewayError, PaymentIntent, StripeGateway};
use mtbp_domain::BookingId;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use uuid::Uuid;

/// Name of the gateway in the `payments` table.
const GATEWAY: &str = "stripe";

/// Ask to charge a booking.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChargeRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// ISO currency code.
    pub currency: String,
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefundOutcome {
    /// The money went back.
    Refunded {
        /// Gateway refund id.
        refund_id: String,
        /// Amount in minor units.
        amount_minor: i64,
    },
    /// No money had been taken (no intent, or one never confirmed, now cancelled).
    NothingToRefund,
}

/// Fault injection for crash tests: a pause after the gateway has charged the card and before
/// the charge is recorded, the most dangerous place for a worker to die. Zero in production.
#[derive(Clone, Copy, Debug, Default)]
pub struct PaymentFaults {
    /// Pause after a successful confirm, before recording it.
    pub pause_after_charge: Duration,
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

fn gateway_error(err: GatewayError) -> ActivityError {
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
        _ctx: ActivityContext,
        req: ChargeRequest,
    ) -> Result<ChargeOutcome, ActivityError> {
        let intent = match self.recorded_intent(req.booking_id).await? {
            Some(id) => self.gateway.get_payment_intent(&id).await,
            None => self.create_and_record_intent(&req).await,
        };
        let intent = match intent {
            Ok(pi) => pi,
            Err(GatewayError::Declined { code, message }) => {
                return Ok(ChargeOutcome::Declined { code, message });
            }
            Err(e) => return Err(gateway_error(e)),
        };
        let outcome = match intent.status.as_str() {
            "succeeded" => Ok(intent.clone()),
            "requires_confirmation" => {
                let key = format!("{}-confirm", req.booking_id.charge_key());
                self.gateway.confirm_payment_intent(&intent.id, &key).await
            }
            "requires_payment_method" => Err(previous_decline(&intent)),
            other => {
                return Err(ActivityError::from(anyhow::anyhow!(
                    "payment intent {} is {other}; waiting for it to settle",
                    intent.id
                )));
            }
        };
        match outcome {
            Ok(pi) if pi.status == "succeeded" => {
                if !self.faults.pause_after_charge.is_zero() {
                    tokio::time::sleep(self.faults.pause_after_charge).await;
                }
                self.record_charge(req.booking_id, &pi.id, "succeeded", None)
                    .await?;
                Ok(ChargeOutcome::Charged {
                    payment_intent_id: pi.id,
                })
            }
            Ok(pi) => Err(ActivityError::from(anyhow::anyhow!(
                "payment intent {} is {} after confirm",
                pi.id,
                pi.status
            ))),
            Err(GatewayError::Declined { code, message }) => {
                let id = intent.id.clone();
                self.record_charge(req.booking_id, &id, "failed", Some(&code))
                    .await?;
                Ok(ChargeOutcome::Declined { code, message })
            }
            Err(e) => Err(gateway_error(e)),
        }
    }

    /// Refunds the booking's charge in full, once; does nothing if nothing was charged.
    #[activity]
    pub async fn refund_payment(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: RefundRequest,
    ) -> Result<RefundOutcome, ActivityError> {
        let payment: Option<(Uuid, String, Option<String>, Option<i64>)> = sqlx::query_as(
            "select p.payment_id, p.gateway_payment_id, r.gateway_refund_id, r.amount_minor
               from payments p left join refunds r using (payment_id)
              where p.booking_id = $1",
        )
        .bind(req.booking_id.as_uuid())
        .fetch_optional(&self.db)
        .await
        .map_err(from_sqlx)?;
        let Some((payment_id, intent_id, refund_id, refunded)) = payment else {
            return Ok(RefundOutcome::NothingToRefund);
        };
        if let (Some(refund_id), Some(amount_minor)) = (refund_id, refunded) {
            return Ok(RefundOutcome::Refunded {
                refund_id,
                amount_minor,
            });
        }
        let intent = self
            .gateway
            .get_payment_intent(&intent_id)
            .await
            .map_err(gateway_error)?;
        if intent.status != "succeeded" {
            return self.cancel_unpaid(payment_id, &intent).await;
        }
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
        let refund = match earlier.into_iter().next() {
            Some(r) => r,
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
        sqlx::query(
            "insert into refunds (payment_id, booking_id, gateway_refund_id, amount_minor, reason)
             values ($1, $2, $3, $4, $5)
             on conflict (payment_id) do nothing",
        )
        .bind(payment_id)
        .bind(req.booking_id.as_uuid())
        .bind(&refund.id)
        .bind(refund.amount)
        .bind(&req.reason)
        .execute(&self.db)
        .await
        .map_err(from_sqlx)?;
        Ok(RefundOutcome::Refunded {
            refund_id: refund.id,
            amount_minor: refund.amount,
        })
    }
}

impl PaymentActivities {
    async fn recorded_intent(
        &self,
        booking_id: BookingId,
    ) -> Result<Option<String>, ActivityError> {
        sqlx::query_scalar("select gateway_payment_id from payments where booking_id = $1")
            .bind(booking_id.as_uuid())
            .fetch_optional(&self.db)
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
                req.amount_minor,
                &req.currency.to_ascii_lowercase(),
                &req.payment_method,
                req.gateway_customer.as_deref(),
                &req.booking_id.charge_key(),
            )
            .await?;
        let winner: Option<String> = sqlx::query_scalar(
            "insert into payments (booking_id, gateway, gateway_payment_id, amount_minor, currency, status)
             values ($1, $2, $3, $4, $5, 'created')
             on conflict (booking_id) do update set updated_at = now()
             returning gateway_payment_id",
        )
        .bind(req.booking_id.as_uuid())
        .bind(GATEWAY)
        .bind(&created.id)
        .bind(req.amount_minor)
        .bind(&req.currency)
        .fetch_optional(&self.db)
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

    async fn record_charge(
        &self,
        booking_id: BookingId,
        intent_id: &str,
        status: &str,
        failure_code: Option<&str>,
    ) -> Result<(), ActivityError> {
        sqlx::query(
            "with p as (
                 update payments set status = $3, failure_code = $4
                  where booking_id = $1 and gateway_payment_id = $2
              returning 1)
             update bookings set status = 'PaymentCompleted'
              where booking_id = $1 and $3 = 'succeeded' and status = 'PaymentInitiated'",
        )
        .bind(booking_id.as_uuid())
        .bind(intent_id)
        .bind(status)
        .bind(failure_code)
        .execute(&self.db)
        .await
        .map_err(from_sqlx)?;
        Ok(())
    }

    async fn cancel_unpaid(
        &self,
        payment_id: Uuid,
        intent: &PaymentIntent,
    ) -> Result<RefundOutcome, ActivityError> {
        if intent.status == "requires_confirmation" {
            self.gateway
                .cancel_payment_intent(&intent.id)
                .await
                .map_err(gateway_error)?;
        }
        sqlx::query(
            "update payments set status = 'cancelled' where payment_id = $1 and status = 'created'",
        )
        .bind(payment_id)
        .execute(&self.db)
        .await
        .map_err(from_sqlx)?;
        Ok(RefundOutcome::NothingToRefund)
    }
}

fn previous_decline(intent: &PaymentIntent) -> GatewayError {
    let err = intent.last_payment_error.as_ref();
    GatewayError::Declined {
        code: err
            .and_then(|e| e.decline_code.clone().or(e.code.clone()))
            .unwrap_or_else(|| "card_declined".into()),
        message: err
            .and_then(|e| e.message.clone())
            .unwrap_or_else(|| "the payment method was refused".into()),
    }
}
