//! Request and response bodies of the account endpoints.

use crate::auth::Role;
use chrono::{DateTime, Utc};
use mtbp_domain::{AccountId, PartnerId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new account: a customer signing up, partner staff, or a broker.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    /// Display name.
    pub name: String,
    /// Email, used to sign in.
    pub email: String,
    /// At least 10 characters.
    pub password: String,
}

/// An account (partner staff, broker, operator) as its owner sees it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Account {
    /// Id.
    #[schema(value_type = uuid::Uuid)]
    pub account_id: AccountId,
    /// Role.
    pub role: Role,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// What a customer agreed to be contacted by.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consents {
    /// Marketing and reminders by email (tickets and receipts are always sent).
    pub email: bool,
    /// By SMS.
    pub sms: bool,
    /// By push notification.
    pub push: bool,
}

/// A customer's account and profile.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    /// Id.
    #[schema(value_type = uuid::Uuid)]
    pub account_id: AccountId,
    /// Always `customer`.
    pub role: Role,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Whether the customer proved they own the email (needed to claim guest bookings).
    pub email_verified: bool,
    /// Phone for SMS.
    pub phone: Option<String>,
    /// City to show first.
    pub preferred_city: Option<String>,
    /// Preferred languages, e.g. `["Hindi", "English"]`.
    pub languages: Vec<String>,
    /// Favourite genres.
    pub genres: Vec<String>,
    /// Contact consents.
    pub consents: Consents,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Changes to a customer's profile: fields left out stay as they are; `null` clears phone and
/// city. The email is not changed here.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    /// Display name.
    pub name: Option<String>,
    /// Phone (E.164-ish: digits, spaces, `+`, `-`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// City to show first.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub preferred_city: Option<Option<String>>,
    /// Preferred languages (at most 10).
    pub languages: Option<Vec<String>>,
    /// Favourite genres (at most 20).
    pub genres: Option<Vec<String>>,
    /// Contact consents.
    pub consents: Option<Consents>,
}

/// Tells a field that is absent (`None`) from one that is `null` (`Some(None)`).
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Sign in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A refresh token to use or revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh.
    pub refresh_token: String,
}

/// The signed-in caller.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// Account id.
    #[schema(value_type = uuid::Uuid)]
    pub account_id: AccountId,
    /// Role.
    pub role: Role,
    /// For partner staff: their partner.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub partner_id: Option<PartnerId>,
}

/// A verification code was sent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VerificationSent {
    /// Where the code went.
    pub email: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// The code from the verification email.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationCode {
    /// Six digits.
    pub code: String,
}

/// Save a payment method tokenised at the gateway.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPaymentMethod {
    /// Gateway payment method id (`pm_…`), tokenised by the client app.
    pub payment_method: String,
}

/// A saved payment method: the gateway's id and what may be shown of the card.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SavedPaymentMethod {
    /// Gateway payment method id; pay with it as `payment_method`.
    pub payment_method_id: String,
    /// Card brand.
    pub brand: Option<String>,
    /// Last four digits.
    pub last4: Option<String>,
    /// Expiry month.
    pub exp_month: Option<i32>,
    /// Expiry year.
    pub exp_year: Option<i32>,
    /// Saved.
    pub created_at: DateTime<Utc>,
}

/// A theater partner signing up: the business and its first staff member.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    /// Business name.
    pub name: String,
    /// Where the platform writes to the business.
    pub contact_email: String,
    /// The first staff account.
    pub owner: NewCustomer,
}

pub use mtbp_domain::{PartnerStatus, SettlementPeriod};

/// Billing details for payouts, as shown: sensitive values only as their last characters.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Billing {
    /// e.g. `••••1Z5`.
    pub tax_id: Option<String>,
    /// e.g. `••••6789`.
    pub payout_account: Option<String>,
    /// Payout schedule.
    pub settlement_period: SettlementPeriod,
}

/// A theater partner.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Partner {
    /// Id.
    #[schema(value_type = uuid::Uuid)]
    pub partner_id: PartnerId,
    /// Business name.
    pub name: String,
    /// Contact email.
    pub contact_email: String,
    /// Standing.
    pub status: PartnerStatus,
    /// Payout details (masked).
    pub billing: Billing,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A partner that just signed up, with its first staff account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartnerSignedUp {
    /// The partner (pending until an operator activates it).
    pub partner: Partner,
    /// Its first staff account; sign in with it.
    pub owner: Account,
}

/// Changes to billing details; fields left out stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingUpdate {
    /// Tax id (e.g. GSTIN), stored encrypted.
    pub tax_id: Option<String>,
    /// Payout account reference (e.g. bank account and IFSC), stored encrypted.
    pub payout_account: Option<String>,
    /// Payout schedule.
    pub settlement_period: Option<SettlementPeriod>,
}

/// Changes to a partner; fields left out stay as they are. Only operators change `status`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePartner {
    /// Business name.
    pub name: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// Standing (operators only).
    pub status: Option<PartnerStatus>,
    /// Payout details.
    pub billing: Option<BillingUpdate>,
}

impl From<mtbp_store::accounts::payment_methods::SavedCard> for SavedPaymentMethod {
    fn from(card: mtbp_store::accounts::payment_methods::SavedCard) -> Self {
        Self {
            payment_method_id: card.payment_method_id,
            brand: card.brand,
            last4: card.last4,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            created_at: card.created_at,
        }
    }
}
