//! One pricing function for every price the platform states: the quote at hold time, the
//! charge, the invoice, the re-pricing after a partial cancellation and the settlement split.
//!
//! [`price`] takes the seats and add-ons of a booking, the show, the customer and the offers
//! that may apply, and answers a [`Quote`]: one line per seat, per add-on and per ticket's
//! convenience fee, each with its discounts (who funds them), its taxes and its total.
//!
//! **Order.** Seats and add-ons start at their list prices (before tax). The member discount of
//! a subscription comes off every ticket first (the platform funds it). Then the offers chosen
//! by the stacking rules, in the order below. Then the convenience fee of each ticket is worked
//! out on what is left of the ticket's price (waived for plans that say so). Then taxes, per
//! line, on what is left ([`tax`]).
//!
//! **Stacking.** A booking gets either *one exclusive offer* or *every stackable offer that
//! applies*, whichever takes off most; on equal savings an option holding the code the customer
//! entered wins, then the stackable set. Stackable offers apply per-ticket rules first (Nth
//! ticket, then percentages), then flat amounts on what is left, then meal vouchers. The member
//! discount always applies and stacks with everything. One offer counts once however it was
//! found. Every offer looked at and not applied is listed on the quote with its reason.
//!
//! **Rounding** ([`round`]): rates round half up per line; shared amounts go by the largest
//! remainder. Every total is the sum of its lines, to the unit; no discount takes a line below
//! zero, so no line costs less than nothing or more than its list price.

mod apply;
mod build;
mod engine;
pub mod offer;
pub mod quote;
pub mod round;
pub mod tax;
#[cfg(test)]
mod tests;

pub use engine::{FeeRule, MAX_ADDON_QUANTITY, MAX_UNIT_MINOR, PricingInput, PricingRules, price};
pub use offer::{
    Benefit, Candidate, Conditions, CustomerFacts, Funder, Ineligible, Membership, Offer,
    OfferScope, ShowFacts, Stacking, TimeWindow,
};
pub use quote::{LineKind, Quote};

use crate::money::Currency;
use serde::{Deserialize, Serialize};

/// A seat to price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatItem {
    /// Its label, e.g. `H12`.
    pub label: String,
    /// Its category code.
    pub category: String,
    /// Its list price before tax, in minor units.
    pub list_minor: i64,
}

/// Add-ons to price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddonItem {
    /// The add-on's code at its theater, e.g. `COMBO1`.
    pub code: String,
    /// Its name.
    pub name: String,
    /// One unit's price before tax, in minor units.
    pub unit_minor: i64,
    /// How many.
    pub quantity: u32,
    /// The tax class it is taxed by.
    pub tax_class: String,
}

/// What a booking holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basket {
    /// The show's currency, which every price is in.
    pub currency: Currency,
    /// Seats.
    pub seats: Vec<SeatItem>,
    /// Add-ons.
    pub addons: Vec<AddonItem>,
}

/// Why a basket cannot be priced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// A booking holds at least one seat.
    #[error("a booking holds at least one seat")]
    NoSeats,
    /// A price is negative or absurdly large.
    #[error("a price is negative or above {MAX_UNIT_MINOR} minor units")]
    AmountOutOfRange,
    /// An add-on's quantity is outside 1 to the maximum.
    #[error("add-on {0} must be ordered 1 to {MAX_ADDON_QUANTITY} times")]
    BadQuantity(String),
    /// A tax class the rules do not know.
    #[error("no tax rule for class {0:?}")]
    UnknownTaxClass(String),
}
