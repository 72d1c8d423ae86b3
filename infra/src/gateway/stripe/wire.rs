//! The parts of Stripe's JSON the saga reads, and nothing more.

use serde::Deserialize;

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
    /// What the platform attached: `booking_id`, and `refund_key` for a cancellation's refund.
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

impl Refund {
    /// The platform's key of this refund: a cancellation's id, or `full` (also for refunds
    /// made before keys were attached).
    pub fn refund_key(&self) -> &str {
        self.metadata
            .get("refund_key")
            .map_or("full", String::as_str)
    }
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
pub(super) struct ErrorEnvelope {
    pub(super) error: ErrorBody,
}

#[derive(Deserialize)]
pub(super) struct RefundList {
    pub(super) data: Vec<Refund>,
}
