//! The Indian financial year (1 April to 31 March) and invoice numbers within it.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A financial year, named by the calendar year it starts in: `2026` is `2026-27`, from
/// 1 April 2026 to 31 March 2027.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FinancialYear {
    start_year: i32,
}

/// Why a financial year's name was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a financial year is written like 2026-27, got {0:?}")]
pub struct InvalidFinancialYear(pub String);

impl FinancialYear {
    /// The year a date falls in (the date as the issuer's clock shows it: the theater's time
    /// zone, since 31 March 23:30 UTC is already April in India).
    pub fn of(date: NaiveDate) -> Self {
        let start_year = if date.month() >= 4 {
            date.year()
        } else {
            date.year() - 1
        };
        Self { start_year }
    }

    /// The calendar year it starts in.
    pub fn start_year(&self) -> i32 {
        self.start_year
    }

    /// Parses `2026-27`.
    pub fn parse(name: &str) -> Result<Self, InvalidFinancialYear> {
        let bad = || InvalidFinancialYear(name.to_owned());
        let (start, end) = name.split_once('-').ok_or_else(bad)?;
        if start.len() != 4 || end.len() != 2 {
            return Err(bad());
        }
        let start_year: i32 = start.parse().map_err(|_| bad())?;
        let end: i32 = end.parse().map_err(|_| bad())?;
        if (start_year + 1) % 100 != end {
            return Err(bad());
        }
        Ok(Self { start_year })
    }
}

impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:02}",
            self.start_year,
            (self.start_year + 1).rem_euclid(100)
        )
    }
}

impl TryFrom<String> for FinancialYear {
    type Error = InvalidFinancialYear;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<FinancialYear> for String {
    fn from(value: FinancialYear) -> Self {
        value.to_string()
    }
}

/// Longest invoice prefix.
pub const MAX_PREFIX_LEN: usize = 12;

/// Whether `prefix` may start invoice numbers: 1 to 12 upper-case ASCII letters and digits,
/// optionally with inner dashes (`PVR`, `MTBP-CN`), so every number is plain ASCII.
pub fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.len() <= MAX_PREFIX_LEN
        && !prefix.starts_with('-')
        && !prefix.ends_with('-')
        && prefix
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// A prefix for an issuer that has none configured: the first four ASCII letters or digits of
/// its name in upper case, or `INV` for a name without any (e.g. one written in Devanagari).
pub fn derived_prefix(name: &str) -> String {
    let derived: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(4)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if derived.is_empty() {
        "INV".to_owned()
    } else {
        derived
    }
}

/// The number of the `seq`th document of a series: `PVR-2026-27/000123` (six digits at
/// least; the series goes on past 999999 with more).
pub fn invoice_number(prefix: &str, year: FinancialYear, seq: i64) -> String {
    format!("{prefix}-{year}/{seq:06}")
}
