//! Request and response bodies of the add-on endpoints.

use crate::error::{ApiError, ApiResult};
use crate::routes::common::required_text;
use mtbp_domain::offer_rules::addon_code;
use mtbp_domain::pricing::MAX_UNIT_MINOR;
use mtbp_domain::pricing::PricingRules;
use mtbp_domain::pricing::tax::{CONVENIENCE_FEE, FOOD, TICKET};
use mtbp_domain::seats::FieldError;
use mtbp_domain::{AddonId, Currency, Money, TheaterId};
use mtbp_store::addons::AddonFields;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new add-on, or the whole of an edited one (`PUT` replaces every field).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAddon {
    /// Code, unique among the theater's add-ons: 1-20 letters, digits, `-` or `_`, stored
    /// upper case (e.g. `COMBO1`).
    pub code: String,
    /// Name, 1-80 characters.
    pub name: String,
    /// Longer text, up to 500 characters.
    #[serde(default)]
    pub description: String,
    /// Price of one unit before tax, in minor units.
    pub amount_minor: i64,
    /// ISO 4217 currency: the one of the theater's shows, if it has any.
    #[schema(value_type = String, example = "INR")]
    pub currency: String,
    /// The tax class the pricing taxes it by (default `food`).
    #[serde(default = "food")]
    pub tax_class: String,
    /// On sale (default true).
    #[serde(default = "yes")]
    pub available: bool,
}

fn food() -> String {
    FOOD.to_owned()
}

fn yes() -> bool {
    true
}

/// Whether the pricing can tax an add-on by `class`: a class the deployment's tax rules know
/// (`MTBP_TAXES`; the demo's India's GST has `food`), other than the ones of tickets and of the
/// convenience fee.
pub fn addon_tax_class(rules: &PricingRules, class: &str) -> bool {
    class != TICKET && class != CONVENIENCE_FEE && rules.taxes.knows(class)
}

/// A checked add-on.
#[derive(Debug)]
pub struct CheckedAddon {
    code: String,
    name: String,
    description: String,
    /// Its price.
    pub price: Money,
    tax_class: String,
    available: bool,
}

impl CheckedAddon {
    /// The fields to store.
    pub fn fields(&self) -> AddonFields<'_> {
        AddonFields {
            code: &self.code,
            name: &self.name,
            description: &self.description,
            price: &self.price,
            tax_class: &self.tax_class,
            available: self.available,
        }
    }

    /// Its code.
    pub fn code(&self) -> &str {
        &self.code
    }
}

impl NewAddon {
    /// The cleaned add-on; a 422 listing every problem. `currencies` are those of the
    /// theater's shows (none: any currency).
    pub fn checked(
        &self,
        rules: &PricingRules,
        currencies: &[Currency],
    ) -> ApiResult<CheckedAddon> {
        let mut errors = Vec::new();
        let code = addon_code(&self.code).unwrap_or_else(|| {
            errors.push(FieldError::new("code", "1-20 letters, digits, - or _"));
            String::new()
        });
        let name = required_text("name", &self.name, 80, &mut errors);
        let description = self.description.trim().to_owned();
        if description.chars().count() > 500 {
            errors.push(FieldError::new("description", "at most 500 characters"));
        }
        if !(0..=MAX_UNIT_MINOR).contains(&self.amount_minor) {
            errors.push(FieldError::new(
                "amount_minor",
                format!("0 to {MAX_UNIT_MINOR} minor units"),
            ));
        }
        let currency = match Currency::parse(self.currency.trim()) {
            Ok(c) if currencies.is_empty() || currencies.contains(&c) => Some(c),
            Ok(_) => {
                let names: Vec<&str> = currencies.iter().map(Currency::as_str).collect();
                let message = format!("the theater's shows are sold in {}", names.join(", "));
                errors.push(FieldError::new("currency", message));
                None
            }
            Err(e) => {
                errors.push(FieldError::new("currency", e.to_string()));
                None
            }
        };
        let tax_class = self.tax_class.trim().to_owned();
        if !addon_tax_class(rules, &tax_class) {
            errors.push(FieldError::new(
                "tax_class",
                format!("a tax class of food and beverages, e.g. {FOOD}"),
            ));
        }
        match currency {
            Some(currency) if errors.is_empty() => Ok(CheckedAddon {
                code,
                name,
                description,
                price: Money {
                    amount_minor: self.amount_minor,
                    currency,
                },
                tax_class,
                available: self.available,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

/// An add-on.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Addon {
    /// Id.
    #[schema(value_type = Uuid)]
    pub addon_id: AddonId,
    /// Its theater.
    #[schema(value_type = Uuid)]
    pub theater_id: TheaterId,
    /// Code, upper case.
    pub code: String,
    /// Name.
    pub name: String,
    /// Longer text.
    pub description: String,
    /// Price of one unit before tax: `amount_minor` and `currency`.
    #[serde(flatten)]
    pub price: Money,
    /// Tax class.
    pub tax_class: String,
    /// On sale.
    pub available: bool,
}

impl From<mtbp_store::addons::Addon> for Addon {
    fn from(a: mtbp_store::addons::Addon) -> Self {
        Self {
            addon_id: a.addon_id,
            theater_id: a.theater_id,
            code: a.code,
            name: a.name,
            description: a.description,
            price: a.price,
            tax_class: a.tax_class,
            available: a.available,
        }
    }
}
