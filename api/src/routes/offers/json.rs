//! Request and response bodies of the offer endpoints. The rule itself (benefit, conditions,
//! scope) is `domain::pricing`'s own types, so what a partner writes is what the quote reads.

use chrono::{DateTime, Utc};
use mtbp_domain::pricing::{Benefit, Conditions, OfferScope};
use mtbp_domain::{AccountId, AddonId, BookingId, Funder, OfferId, PartnerId, Stacking};
use mtbp_store::offers::OfferRecord;
use mtbp_store::offers::vouchers::Voucher;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new offer, or the whole of an edited one (`PUT` replaces every field).
///
/// `benefit` is tagged by `type`: `percent_off` (`percent_bp`, optional `max_off_minor`),
/// `flat_off` (`amount_minor`), `nth_ticket` (`every`, `percent_bp`), `meal_voucher`
/// (`percent_bp`, `max_units`, optional `addon_code`). `conditions`: `days_of_week`
/// (`["Sat", "Sun"]`), `starts_between` (`{"from": "12:00:00", "until": "17:00:00"}`, local
/// times), `min_seats`, `seat_categories`, `subscribers_only`, `first_booking_only`. `scope`:
/// `theater_id`, `screen_id`, `movie_id`, `show_id`, `city` (and `partner_id`, which is the
/// caller's own partner for partner staff; operators leave it out for a platform-wide offer).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOffer {
    /// Name on the quote, 1-120 characters.
    pub name: String,
    /// Longer text for customers, up to 1,000 characters.
    #[serde(default)]
    pub description: String,
    /// The code customers enter: 4-32 letters, digits or `-`, matched without regard to case.
    /// Left out (and no `generate_code`): an automatic offer.
    pub code: Option<String>,
    /// Let the platform make an unguessable code (12 characters).
    #[serde(default)]
    pub generate_code: bool,
    /// What it gives.
    pub benefit: Benefit,
    /// When it applies; none: always.
    #[serde(default)]
    pub conditions: Conditions,
    /// Where it applies; none: every show of the partner (or of every partner).
    #[serde(default)]
    pub scope: OfferScope,
    /// From when; now when left out (on `PUT`: unchanged).
    pub valid_from: Option<DateTime<Utc>>,
    /// Until when (exclusive); open-ended when left out.
    pub valid_until: Option<DateTime<Utc>>,
    /// Who pays for the discount: `partner` (the default for a partner's offer) or `platform`
    /// (only an operator decides that; platform-wide offers always are).
    pub funded_by: Option<Funder>,
    /// `exclusive` (the default) or `stackable`.
    pub stacking: Option<Stacking>,
    /// Listed to customers (`GET /offers?customerId=`); default true.
    pub listed: Option<bool>,
    /// Redemptions allowed in all.
    pub limit_total: Option<u32>,
    /// Redemptions allowed per customer.
    pub limit_per_customer: Option<u32>,
}

/// A meal voucher to redeem at the box office (`PUT /offers/{id}?action=redeem`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoucherCode {
    /// The code on the ticket.
    pub voucher_code: String,
}

/// The body of `PUT /offers/{id}`: an edit, or with `?action=redeem` a voucher code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents the two bodies; the handler reads the one `action` names
pub enum OfferPut {
    /// The edited offer.
    Edit(Box<NewOffer>),
    /// The voucher to redeem.
    Redeem(VoucherCode),
}

