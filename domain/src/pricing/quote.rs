//! What the pricing answers: every line with its discounts and taxes, the offers applied and
//! declined, and totals that are the sums of the lines to the unit.

use super::offer::{Funder, Ineligible};
use crate::ids::OfferId;
use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};

/// What a quote line is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LineKind {
    /// A seat's ticket.
    Seat,
    /// A food and beverage add-on.
    Addon,
    /// The platform's convenience fee for one ticket.
    Fee,
}

/// Where a discount comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DiscountSource {
    /// The customer's subscription.
    Member {
        /// The plan.
        plan: String,
    },
    /// An offer.
    Offer {
        /// The offer.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        offer_id: OfferId,
    },
}

/// One discount on one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineDiscount {
    /// Where it comes from.
    #[serde(flatten)]
    pub source: DiscountSource,
    /// Who pays for it.
    pub funded_by: Funder,
    /// How much.
    pub amount: Money,
}

/// One tax on one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineTax {
    /// Component name, e.g. `CGST`.
    pub name: String,
    /// Rate in basis points (600 = 6 %).
    pub rate_bp: u32,
    /// How much.
    pub amount: Money,
}

/// One line of a quote: a seat, an add-on, or a ticket's convenience fee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteLine {
    /// What it is for.
    pub kind: LineKind,
    /// The seat label, the add-on's code, or for a fee the seat label it is charged on.
    pub item: String,
    /// The seat category, the add-on's name, or `Convenience fee`.
    pub description: String,
    /// The tax class the line is taxed by.
    pub tax_class: String,
    /// Units (1 for seats and fees).
    pub quantity: u32,
    /// List price of one unit, before discounts and taxes.
    pub unit_price: Money,
    /// `unit_price × quantity`.
    pub list: Money,
    /// Discounts, in the order they were applied.
    pub discounts: Vec<LineDiscount>,
    /// `list` less the discounts: the taxable value.
    pub net: Money,
    /// Taxes on `net`.
    pub taxes: Vec<LineTax>,
    /// `net` plus the taxes.
    pub total: Money,
}

/// An offer the quote applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppliedOffer {
    /// The offer.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub offer_id: OfferId,
    /// Its name.
    pub name: String,
    /// Its code, for offers applied by code.
    pub code: Option<String>,
    /// Who pays for it.
    pub funded_by: Funder,
    /// What it took off, over all lines.
    pub discount: Money,
}

/// An offer that was looked at and not applied, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclinedOffer {
    /// The offer.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub offer_id: OfferId,
    /// Its name.
    pub name: String,
    /// Its code, for offers with one.
    pub code: Option<String>,
    /// The customer entered it.
    pub entered: bool,
    /// Why it does not apply.
    pub reason: Ineligible,
}

/// A tax over the whole quote, e.g. all SGST at 9 %.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxTotal {
    /// Component name.
    pub name: String,
    /// Rate in basis points.
    pub rate_bp: u32,
    /// The taxable value it was charged on.
    pub taxable: Money,
    /// How much.
    pub amount: Money,
}

/// The sums of a quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    /// All lines at list price (fees included).
    pub list: Money,
    /// Every discount.
    pub discount: Money,
    /// Of which the partner pays.
    pub partner_funded: Money,
    /// Of which the platform pays.
    pub platform_funded: Money,
    /// `list − discount`: the taxable value.
    pub net: Money,
    /// Every tax.
    pub tax: Money,
    /// What the customer pays: `net + tax`.
    pub total: Money,
    /// The tickets alone (seat lines' totals), for the settlement.
    pub tickets: Money,
    /// The add-ons alone.
    pub addons: Money,
    /// The convenience fees alone.
    pub fees: Money,
}

/// A priced booking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    /// The currency of every amount.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub currency: Currency,
    /// Seats, then add-ons, then fees.
    pub lines: Vec<QuoteLine>,
    /// Offers applied.
    pub offers: Vec<AppliedOffer>,
    /// Offers looked at and not applied.
    pub declined: Vec<DeclinedOffer>,
    /// Taxes by component and rate.
    pub taxes: Vec<TaxTotal>,
    /// The sums.
    pub totals: Totals,
}

impl Quote {
    /// What the customer pays.
    pub fn total(&self) -> &Money {
        &self.totals.total
    }

    /// Whether an offer was applied.
    pub fn applied(&self, offer_id: OfferId) -> bool {
        self.offers.iter().any(|o| o.offer_id == offer_id)
    }
}
