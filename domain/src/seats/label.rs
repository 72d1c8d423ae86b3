//! Seat and row labels: `H12` is seat 12 of row `H`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A seat label: one to three row letters and a seat number, e.g. `A1` or `AA12`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SeatLabel(String);

impl SeatLabel {
    /// Parses a label, accepting lower case (`a1` is `A1`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let upper = raw.trim().to_ascii_uppercase();
        let letters = upper.bytes().take_while(u8::is_ascii_uppercase).count();
        let digits = &upper[letters..];
        let number_ok = !digits.is_empty()
            && digits.len() <= 3
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if (1..=3).contains(&letters) && number_ok {
            Ok(Self(upper))
        } else {
            Err(format!(
                "{raw:?} is not a seat label (row letters then seat number, e.g. \"H12\")"
            ))
        }
    }

    /// Builds the label of seat `number` in row `row`.
    pub fn of(row: &RowLabel, number: u16) -> Self {
        Self(format!("{}{number}", row.0))
    }

    /// The label text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SeatLabel {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<SeatLabel> for String {
    fn from(value: SeatLabel) -> Self {
        value.0
    }
}

impl fmt::Display for SeatLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits a seat label into its row letters and seat number (`"AB12"` → `("AB", 12)`); a
/// label without a number gives 0.
pub fn split_label(label: &str) -> (&str, u16) {
    let digits = label
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(label.len());
    let (row, number) = label.split_at(digits);
    (row, number.parse().unwrap_or(0))
}

/// A row label: one to three upper-case letters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RowLabel(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_row_letters_then_a_number() {
        assert_eq!(SeatLabel::parse("h12").map(String::from), Ok("H12".into()));
        assert!(SeatLabel::parse("AA100").is_ok());
        for bad in ["", "12", "A", "A0", "A01", "ABCD1", "A1B", "A1000", "Ä1"] {
            assert!(SeatLabel::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn a_label_splits_into_row_and_number() {
        assert_eq!(split_label("AB12"), ("AB", 12));
        assert_eq!(split_label("H1"), ("H", 1));
        assert_eq!(split_label("Z"), ("Z", 0));
    }
}
