//! A small client for the parts of the Stripe API the saga uses: payment intents and refunds.
//!
//! It works against Stripe itself and against `localstripe`. Card data never passes through
//! here: the client app tokenises the card at the gateway and we only see `pm_…` ids.

use mtbp_domain::Money;
use serde::Deserialize;
use std::time::Duration;

mod errors;
mod wire;

pub use errors::GatewayError;
use errors::classify;
pub use wire::{CardSummary, Charge, ChargeList, ErrorBody, PaymentIntent, PaymentMethod, Refund};
use wire::{ErrorEnvelope, RefundList};

/// Which period of which subscription a payment intent pays for.
#[derive(Clone, Copy, Debug)]
pub struct SubscriptionPeriodRef<'a> {
    /// The subscription's id.
    pub subscription_id: &'a str,
    /// The period's index (0 for the first).
    pub period_index: u32,
}

/// A Stripe API client.
#[derive(Clone, Debug)]
pub struct StripeGateway {
    base_url: String,
    secret_key: String,
    http: reqwest::Client,
}

impl StripeGateway {
    /// Builds a client for `base_url` (e.g. `https://api.stripe.com` or a localstripe URL).
    pub fn new(base_url: &str, secret_key: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(8))
            .connect_timeout(Duration::from_secs(2))
            .pool_max_idle_per_host(32)
            .build()?;
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            secret_key: secret_key.to_owned(),
            http,
        })
    }

    /// Creates an unconfirmed payment intent for `booking_id` over `amount`.
    pub async fn create_payment_intent(
        &self,
        booking_id: &str,
        amount: &Money,
        payment_method: &str,
        customer: Option<&str>,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, GatewayError> {
        let amount_minor = amount.amount_minor.to_string();
        let currency = amount.currency.to_gateway();
        let mut form = vec![
            ("amount", amount_minor.as_str()),
            ("currency", currency.as_str()),
            ("payment_method", payment_method),
            ("metadata[booking_id]", booking_id),
        ];
        if let Some(customer) = customer {
            form.push(("customer", customer));
        }
        let req = self
            .http
            .post(format!("{}/v1/payment_intents", self.base_url))
            .header("Idempotency-Key", idempotency_key)
            .form(&form);
        self.send(req).await
    }

    /// Creates an unconfirmed payment intent for one period of a subscription, on the saved
    /// card of the subscriber's gateway customer. The metadata names the subscription and the
    /// period (ids only), so the gateway's records match ours.
    pub async fn create_subscription_intent(
        &self,
        period: &SubscriptionPeriodRef<'_>,
        amount_minor: i64,
        currency: &str,
        payment_method: &str,
        customer: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, GatewayError> {
        let amount = amount_minor.to_string();
        let index = period.period_index.to_string();
        let form = [
            ("amount", amount.as_str()),
            ("currency", currency),
            ("payment_method", payment_method),
            ("customer", customer),
            ("metadata[subscription_id]", period.subscription_id),
            ("metadata[period_index]", index.as_str()),
        ];
        let req = self
            .http
            .post(format!("{}/v1/payment_intents", self.base_url))
            .header("Idempotency-Key", idempotency_key)
            .form(&form);
        self.send(req).await
    }

    /// Reads a payment intent.
    pub async fn get_payment_intent(&self, id: &str) -> Result<PaymentIntent, GatewayError> {
        let req = self
            .http
            .get(format!("{}/v1/payment_intents/{id}", self.base_url));
        self.send(req).await
    }

    /// Confirms a payment intent, which charges the card.
    pub async fn confirm_payment_intent(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, GatewayError> {
        let req = self
            .http
            .post(format!("{}/v1/payment_intents/{id}/confirm", self.base_url))
            .header("Idempotency-Key", idempotency_key);
        self.send(req).await
    }

    /// Cancels a payment intent that was never confirmed.
    pub async fn cancel_payment_intent(&self, id: &str) -> Result<PaymentIntent, GatewayError> {
        let req = self
            .http
            .post(format!("{}/v1/payment_intents/{id}/cancel", self.base_url));
        self.send(req).await
    }

    /// Refunds a payment intent in full.
    pub async fn create_refund(
        &self,
        payment_intent: &str,
        booking_id: &str,
        idempotency_key: &str,
    ) -> Result<Refund, GatewayError> {
        let form = [
            ("payment_intent", payment_intent),
            ("metadata[booking_id]", booking_id),
        ];
        let req = self
            .http
            .post(format!("{}/v1/refunds", self.base_url))
            .header("Idempotency-Key", idempotency_key)
            .form(&form);
        self.send(req).await
    }

    /// Refunds `amount` of a payment intent under the platform's `refund_key` (a
    /// cancellation's id), which the refund carries as metadata so that a retry finds it
    /// (not every Stripe-compatible server honours `Idempotency-Key`).
    pub async fn create_partial_refund(
        &self,
        payment_intent: &str,
        amount_minor: i64,
        booking_id: &str,
        refund_key: &str,
    ) -> Result<Refund, GatewayError> {
        let amount = amount_minor.to_string();
        let form = [
            ("payment_intent", payment_intent),
            ("amount", amount.as_str()),
            ("metadata[booking_id]", booking_id),
            ("metadata[refund_key]", refund_key),
        ];
        let req = self
            .http
            .post(format!("{}/v1/refunds", self.base_url))
            .header("Idempotency-Key", format!("refund-{refund_key}"))
            .form(&form);
        self.send(req).await
    }

    /// Refunds already made for a payment intent.
    pub async fn refunds_of(
        &self,
        payment_intent: &str,
        charge_ids: &[String],
    ) -> Result<Vec<Refund>, GatewayError> {
        let req = self
            .http
            .get(format!("{}/v1/refunds", self.base_url))
            .query(&[("payment_intent", payment_intent), ("limit", "100")]);
        let list: RefundList = self.send(req).await?;
        // Filter here too: not every Stripe-compatible server honours the filter.
        Ok(list
            .data
            .into_iter()
            .filter(|r| {
                r.payment_intent.as_deref() == Some(payment_intent)
                    || r.charge.as_ref().is_some_and(|c| charge_ids.contains(c))
            })
            .collect())
    }

    /// Reads a payment method; `Ok(None)` if the gateway does not know it.
    pub async fn payment_method(&self, id: &str) -> Result<Option<PaymentMethod>, GatewayError> {
        let req = self
            .http
            .get(format!("{}/v1/payment_methods/{id}", self.base_url));
        match self.send::<PaymentMethod>(req).await {
            Ok(pm) => Ok(Some(pm)),
            Err(GatewayError::Rejected { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates the gateway customer of an account (idempotent by `idempotency_key`).
    pub async fn create_customer(
        &self,
        account_id: &str,
        idempotency_key: &str,
    ) -> Result<String, GatewayError> {
        #[derive(Deserialize)]
        struct Created {
            id: String,
        }
        let req = self
            .http
            .post(format!("{}/v1/customers", self.base_url))
            .header("Idempotency-Key", idempotency_key)
            .form(&[("metadata[account_id]", account_id)]);
        self.send::<Created>(req).await.map(|c| c.id)
    }

    /// Attaches a payment method to a gateway customer, so it can be charged again later.
    pub async fn attach_payment_method(
        &self,
        id: &str,
        customer: &str,
    ) -> Result<PaymentMethod, GatewayError> {
        let req = self
            .http
            .post(format!("{}/v1/payment_methods/{id}/attach", self.base_url))
            .form(&[("customer", customer)]);
        self.send(req).await
    }

    /// Detaches a payment method from its customer; it can no longer be charged.
    pub async fn detach_payment_method(&self, id: &str) -> Result<PaymentMethod, GatewayError> {
        let req = self
            .http
            .post(format!("{}/v1/payment_methods/{id}/detach", self.base_url));
        self.send(req).await
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, GatewayError> {
        let resp = req
            .basic_auth(&self.secret_key, Some(""))
            .send()
            .await
            .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
        let status = resp.status();
        let body = resp
            .bytes()
            .await
            .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| GatewayError::Unavailable(format!("unreadable gateway answer: {e}")));
        }
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(GatewayError::Unavailable(format!("HTTP {status}")));
        }
        let err = serde_json::from_slice::<ErrorEnvelope>(&body)
            .map(|e| e.error)
            .ok();
        Err(classify(status.as_u16(), err))
    }
}
