//! Offers (`offers`) and their redemptions (`offer_redemptions`): the rules as the pricing
//! reads them, and the usage counts their limits are enforced on.
//!
//! The rule parts (benefit, conditions, scope) are stored as the JSON of their `domain::pricing`
//! types; the columns the database must query or enforce (partner, code, window, limits, the
//! live redemption count) are columns of their own.

pub mod admin;
mod read;
mod redeem;
pub mod reserve;
pub mod vouchers;

pub use read::{OfferRecord, candidates, get};
pub use redeem::{
    Redeemed, RedemptionLine, Refused, redeem, redemptions, release, release_reservations_except,
};
