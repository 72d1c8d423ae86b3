//! A customer's choice of seats, validated and sorted.

use super::{FieldError, MAX_SEATS_PER_BOOKING, SeatLabel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The seats a customer asks for: at least one, at most [`MAX_SEATS_PER_BOOKING`], no repeats,
/// kept sorted so that every transaction locks seat rows in the same order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatSelection(Vec<SeatLabel>);

impl SeatSelection {
    /// Validates raw labels from a request, at most [`MAX_SEATS_PER_BOOKING`].
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, FieldError> {
        Self::parse_up_to(raw, MAX_SEATS_PER_BOOKING)
    }

    /// Validates raw labels from a request, at most `max` of them (brokers book for groups).
    pub fn parse_up_to<S: AsRef<str>>(raw: &[S], max: usize) -> Result<Self, FieldError> {
        if raw.is_empty() {
            return Err(FieldError::new("seats", "choose at least one seat"));
        }
        if raw.len() > max {
            return Err(FieldError::new(
                "seats",
                format!("at most {max} seats per booking"),
            ));
        }
        let mut seen = BTreeSet::new();
        let mut repeated = BTreeSet::new();
        for (i, s) in raw.iter().enumerate() {
            let label = SeatLabel::parse(s.as_ref())
                .map_err(|m| FieldError::new(format!("seats[{i}]"), m))?;
            if !seen.insert(label.clone()) {
                repeated.insert(label);
            }
        }
        if !repeated.is_empty() {
            let list: Vec<_> = repeated.iter().map(SeatLabel::as_str).collect();
            return Err(FieldError::new(
                "seats",
                format!("seats listed more than once: {}", list.join(", ")),
            ));
        }
        Ok(Self(seen.into_iter().collect()))
    }

    /// The labels, sorted.
    pub fn labels(&self) -> &[SeatLabel] {
        &self.0
    }

    /// The labels as plain strings, sorted.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|s| s.as_str().to_owned()).collect()
    }

    /// Number of seats.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a selection has at least one seat.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_refuses_nothing_too_many_and_repeats() {
        assert!(SeatSelection::parse::<&str>(&[]).is_err());
        let many: Vec<String> = (1..=11).map(|n| format!("A{n}")).collect();
        assert!(SeatSelection::parse(&many).is_err());
        let err = SeatSelection::parse(&["A1", "a1", "B2"]).expect_err("repeat");
        assert!(err.message.contains("A1"));
        let bad = SeatSelection::parse(&["A1", "zz"]).expect_err("bad label");
        assert_eq!(bad.field, "seats[1]");
    }

    #[test]
    fn a_selection_is_sorted_for_a_stable_lock_order() {
        let s = SeatSelection::parse(&["B2", "A10", "A2"]).expect("valid");
        assert_eq!(s.to_strings(), vec!["A10", "A2", "B2"]);
    }
}
