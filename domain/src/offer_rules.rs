//! What makes an offer's rule well-formed before it is stored: the parts of a
//! [`pricing::Offer`](crate::pricing::Offer) a partner or an operator writes (benefit,
//! conditions, code, window, limits), checked field by field so one answer lists every problem.
//!
//! Whether the scope's ids exist and belong to the partner needs the database and is checked
//! by the caller; so is who may fund an offer.

use crate::pricing::{Benefit, Conditions, MAX_ADDON_QUANTITY, MAX_UNIT_MINOR, OfferScope};
use crate::seats::FieldError;
use chrono::{DateTime, Utc};

/// The most basis points an offer may take off (everything).
pub const MAX_PERCENT_BP: u32 = 10_000;
/// The largest group an Nth-ticket or group-size offer may name.
pub const MAX_GROUP: u32 = 100;
/// Length of a generated code.
pub const GENERATED_CODE_LEN: usize = 12;
/// The letters generated codes are made of: upper case and digits, without look-alikes
/// (no 0/O, 1/I/L), so a code read out at a counter is typed right.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn percent(field: &str, bp: u32, errors: &mut Vec<FieldError>) {
    if !(1..=MAX_PERCENT_BP).contains(&bp) {
        errors.push(FieldError::new(field, "1 to 10000 basis points"));
    }
}

fn amount(field: &str, minor: i64, errors: &mut Vec<FieldError>) {
    if !(1..=MAX_UNIT_MINOR).contains(&minor) {
        errors.push(FieldError::new(
            field,
            format!("more than 0 and at most {MAX_UNIT_MINOR} minor units"),
        ));
    }
}

/// An add-on code as stored: upper case, 1-20 letters, digits, `-` or `_`, starting with a
/// letter or digit. `None` if `raw` is not one.
pub fn addon_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    let ok = (1..=20).contains(&code.len())
        && code.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || (i > 0 && (b == b'-' || b == b'_'))
        });
    ok.then_some(code)
}

/// An offer code as stored: upper case, 4-32 letters, digits or `-`, starting with a letter or
/// digit (codes are matched without regard to case). `None` if `raw` is not one.
pub fn offer_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    let ok = (4..=32).contains(&code.len())
        && code
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_uppercase() || b.is_ascii_digit() || (i > 0 && b == b'-'));
    ok.then_some(code)
}

/// Problems of a benefit (field names under `benefit.`). A meal voucher's add-on code comes
/// back upper case.
pub fn check_benefit(benefit: &mut Benefit, errors: &mut Vec<FieldError>) {
    match benefit {
        Benefit::PercentOff {
            percent_bp,
            max_off_minor,
        } => {
            percent("benefit.percent_bp", *percent_bp, errors);
            if let Some(max) = max_off_minor {
                amount("benefit.max_off_minor", *max, errors);
            }
        }
        Benefit::FlatOff { amount_minor } => amount("benefit.amount_minor", *amount_minor, errors),
        Benefit::NthTicket { every, percent_bp } => {
            if !(2..=MAX_GROUP).contains(every) {
                errors.push(FieldError::new("benefit.every", "2 to 100 tickets"));
            }
            percent("benefit.percent_bp", *percent_bp, errors);
        }
        Benefit::MealVoucher {
            addon_code: code,
            percent_bp,
            max_units,
        } => {
            if let Some(raw) = code {
                match addon_code(raw) {
                    Some(upper) => *raw = upper,
                    None => errors.push(FieldError::new(
                        "benefit.addon_code",
                        "1-20 letters, digits, - or _",
                    )),
                }
            }
            percent("benefit.percent_bp", *percent_bp, errors);
            if !(1..=MAX_ADDON_QUANTITY).contains(max_units) {
                errors.push(FieldError::new(
                    "benefit.max_units",
                    format!("1 to {MAX_ADDON_QUANTITY} units"),
                ));
            }
        }
    }
}

/// Problems of the conditions (field names under `conditions.`). Seat category codes come back
/// trimmed and upper case, days without repeats.
pub fn check_conditions(conditions: &mut Conditions, errors: &mut Vec<FieldError>) {
    conditions
        .days_of_week
        .sort_by_key(chrono::Weekday::num_days_from_monday);
    conditions.days_of_week.dedup();
    if conditions.days_of_week.len() == 7 {
        conditions.days_of_week.clear(); // every day is no condition
    }
    if let Some(w) = conditions.starts_between
        && w.from == w.until
    {
        errors.push(FieldError::new(
            "conditions.starts_between",
            "from and until must differ",
        ));
    }
    if let Some(min) = conditions.min_seats
        && !(1..=MAX_GROUP).contains(&min)
    {
        errors.push(FieldError::new("conditions.min_seats", "1 to 100 seats"));
    }
    for (i, code) in conditions.seat_categories.iter_mut().enumerate() {
        let trimmed = code.trim().to_ascii_uppercase();
        if trimmed.is_empty() || trimmed.len() > 20 {
            errors.push(FieldError::new(
                format!("conditions.seat_categories[{i}]"),
                "1-20 characters",
            ));
        }
        *code = trimmed;
    }
    conditions.seat_categories.sort();
    conditions.seat_categories.dedup();
}

