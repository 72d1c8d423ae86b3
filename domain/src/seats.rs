//! Seats: labels such as `H12`, a customer's selection, and a screen's seat layout.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Most seats one booking may hold.
pub const MAX_SEATS_PER_BOOKING: usize = 10;
/// Most seats in one group booking made by a broker.
pub const MAX_SEATS_PER_GROUP_BOOKING: usize = 100;
/// Most seats one screen may have.
pub const MAX_SEATS_PER_SCREEN: usize = 5_000;

/// A seat label: one to three row letters and a seat number, e.g. `A1` or `AA12`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SeatLabel(String);

/// A problem with input, tied to the field it concerns.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// JSON path of the field, e.g. `rows[2].seats`.
    pub field: String,
    /// What is wrong, in words a client developer understands.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

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
        self.0.iter().map(|s| s.0.clone()).collect()
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

/// A seat category of a screen with its default price (minor units).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatCategory {
    /// Short code, e.g. `REGULAR`, `PREMIUM`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Default price of a seat of this category, in minor units.
    pub price_minor: i64,
}

/// One row of a layout: `seats` seats numbered from 1, with aisles after the listed numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LayoutRow {
    /// Row letters, e.g. `A`.
    pub label: String,
    /// Category code of every seat in the row.
    pub category: String,
    /// Number of seats in the row.
    pub seats: u16,
    /// Seat numbers followed by an aisle (drawn as a gap in the seat map).
    #[serde(default)]
    pub gaps_after: Vec<u16>,
    /// Seat numbers with wheelchair space (or otherwise step-free), marked on the seat map.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accessible: Vec<u16>,
}

/// A screen's seat layout: categories with prices and rows of seats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatLayout {
    /// Seat categories with their default prices.
    pub categories: Vec<SeatCategory>,
    /// Rows from the screen backwards.
    pub rows: Vec<LayoutRow>,
}

/// A seat of an expanded layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutSeat {
    /// Seat label, e.g. `A1`.
    pub label: SeatLabel,
    /// Row letters.
    pub row: String,
    /// Seat number within the row.
    pub number: u16,
    /// Category code.
    pub category: String,
    /// Row index from the screen (0 = nearest).
    pub row_index: u16,
    /// Column index in the drawn map, counting aisles as one column each.
    pub column: u16,
    /// Wheelchair space or step-free.
    pub accessible: bool,
}

