//! The smallest amount the payment gateway will charge, per currency.
//!
//! A booking whose total is below it could be held but never paid, so the hold is refused up
//! front. Source: Stripe's "Supported currencies" page, section "Minimum and maximum charge
//! amounts" (<https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts>), as
//! published when this table was written; a deployment whose gateway account differs overrides
//! entries with `MTBP_MIN_CHARGE` (see docs/OPERATIONS.md).

use std::collections::BTreeMap;

/// Stripe's minimum charge, in minor units, for the currencies shows are most likely priced in.
/// JPY has no minor unit: 50 is ¥50.
pub const STRIPE_MINIMUMS: [(&str, i64); 12] = [
    ("AED", 200),
    ("AUD", 50),
    ("CAD", 50),
    ("CHF", 50),
    ("EUR", 50),
    ("GBP", 30),
    ("HKD", 400),
    ("INR", 50),
    ("JPY", 50),
    ("SEK", 300),
    ("SGD", 50),
    ("USD", 50),
];

/// A currency the table does not know still cannot be charged nothing.
pub const UNKNOWN_CURRENCY_MINIMUM: i64 = 1;

/// The minimum charge of each currency: [`STRIPE_MINIMUMS`] with configured overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MinimumCharges(BTreeMap<String, i64>);

impl Default for MinimumCharges {
    fn default() -> Self {
        Self(
            STRIPE_MINIMUMS
                .iter()
                .map(|(c, m)| ((*c).to_owned(), *m))
                .collect(),
        )
    }
}

impl MinimumCharges {
    /// The table with overrides written `CUR=minor,CUR=minor` (e.g. `INR=5000,USD=100`); an
    /// empty text changes nothing.
    pub fn with_overrides(overrides: &str) -> Result<Self, String> {
        let mut table = Self::default();
        for entry in overrides
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (code, amount) = entry
                .split_once('=')
                .ok_or_else(|| format!("{entry:?} is not CURRENCY=minor_units"))?;
            let code = code.trim();
            crate::Currency::parse(code).map_err(|e| e.to_string())?;
            let amount: i64 = amount
                .trim()
                .parse()
                .ok()
                .filter(|a| *a >= 1)
                .ok_or_else(|| format!("{entry:?}: the minimum must be a whole number >= 1"))?;
            table.0.insert(code.to_owned(), amount);
        }
        Ok(table)
    }

    /// The smallest total, in minor units, chargeable in `currency`.
    pub fn minimum(&self, currency: &str) -> i64 {
        self.0
            .get(currency)
            .copied()
            .unwrap_or(UNKNOWN_CURRENCY_MINIMUM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_minimums_with_overrides() {
        let default = MinimumCharges::default();
        assert_eq!(default.minimum("INR"), 50);
        assert_eq!(default.minimum("GBP"), 30);
        assert_eq!(default.minimum("XYZ"), UNKNOWN_CURRENCY_MINIMUM);
        let custom = MinimumCharges::with_overrides(" INR=5000 , XYZ=7").expect("valid");
        assert_eq!(custom.minimum("INR"), 5000);
        assert_eq!(custom.minimum("XYZ"), 7);
        assert_eq!(custom.minimum("USD"), 50);
        assert_eq!(MinimumCharges::with_overrides(""), Ok(default));
        for bad in ["INR", "inr=50", "INR=0", "INR=-5", "INR=1.5"] {
            assert!(MinimumCharges::with_overrides(bad).is_err(), "{bad}");
        }
    }
}
