//! Suggesting the best contiguous seats: a block of `count` free seats side by side (no aisle
//! between them) in one row, that leaves no single free seat stranded beside it, as close as
//! possible to the best place in the house — about two thirds of the way back, in the middle.

/// A seat as the suggester sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct SeatSpot {
    /// Label, e.g. `H12`.
    pub label: String,
    /// Row position, 0 nearest the screen.
    pub row: u32,
    /// Column in the drawn map (aisles take columns).
    pub column: u32,
    /// Whether it can be booked now.
    pub free: bool,
}

/// Lower is better.
fn score(row: u32, rows: u32, centre: f64, row_centre: f64) -> f64 {
    let ideal_row = f64::from(rows.saturating_sub(1)) * 2.0 / 3.0;
    let row_distance = (f64::from(row) - ideal_row).abs();
    let column_distance = (centre - row_centre).abs();
    row_distance * 1.5 + column_distance
}

/// The best block of `count` seats, or `None` when no row has that many free seats side by
/// side. Blocks that would leave one free seat alone between them and a taken seat or an aisle
/// are used only when nothing else fits.
pub fn best_block(seats: &[SeatSpot], count: usize) -> Option<Vec<String>> {
    if count == 0 {
        return None;
    }
    let rows = seats.iter().map(|s| s.row + 1).max().unwrap_or(0);
    let mut best: Option<(bool, f64, Vec<String>)> = None;
    let mut by_row: std::collections::BTreeMap<u32, Vec<&SeatSpot>> = Default::default();
    for s in seats {
        by_row.entry(s.row).or_default().push(s);
    }
    for (row, mut row_seats) in by_row {
        row_seats.sort_by_key(|s| s.column);
        let first = f64::from(row_seats.first().map_or(0, |s| s.column));
        let last = f64::from(row_seats.last().map_or(0, |s| s.column));
        let row_centre = (first + last) / 2.0;
        // Runs of free seats with no gap in columns.
        let mut runs: Vec<Vec<&SeatSpot>> = Vec::new();
        for s in row_seats {
            let joins = runs
                .last()
                .and_then(|r| r.last())
                .is_some_and(|prev| prev.free && s.free && s.column == prev.column + 1);
            match (s.free, joins) {
                (true, true) => {
                    if let Some(r) = runs.last_mut() {
                        r.push(s);
                    }
                }
                (true, false) => runs.push(vec![s]),
                (false, _) => runs.push(Vec::new()),
            }
        }
        for run in runs.iter().filter(|r| r.len() >= count) {
            for start in 0..=run.len() - count {
                let left = start;
                let right = run.len() - start - count;
                let orphan = left == 1 || right == 1;
                let centre =
                    (f64::from(run[start].column) + f64::from(run[start + count - 1].column)) / 2.0;
                let s = score(row, rows, centre, row_centre);
                let better = match &best {
                    None => true,
                    Some((b_orphan, b_score, _)) => (orphan, s) < (*b_orphan, *b_score),
                };
                if better {
                    let labels = run[start..start + count]
                        .iter()
                        .map(|x| x.label.clone())
                        .collect();
                    best = Some((orphan, s, labels));
                }
            }
        }
    }
    best.map(|(_, _, labels)| labels)
}

/// Most seats a best-seats hold takes (a block side by side in one row).
pub const BEST_MAX: usize = 10;

/// Longest seat category code a best-seats request may name.
const CATEGORY_MAX: usize = 32;

/// "The best `count` seats side by side", optionally of one category: a request validated by
/// [`BestPick::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BestPick {
    /// How many seats, 1 to [`BEST_MAX`].
    pub count: usize,
    /// Only this seat category (its code, upper case).
    pub category: Option<String>,
}

