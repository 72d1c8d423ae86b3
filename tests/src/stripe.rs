//! Acts as the client app towards the payment gateway (tokenising cards) and as an auditor
//! (listing what the gateway actually charged and refunded).

use anyhow::Context;
use serde_json::Value;

/// Test card that pays.
pub const CARD_OK: &str = "4242424242424242";
/// Test card that is declined when charged.
pub const CARD_DECLINED: &str = "4000000000000341";

/// A client of the Stripe-compatible gateway.
#[derive(Clone, Debug)]
pub struct StripeClient {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl StripeClient {
    /// A client from `STRIPE_API_BASE` / `STRIPE_SECRET_KEY` (local defaults).
    pub fn from_env() -> Self {
        let var = |n: &str, d: &str| std::env::var(n).unwrap_or_else(|_| d.to_owned());
        Self {
            base: var("STRIPE_API_BASE", "http://127.0.0.1:8420"),
            key: var("STRIPE_SECRET_KEY", "sk_test_local"),
            http: reqwest::Client::new(),
        }
    }

    /// Reads a payment method as the gateway has it.
    pub async fn payment_method(&self, id: &str) -> anyhow::Result<Value> {
        Ok(self
            .http
            .get(format!("{}/v1/payment_methods/{id}", self.base))
            .basic_auth(&self.key, Some(""))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// Reads a payment intent as the gateway has it.
    pub async fn payment_intent(&self, id: &str) -> anyhow::Result<Value> {
        Ok(self
            .http
            .get(format!("{}/v1/payment_intents/{id}", self.base))
            .basic_auth(&self.key, Some(""))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// Tokenises a test card, as a client app would; returns the `pm_…` id.
    pub async fn card(&self, number: &str) -> anyhow::Result<String> {
        let body: Value = self
            .http
            .post(format!("{}/v1/payment_methods", self.base))
            .basic_auth(&self.key, Some(""))
            .form(&[
                ("type", "card"),
                ("card[number]", number),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2030"),
                ("card[cvc]", "123"),
            ])
            .send()
            .await?
            .json()
            .await?;
        let id = body["id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("no payment method id in {body}"))?;
        crate::audit::used("card", &id);
        Ok(id)
    }

    /// Every object of a kind the gateway holds (`payment_intents`, `refunds`, …).
    pub async fn list(&self, what: &str) -> anyhow::Result<Vec<Value>> {
        let body: Value = self
            .http
            .get(format!("{}/v1/{what}?limit=100000", self.base))
            .basic_auth(&self.key, Some(""))
            .send()
            .await?
            .json()
            .await?;
        Ok(body["data"].as_array().cloned().unwrap_or_default())
    }

    /// Payment intents the gateway holds for `booking_id` (by metadata).
    pub async fn intents_of(&self, booking_id: &str) -> anyhow::Result<Vec<Value>> {
        Ok(self
            .list("payment_intents")
            .await?
            .into_iter()
            .filter(|pi| pi["metadata"]["booking_id"] == booking_id)
            .collect())
    }

    /// Payment intents the gateway holds for a subscription's periods (by metadata).
    pub async fn intents_of_subscription(
        &self,
        subscription_id: &str,
    ) -> anyhow::Result<Vec<Value>> {
        Ok(self
            .list("payment_intents")
            .await?
            .into_iter()
            .filter(|pi| pi["metadata"]["subscription_id"] == subscription_id)
            .collect())
    }

    /// Intents of the booking that actually took money.
    pub async fn succeeded_charges_of(&self, booking_id: &str) -> anyhow::Result<Vec<Value>> {
        Ok(self
            .intents_of(booking_id)
            .await?
            .into_iter()
            .filter(|pi| pi["status"] == "succeeded")
            .collect())
    }

    /// Waits until the gateway has taken money for `booking_id`, for at most `secs` seconds.
    pub async fn wait_for_charge(&self, booking_id: &str, secs: u64) -> anyhow::Result<()> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while self.succeeded_charges_of(booking_id).await?.is_empty() {
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "no charge for {booking_id} reached the gateway in {secs}s"
            );
            // Each look lists every intent the gateway holds: do not keep it busy.
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        Ok(())
    }

    /// Refunds of a payment intent (matched by intent or by its charges).
    pub async fn refunds_of(&self, intent: &Value) -> anyhow::Result<Vec<Value>> {
        let charges: Vec<Value> = intent["charges"]["data"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let charge_ids: Vec<&Value> = charges.iter().map(|c| &c["id"]).collect();
        Ok(self
            .list("refunds")
            .await?
            .into_iter()
            .filter(|r| r["payment_intent"] == intent["id"] || charge_ids.contains(&&r["charge"]))
            .collect())
    }
}