/// What only an offer's managers see.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OfferManagement {
    /// Who pays for the discount.
    pub funded_by: Funder,
    /// Redemptions allowed in all.
    pub limit_total: Option<u32>,
    /// Live redemptions so far.
    pub redeemed: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// An offer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Offer {
    /// Id.
    #[schema(value_type = Uuid)]
    pub offer_id: OfferId,
    /// Its partner; absent for the platform's own.
    #[schema(value_type = Option<Uuid>)]
    pub partner_id: Option<PartnerId>,
    /// Name on the quote.
    pub name: String,
    /// Longer text.
    pub description: String,
    /// Its code, upper case; absent for an automatic offer.
    pub code: Option<String>,
    /// What it gives.
    pub benefit: Benefit,
    /// When it applies.
    pub conditions: Conditions,
    /// Where it applies.
    pub scope: OfferScope,
    /// From when.
    pub valid_from: DateTime<Utc>,
    /// Until when (exclusive).
    pub valid_until: Option<DateTime<Utc>>,
    /// How it combines.
    pub stacking: Stacking,
    /// Listed to customers.
    pub listed: bool,
    /// Redemptions allowed per customer.
    pub limit_per_customer: Option<u32>,
    /// For its managers (the partner's staff, operators) only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management: Option<OfferManagement>,
}

impl Offer {
    /// The offer as `record` stores it; with the managers' part when `manager`.
    pub fn from_record(record: OfferRecord, manager: bool) -> Self {
        let o = record.offer;
        let management = manager.then_some(OfferManagement {
            funded_by: o.funded_by,
            limit_total: o.limit_total,
            redeemed: record.redeemed,
            created_at: record.created_at,
            updated_at: record.updated_at,
        });
        Self {
            offer_id: o.id,
            partner_id: record.partner_id,
            name: o.name,
            description: record.description,
            code: o.code,
            benefit: o.benefit,
            conditions: o.conditions,
            scope: o.scope,
            valid_from: o.valid_from,
            valid_until: o.valid_until,
            stacking: o.stacking,
            listed: record.listed,
            limit_per_customer: o.limit_per_customer,
            management,
        }
    }
}

/// `GET /offers`: whose offers, and a page of them.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListOffersQuery {
    /// A partner's live offers (its staff, operators).
    pub partner_id: Option<uuid::Uuid>,
    /// What this customer is eligible for now (the customer, operators).
    pub customer_id: Option<uuid::Uuid>,
    /// With neither filter (operators): offers created before this instant, from the
    /// `created_at` of the previous page's last offer.
    pub before: Option<chrono::DateTime<chrono::Utc>>,
    /// With neither filter (operators): page size, 1-200 (default 50).
    pub limit: Option<i64>,
}

/// `DELETE /offers`: whose offers.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct OffersQuery {
    /// A partner's live offers (its staff, operators).
    pub partner_id: Option<uuid::Uuid>,
    /// What this customer is eligible for now (the customer, operators).
    pub customer_id: Option<uuid::Uuid>,
}

/// `PUT /offers/{id}`: what to do.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PutQuery {
    /// `redeem` to redeem a meal voucher at the box office; absent to edit the offer.
    pub action: Option<String>,
}

/// How many offers were deleted.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Deleted {
    /// Offers deleted.
    pub deleted: u64,
}

/// A redeemed meal voucher.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RedeemedVoucher {
    /// Its code.
    pub voucher_code: String,
    /// The booking it came with.
    #[schema(value_type = Uuid)]
    pub booking_id: BookingId,
    /// The add-on to hand over.
    #[schema(value_type = Uuid)]
    pub addon_id: AddonId,
    /// Its code.
    pub addon_code: String,
    /// Its name.
    pub addon_name: String,
    /// Units.
    pub quantity: i32,
    /// When it was redeemed.
    pub redeemed_at: DateTime<Utc>,
    /// Who redeemed it.
    #[schema(value_type = Uuid)]
    pub redeemed_by: AccountId,
}

impl RedeemedVoucher {
    /// The voucher, redeemed by `by` at `at`.
    pub fn new(v: Voucher, by: AccountId, at: DateTime<Utc>) -> Self {
        Self {
            voucher_code: v.voucher_code,
            booking_id: v.booking_id,
            addon_id: v.addon_id,
            addon_code: v.addon_code,
            addon_name: v.addon_name,
            quantity: v.quantity,
            redeemed_at: at,
            redeemed_by: by,
        }
    }
}