impl BestPick {
    /// A valid best-seats request: 1 to 10 seats (fewer if the caller may book fewer), a
    /// category code of 1 to 32 characters (trimmed, upper-cased).
    pub fn parse(
        count: u32,
        category: Option<&str>,
        max_seats: usize,
    ) -> Result<Self, crate::seats::FieldError> {
        use crate::seats::FieldError;
        let most = max_seats.min(BEST_MAX);
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        if !(1..=most).contains(&count) {
            return Err(FieldError::new(
                "best.count",
                format!("between 1 and {most}"),
            ));
        }
        let category = match category.map(str::trim) {
            None => None,
            Some(c) if c.is_empty() || c.chars().count() > CATEGORY_MAX => {
                return Err(FieldError::new(
                    "best.category",
                    "a seat category code of 1 to 32 characters",
                ));
            }
            Some(c) => Some(c.to_uppercase()),
        };
        Ok(Self { count, category })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows as strings: `.` free, `x` taken, ` ` aisle; row 0 first.
    fn house(rows: &[&str]) -> Vec<SeatSpot> {
        let mut out = Vec::new();
        for (r, line) in rows.iter().enumerate() {
            let mut n = 0;
            for (c, ch) in line.chars().enumerate() {
                if ch == ' ' {
                    continue;
                }
                n += 1;
                out.push(SeatSpot {
                    label: format!("{}{n}", char::from(b'A' + u8::try_from(r).unwrap_or(0))),
                    row: u32::try_from(r).unwrap_or(0),
                    column: u32::try_from(c).unwrap_or(0),
                    free: ch == '.',
                });
            }
        }
        out
    }

    #[test]
    fn picks_the_middle_two_thirds_back() {
        let seats = house(&["........", "........", "........", "........"]);
        assert_eq!(best_block(&seats, 2), Some(vec!["C4".into(), "C5".into()]));
    }

    #[test]
    fn never_spans_an_aisle_or_a_taken_seat() {
        let seats = house(&["xx.. ..xx"]);
        assert_eq!(best_block(&seats, 3), None);
        assert_eq!(best_block(&seats, 2).map(|b| b.len()), Some(2));
    }

    #[test]
    fn avoids_leaving_a_single_seat_stranded() {
        // Free run of 5 between taken seats: taking the middle 3 would strand one on each
        // side; taking an end leaves a pair.
        let seats = house(&["x.....x"]);
        let block = best_block(&seats, 3).expect("block");
        assert!(
            block == ["A2", "A3", "A4"] || block == ["A4", "A5", "A6"],
            "{block:?}"
        );
        // With no other choice, a stranding block is still offered.
        let tight = house(&["x...x"]);
        assert_eq!(best_block(&tight, 2).map(|b| b.len()), Some(2));
    }

    #[test]
    fn nothing_when_no_row_has_room() {
        assert_eq!(best_block(&house(&[".x.x.", "x.x.x"]), 2), None);
        assert_eq!(best_block(&house(&["...."]), 0), None);
    }

    #[test]
    fn a_best_pick_takes_one_to_ten_seats_within_the_callers_limit() {
        assert_eq!(BestPick::parse(4, None, 10).map(|b| b.count), Ok(4));
        assert_eq!(BestPick::parse(10, None, 100).map(|b| b.count), Ok(10));
        let too_many = BestPick::parse(11, None, 100).expect_err("over ten");
        assert_eq!(too_many.field, "best.count");
        assert_eq!(too_many.message, "between 1 and 10");
        let over_limit = BestPick::parse(7, None, 6).expect_err("over the caller's limit");
        assert_eq!(over_limit.message, "between 1 and 6");
        assert!(BestPick::parse(0, None, 10).is_err());
    }

    #[test]
    fn a_best_pick_category_is_trimmed_upper_case_and_at_most_32_characters() {
        let pick = BestPick::parse(2, Some("  gold "), 10).expect("valid");
        assert_eq!(pick.category.as_deref(), Some("GOLD"));
        for bad in ["", "   ", &"x".repeat(33)] {
            let err = BestPick::parse(2, Some(bad), 10).expect_err("invalid category");
            assert_eq!(err.field, "best.category");
        }
        assert!(BestPick::parse(2, Some(&"x".repeat(32)), 10).is_ok());
    }
}