/// Problems of the scope that need no database (field names under `scope.`): a city, when
/// named, is 1-60 characters; it comes back trimmed.
pub fn check_scope_text(scope: &mut OfferScope, errors: &mut Vec<FieldError>) {
    if let Some(city) = &mut scope.city {
        let trimmed = city.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 60 {
            errors.push(FieldError::new("scope.city", "1-60 characters"));
        }
        *city = trimmed.to_owned();
    }
}

/// Problems of the window and the limits.
pub fn check_window_and_limits(
    valid_from: DateTime<Utc>,
    valid_until: Option<DateTime<Utc>>,
    limit_total: Option<u32>,
    limit_per_customer: Option<u32>,
    errors: &mut Vec<FieldError>,
) {
    if valid_until.is_some_and(|until| until <= valid_from) {
        errors.push(FieldError::new("valid_until", "must be after valid_from"));
    }
    let max = u32::try_from(i32::MAX).unwrap_or(u32::MAX);
    for (field, limit) in [
        ("limit_total", limit_total),
        ("limit_per_customer", limit_per_customer),
    ] {
        if limit.is_some_and(|n| n == 0 || n > max) {
            errors.push(FieldError::new(field, format!("1 to {max}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::TimeWindow;
    use chrono::{Duration, NaiveTime, Weekday};

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn codes_are_upper_cased_and_bounded() {
        assert_eq!(offer_code(" summer-25 ").as_deref(), Some("SUMMER-25"));
        assert_eq!(offer_code("abc"), None);
        assert_eq!(offer_code("-ABCD"), None);
        assert_eq!(offer_code("ABC D"), None);
        assert_eq!(offer_code(&"A".repeat(33)), None);
        assert_eq!(addon_code("combo_1").as_deref(), Some("COMBO_1"));
        assert_eq!(addon_code(""), None);
        assert_eq!(addon_code("_X"), None);
    }

    #[test]
    fn benefits_out_of_range_are_named() {
        let mut errors = Vec::new();
        for mut b in [
            Benefit::PercentOff {
                percent_bp: 0,
                max_off_minor: Some(0),
            },
            Benefit::FlatOff { amount_minor: -5 },
            Benefit::NthTicket {
                every: 1,
                percent_bp: 10_001,
            },
            Benefit::MealVoucher {
                addon_code: Some(" ".into()),
                percent_bp: 10_000,
                max_units: 0,
            },
        ] {
            check_benefit(&mut b, &mut errors);
        }
        assert_eq!(
            fields(&errors),
            [
                "benefit.percent_bp",
                "benefit.max_off_minor",
                "benefit.amount_minor",
                "benefit.every",
                "benefit.percent_bp",
                "benefit.addon_code",
                "benefit.max_units"
            ]
        );
    }

    #[test]
    fn good_benefits_pass_and_voucher_codes_are_upper_cased() {
        let mut errors = Vec::new();
        let mut voucher = Benefit::MealVoucher {
            addon_code: Some("combo1".into()),
            percent_bp: 10_000,
            max_units: 2,
        };
        check_benefit(&mut voucher, &mut errors);
        let mut nth = Benefit::NthTicket {
            every: 3,
            percent_bp: 5_000,
        };
        check_benefit(&mut nth, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            matches!(voucher, Benefit::MealVoucher { addon_code: Some(c), .. } if c == "COMBO1")
        );
    }

    #[test]
    fn conditions_are_normalised_and_checked() {
        let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("a time");
        let mut c = Conditions {
            days_of_week: vec![Weekday::Sun, Weekday::Sat, Weekday::Sun],
            starts_between: Some(TimeWindow {
                from: noon,
                until: noon,
            }),
            min_seats: Some(0),
            seat_categories: vec![" premium ".into(), "".into()],
            ..Conditions::default()
        };
        let mut errors = Vec::new();
        check_conditions(&mut c, &mut errors);
        assert_eq!(c.days_of_week, [Weekday::Sat, Weekday::Sun]);
        assert_eq!(
            fields(&errors),
            [
                "conditions.starts_between",
                "conditions.min_seats",
                "conditions.seat_categories[1]"
            ]
        );
        assert!(c.seat_categories.contains(&"PREMIUM".to_owned()));
    }

    #[test]
    fn windows_run_forwards_and_limits_are_positive() {
        let now = chrono::DateTime::<Utc>::UNIX_EPOCH;
        let mut errors = Vec::new();
        check_window_and_limits(now, Some(now), Some(0), Some(1), &mut errors);
        check_window_and_limits(
            now,
            Some(now + Duration::hours(1)),
            None,
            Some(0),
            &mut errors,
        );
        assert_eq!(
            fields(&errors),
            ["valid_until", "limit_total", "limit_per_customer"]
        );
    }

    #[test]
    fn a_city_must_not_be_blank() {
        let mut scope = OfferScope {
            city: Some("  ".into()),
            ..OfferScope::default()
        };
        let mut errors = Vec::new();
        check_scope_text(&mut scope, &mut errors);
        assert_eq!(fields(&errors), ["scope.city"]);
    }
}
