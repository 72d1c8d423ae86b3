//! Range checks for every date and instant a client sends, made before the value is used in
//! date arithmetic (which panics on overflow) or bound to PostgreSQL (which refuses years it
//! cannot store): a value outside the range is a 422 on its field, never a 5xx.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use mtbp_domain::seats::FieldError;

/// Earliest year a client may name (the first films are from the 1880s).
pub const EARLIEST_YEAR: i32 = 1800;
/// Latest year a client may name; shows are further bound by the scheduling horizon.
pub const LATEST_YEAR: i32 = 2999;

fn range_message() -> String {
    format!("a date between {EARLIEST_YEAR}-01-01 and {LATEST_YEAR}-12-31")
}

fn year_ok(year: i32) -> bool {
    (EARLIEST_YEAR..=LATEST_YEAR).contains(&year)
}

/// Records a problem with `field` unless `date` lies within the accepted years; `true` if it does.
pub fn check_date(field: &str, date: NaiveDate, errors: &mut Vec<FieldError>) -> bool {
    let ok = year_ok(date.year());
    if !ok {
        errors.push(FieldError::new(field, range_message()));
    }
    ok
}

/// As [`check_date`], for an instant (its UTC date).
pub fn check_instant(field: &str, at: DateTime<Utc>, errors: &mut Vec<FieldError>) -> bool {
    check_date(field, at.date_naive(), errors)
}

/// A show's start: a date in range, in the future, and at most `horizon_days` from `now`.
pub fn check_show_start(
    field: &str,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    horizon_days: u32,
    errors: &mut Vec<FieldError>,
) {
    if !check_instant(field, starts_at, errors) {
        return;
    }
    mtbp_domain::schedule::check_start(field, starts_at, now, horizon_days, errors);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("an RFC 3339 instant")
    }

    #[test]
    fn dates_outside_the_years_are_field_errors() {
        let mut errors = Vec::new();
        assert!(check_instant("a", at("2026-05-01T10:00:00Z"), &mut errors));
        assert!(!check_instant(
            "b",
            at("+262142-12-31T23:00:00Z"),
            &mut errors
        ));
        assert!(!check_instant("c", at("9999-12-31T00:00:00Z"), &mut errors));
        assert!(!check_instant(
            "d",
            at("-4714-01-01T00:00:00Z"),
            &mut errors
        ));
        let date = NaiveDate::from_ymd_opt(1799, 12, 31).expect("a date");
        assert!(!check_date("e", date, &mut errors));
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["b", "c", "d", "e"]);
    }

    #[test]
    fn show_starts_are_in_the_future_and_within_the_horizon() {
        let now = at("2030-01-01T00:00:00Z");
        let problems = |start: &str| {
            let mut errors = Vec::new();
            check_show_start("starts_at", at(start), now, 365, &mut errors);
            errors.into_iter().map(|e| e.message).collect::<Vec<_>>()
        };
        assert!(problems("2030-06-01T18:00:00Z").is_empty());
        assert_eq!(problems("2029-12-31T18:00:00Z"), ["must be in the future"]);
        assert_eq!(
            problems("2031-01-02T00:00:00Z"),
            ["shows are scheduled at most 365 days ahead"]
        );
        assert_eq!(problems("+262142-12-31T23:00:00Z"), [range_message()]);
    }
}