fn valid_code(code: &str) -> bool {
    (1..=20).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

impl SeatLayout {
    /// Checks the layout and expands it into seats, or lists every problem found.
    pub fn expand(&self) -> Result<Vec<LayoutSeat>, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut codes = BTreeSet::new();
        if self.categories.is_empty() {
            errors.push(FieldError::new(
                "layout.categories",
                "at least one seat category",
            ));
        }
        for (i, c) in self.categories.iter().enumerate() {
            let at = format!("layout.categories[{i}]");
            if !valid_code(&c.code) {
                errors.push(FieldError::new(
                    format!("{at}.code"),
                    "1-20 characters of A-Z, 0-9 or _",
                ));
            } else if !codes.insert(c.code.as_str()) {
                errors.push(FieldError::new(
                    format!("{at}.code"),
                    "category listed twice",
                ));
            }
            if c.name.trim().is_empty() || c.name.len() > 60 {
                errors.push(FieldError::new(format!("{at}.name"), "1-60 characters"));
            }
            if !(0..=100_000_000).contains(&c.price_minor) {
                errors.push(FieldError::new(
                    format!("{at}.price_minor"),
                    "between 0 and 100000000 minor units",
                ));
            }
        }
        if self.rows.is_empty() || self.rows.len() > 200 {
            errors.push(FieldError::new("layout.rows", "between 1 and 200 rows"));
        }
        let mut seats = Vec::new();
        let mut row_labels = BTreeSet::new();
        for (r, row) in self.rows.iter().enumerate() {
            let at = format!("layout.rows[{r}]");
            let label_ok = (1..=3).contains(&row.label.len())
                && row.label.bytes().all(|b| b.is_ascii_uppercase());
            if !label_ok {
                errors.push(FieldError::new(format!("{at}.label"), "1-3 letters A-Z"));
                continue;
            }
            if !row_labels.insert(row.label.as_str()) {
                errors.push(FieldError::new(format!("{at}.label"), "row listed twice"));
                continue;
            }
            if !codes.contains(row.category.as_str()) {
                errors.push(FieldError::new(
                    format!("{at}.category"),
                    format!("unknown category {:?}", row.category),
                ));
            }
            if !(1..=300).contains(&row.seats) {
                errors.push(FieldError::new(
                    format!("{at}.seats"),
                    "between 1 and 300 seats",
                ));
                continue;
            }
            let gaps: BTreeSet<u16> = row.gaps_after.iter().copied().collect();
            if gaps.len() != row.gaps_after.len() || gaps.iter().any(|g| *g == 0 || *g >= row.seats)
            {
                errors.push(FieldError::new(
                    format!("{at}.gaps_after"),
                    "distinct seat numbers between 1 and the row's last seat minus one",
                ));
            }
            let accessible: BTreeSet<u16> = row.accessible.iter().copied().collect();
            if accessible.len() != row.accessible.len()
                || accessible.iter().any(|a| *a == 0 || *a > row.seats)
            {
                errors.push(FieldError::new(
                    format!("{at}.accessible"),
                    "distinct seat numbers of this row",
                ));
            }
            let rl = RowLabel(row.label.clone());
            let mut column = 0u16;
            for n in 1..=row.seats {
                seats.push(LayoutSeat {
                    label: SeatLabel::of(&rl, n),
                    row: row.label.clone(),
                    number: n,
                    category: row.category.clone(),
                    row_index: u16::try_from(r).unwrap_or(u16::MAX),
                    column,
                    accessible: accessible.contains(&n),
                });
                column += if gaps.contains(&n) { 2 } else { 1 };
            }
        }
        if seats.len() > MAX_SEATS_PER_SCREEN {
            errors.push(FieldError::new(
                "layout.rows",
                format!("at most {MAX_SEATS_PER_SCREEN} seats per screen"),
            ));
        }
        if errors.is_empty() {
            Ok(seats)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> SeatLayout {
        SeatLayout {
            categories: vec![SeatCategory {
                code: "REGULAR".into(),
                name: "Regular".into(),
                price_minor: 20_000,
            }],
            rows: vec![
                LayoutRow {
                    label: "A".into(),
                    category: "REGULAR".into(),
                    seats: 4,
                    gaps_after: vec![2],
                    accessible: vec![1],
                },
                LayoutRow {
                    label: "B".into(),
                    category: "REGULAR".into(),
                    seats: 3,
                    gaps_after: vec![],
                    accessible: vec![],
                },
            ],
        }
    }

    #[test]
    fn labels_are_row_letters_then_a_number() {
        assert_eq!(SeatLabel::parse("h12").map(String::from), Ok("H12".into()));
        assert!(SeatLabel::parse("AA100").is_ok());
        for bad in ["", "12", "A", "A0", "A01", "ABCD1", "A1B", "A1000", "Ä1"] {
            assert!(SeatLabel::parse(bad).is_err(), "{bad} should be refused");
        }
    }

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
    fn a_label_splits_into_row_and_number() {
        assert_eq!(split_label("AB12"), ("AB", 12));
        assert_eq!(split_label("H1"), ("H", 1));
        assert_eq!(split_label("Z"), ("Z", 0));
    }

    #[test]
    fn a_selection_is_sorted_for_a_stable_lock_order() {
        let s = SeatSelection::parse(&["B2", "A10", "A2"]).expect("valid");
        assert_eq!(s.to_strings(), vec!["A10", "A2", "B2"]);
    }

    #[test]
    fn a_layout_expands_rows_with_aisles() {
        let seats = layout().expand().expect("valid");
        assert_eq!(seats.len(), 7);
        let a3 = seats.iter().find(|s| s.label.as_str() == "A3").expect("A3");
        assert_eq!(a3.column, 3, "aisle after A2 shifts A3 one column right");
        assert_eq!(seats[4].label.as_str(), "B1");
        assert_eq!(seats[4].row_index, 1);
        let accessible: Vec<_> = seats
            .iter()
            .filter(|s| s.accessible)
            .map(|s| s.label.as_str())
            .collect();
        assert_eq!(accessible, vec!["A1"]);
    }

    #[test]
    fn accessible_seats_are_seats_of_their_row() {
        let mut l = layout();
        l.rows[1].accessible = vec![4];
        l.rows[0].accessible = vec![1, 1];
        let errors = l.expand().expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["layout.rows[0].accessible", "layout.rows[1].accessible"]
        );
    }

    #[test]
    fn a_layout_lists_every_problem() {
        let mut l = layout();
        l.rows[1].category = "VIP".into();
        l.rows[0].gaps_after = vec![4];
        l.categories[0].price_minor = -1;
        let errors = l.expand().expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "layout.categories[0].price_minor",
                "layout.rows[0].gaps_after",
                "layout.rows[1].category"
            ]
        );
    }

    #[test]
    fn a_layout_refuses_repeated_rows_and_categories() {
        let mut l = layout();
        l.rows[1].label = "A".into();
        l.categories.push(l.categories[0].clone());
        let errors = l.expand().expect_err("invalid");
        assert!(errors.iter().any(|e| e.message == "row listed twice"));
        assert!(errors.iter().any(|e| e.message == "category listed twice"));
    }
}
