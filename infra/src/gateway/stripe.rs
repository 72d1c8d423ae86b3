//! A small client for the parts of the Stripe API the saga uses: payment intents and refunds.
//!
//! It works against Stripe itself and against `localstripe`. Card data never passes through
//! here: the client app tokenises the card at the gateway and we only see `pm_…` ids.

use serde::Deserialize;
use std::time::Duration;

/// What went wrong talking to the gateway.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The card or payment method was refused: a business outcome, not a fault.
    #[error("card refused: {code}: {message}")]
    Declined {
        /// Gateway decline code, e.g. `card_declined`.
        code: String,
        /// Gateway message.
        message: String,
    },
    /// The gateway refused the request itself (4xx): retrying will not help.
    #[error("gateway rejected the request ({status}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Gateway message.
        message: String,
    },
    /// Network trouble or a gateway 5xx: worth retrying.
    #[error("gateway unavailable: {0}")]
    Unavailable(String),
}

/// The fields of a payment intent the saga reads.
#[derive(Clone, Debug, Deserialize)]
pub struct PaymentIntent {
    /// `pi_…`
    pub id: String,
    /// `requires_confirmation`, `succeeded`, `requires_payment_method`, …
    pub status: String,
    /// Amount in minor units.
    pub amount: i64,
    /// The last decline, if any.
    #[serde(default)]
    pub last_payment_error: Option<ErrorBody>,
    /// Charges made for the intent (older API versions and localstripe).
    #[serde(default)]
    pub charges: Option<ChargeList>,
}

/// The fields of a payment method the platform keeps or checks.
#[derive(Clone, Debug, Deserialize)]
pub struct PaymentMethod {
    /// `pm_…`
    pub id: String,
    /// The gateway customer it is attached to, if any.
    #[serde(default)]
    pub customer: Option<String>,
    /// Card details safe to show (brand, last four digits, expiry).
    #[serde(default)]
    pub card: Option<CardSummary>,
}

/// What may be shown of a card.
#[derive(Clone, Debug, Deserialize)]
pub struct CardSummary {
    /// e.g. `visa`.
    #[serde(default)]
    pub brand: Option<String>,
    /// Last four digits.
    #[serde(default)]
    pub last4: Option<String>,
    /// Expiry month.
    #[serde(default)]
    pub exp_month: Option<i32>,
    /// Expiry year.
    #[serde(default)]
    pub exp_year: Option<i32>,
}

/// A list of charges.
#[derive(Clone, Debug, Deserialize)]
pub struct ChargeList {
    /// The charges.
    pub data: Vec<Charge>,
}

/// The fields of a charge the saga reads.
#[derive(Clone, Debug, Deserialize)]
pub struct Charge {
    /// `ch_…`
    pub id: String,
    /// Whether the charge has been refunded in full.
    #[serde(default)]
    pub refunded: bool,
}

/// A refund.
#[derive(Clone, Debug, Deserialize)]
pub struct Refund {
    /// `re_…`
    pub id: String,
    /// Amount refunded, minor units.
    pub amount: i64,
    /// The intent it refunds, when the gateway says.
    #[serde(default)]
    pub payment_intent: Option<String>,
    /// The charge it refunds, when the gateway says.
    #[serde(default)]
    pub charge: Option<String>,
}

/// A gateway error body.
#[derive(Clone, Debug, Deserialize)]
pub struct ErrorBody {
    /// Error type, e.g. `card_error`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Error code, e.g. `card_declined`.
    #[serde(default)]
    pub code: Option<String>,
    /// Human message.
    #[serde(default)]
    pub message: Option<String>,
    /// Decline code for card errors.
    #[serde(default)]
    pub decline_code: Option<String>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct RefundList {
    data: Vec<Refund>,
}

/// Codes that mean "this card or payment method will not pay", as opposed to a bad request.
const DECLINE_CODES: &[&str] = &[
    "card_declined",
    "expired_card",
    "incorrect_cvc",
    "incorrect_number",
    "insufficient_funds",
    "processing_error",
    "authentication_required",
    "payment_intent_authentication_failure",
    "payment_method_unactivated",
];

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

    /// Creates an unconfirmed payment intent for `booking_id`.
    pub async fn create_payment_intent(
        &self,
        booking_id: &str,
        amount_minor: i64,
        currency: &str,
        payment_method: &str,
        customer: Option<&str>,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, GatewayError> {
        let amount = amount_minor.to_string();
        let mut form = vec![
            ("amount", amount.as_str()),
            ("currency", currency),
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

/// Error codes that mean "another request is working on this object right now": the same
/// request, retried a moment later, is answered (Stripe's `idempotency_key_in_use` on a
/// concurrent request with the same key, `lock_timeout` on a busy object).
const IN_FLIGHT_CODES: &[&str] = &["idempotency_key_in_use", "lock_timeout"];

fn classify(status: u16, err: Option<ErrorBody>) -> GatewayError {
    // A 409 without a body we can read is a conflict with a request in flight: retry it.
    if status == 409
        && err.as_ref().is_none_or(|e| {
            e.code
                .as_deref()
                .is_none_or(|c| IN_FLIGHT_CODES.contains(&c))
        })
    {
        return GatewayError::Unavailable("another request for this payment is in flight".into());
    }
    if err
        .as_ref()
        .and_then(|e| e.code.as_deref())
        .is_some_and(|c| IN_FLIGHT_CODES.contains(&c))
    {
        return GatewayError::Unavailable("the gateway is busy with this payment".into());
    }
    let Some(err) = err else {
        return GatewayError::Rejected {
            status,
            message: "no error body".into(),
        };
    };
    let message = err.message.clone().unwrap_or_default();
    let code = err
        .decline_code
        .clone()
        .or(err.code.clone())
        .unwrap_or_default();
    let is_card = err.kind.as_deref() == Some("card_error")
        || status == 402
        || DECLINE_CODES.contains(&code.as_str());
    if is_card {
        GatewayError::Declined { code, message }
    } else {
        GatewayError::Rejected { status, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(kind: &str, code: &str) -> Option<ErrorBody> {
        Some(ErrorBody {
            kind: Some(kind.into()),
            code: Some(code.into()),
            message: Some("m".into()),
            decline_code: None,
        })
    }

    #[test]
    fn card_errors_are_declines_and_bad_requests_are_rejections() {
        assert!(matches!(
            classify(402, body("card_error", "card_declined")),
            GatewayError::Declined { .. }
        ));
        // localstripe reports declines as invalid_request_error with a decline code.
        assert!(matches!(
            classify(400, body("invalid_request_error", "card_declined")),
            GatewayError::Declined { .. }
        ));
        assert!(matches!(
            classify(400, body("invalid_request_error", "parameter_missing")),
            GatewayError::Rejected { status: 400, .. }
        ));
        assert!(matches!(
            classify(404, None),
            GatewayError::Rejected { status: 404, .. }
        ));
    }

    #[test]
    fn a_request_in_flight_with_the_same_key_is_retried_not_refused() {
        assert!(matches!(
            classify(409, body("idempotency_error", "idempotency_key_in_use")),
            GatewayError::Unavailable(_)
        ));
        assert!(matches!(classify(409, None), GatewayError::Unavailable(_)));
        assert!(matches!(
            classify(400, body("invalid_request_error", "lock_timeout")),
            GatewayError::Unavailable(_)
        ));
        // The same key reused with other parameters is a bug, not a race: refused.
        assert!(matches!(
            classify(400, body("idempotency_error", "idempotency_key_reused")),
            GatewayError::Rejected { status: 400, .. }
        ));
    }
}
