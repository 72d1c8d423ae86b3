//! Money as integer minor units with an ISO 4217 currency: never floating point.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code, three upper-case ASCII letters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "INR"))]
pub struct Currency(String);

/// Why a currency code was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("currency must be three upper-case letters (ISO 4217), got {0:?}")]
pub struct InvalidCurrency(pub String);

impl Currency {
    /// Parses a currency code.
    pub fn parse(code: &str) -> Result<Self, InvalidCurrency> {
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code.to_owned()))
        } else {
            Err(InvalidCurrency(code.to_owned()))
        }
    }

    /// The code, e.g. `INR`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code in lower case, as payment gateways want it.
    pub fn to_gateway(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl TryFrom<String> for Currency {
    type Error = InvalidCurrency;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount in minor units (paise, cents) of one currency.
///
/// On the wire as `amount_minor` and `currency`; a body carrying money flattens it
/// (`#[serde(flatten)]`) so both sit beside the body's other fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// Amount in minor units; never negative for prices.
    pub amount_minor: i64,
    /// ISO 4217 currency of the amount.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub currency: Currency,
}

impl Money {
    /// Sums amounts of one currency; `None` on overflow.
    pub fn sum(currency: Currency, amounts: impl IntoIterator<Item = i64>) -> Option<Self> {
        let mut total: i64 = 0;
        for a in amounts {
            total = total.checked_add(a)?;
        }
        Some(Self {
            amount_minor: total,
            currency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_are_three_upper_case_letters() {
        assert!(Currency::parse("INR").is_ok());
        assert!(Currency::parse("inr").is_err());
        assert!(Currency::parse("RUPEE").is_err());
        assert_eq!(
            Currency::parse("USD").map(|c| c.to_gateway()),
            Ok("usd".into())
        );
    }

    #[test]
    fn sums_refuse_to_overflow() {
        let inr = Currency::parse("INR").expect("valid");
        assert_eq!(
            Money::sum(inr.clone(), [100, 250]).map(|m| m.amount_minor),
            Some(350)
        );
        assert_eq!(Money::sum(inr, [i64::MAX, 1]), None);
    }
}
