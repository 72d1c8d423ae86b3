//! A screen's seat layout (categories with prices, rows with aisles and accessible seats),
//! checked and expanded into its seats.

use super::{FieldError, MAX_SEATS_PER_SCREEN, RowLabel, SeatLabel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

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
        let codes = self.check_categories(&mut errors);
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
            row.expand(r, &at, &mut seats, &mut errors);
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

    /// Checks the categories; the codes of those that may be used by rows.
    fn check_categories(&self, errors: &mut Vec<FieldError>) -> BTreeSet<&str> {
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
        codes
    }
}

impl LayoutRow {
    /// Checks the row's seats, aisles and accessible seats (the row's `index` from the screen,
    /// `at` its JSON path) and appends its seats to `seats`.
    fn expand(
        &self,
        index: usize,
        at: &str,
        seats: &mut Vec<LayoutSeat>,
        errors: &mut Vec<FieldError>,
    ) {
        if !(1..=300).contains(&self.seats) {
            errors.push(FieldError::new(
                format!("{at}.seats"),
                "between 1 and 300 seats",
            ));
            return;
        }
        let gaps: BTreeSet<u16> = self.gaps_after.iter().copied().collect();
        if gaps.len() != self.gaps_after.len() || gaps.iter().any(|g| *g == 0 || *g >= self.seats) {
            errors.push(FieldError::new(
                format!("{at}.gaps_after"),
                "distinct seat numbers between 1 and the row's last seat minus one",
            ));
        }
        let accessible: BTreeSet<u16> = self.accessible.iter().copied().collect();
        if accessible.len() != self.accessible.len()
            || accessible.iter().any(|a| *a == 0 || *a > self.seats)
        {
            errors.push(FieldError::new(
                format!("{at}.accessible"),
                "distinct seat numbers of this row",
            ));
        }
        let rl = RowLabel(self.label.clone());
        let mut column = 0u16;
        for n in 1..=self.seats {
            seats.push(LayoutSeat {
                label: SeatLabel::of(&rl, n),
                row: self.label.clone(),
                number: n,
                category: self.category.clone(),
                row_index: u16::try_from(index).unwrap_or(u16::MAX),
                column,
                accessible: accessible.contains(&n),
            });
            column += if gaps.contains(&n) { 2 } else { 1 };
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
