//! When a show may run: its start (in the future, within the scheduling horizon), its end
//! (after the start, within 12 hours), the screen time it blocks (the end plus cleaning), and
//! its price per seat category. Overlap with another show on the screen is the database's
//! exclusion constraint (`shows_no_overlap`), since only it sees concurrent schedulers.

use crate::money::{Currency, Money};
use crate::seats::FieldError;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// The longest a show may run.
pub const MAX_RUNNING_HOURS: i64 = 12;

/// The highest price of a seat, in minor units.
pub const MAX_PRICE_MINOR: i64 = 100_000_000;

/// Records a problem with `field` unless `starts_at` is after `now` and at most `horizon_days`
/// ahead. The caller checks first that the instant is within the years the API accepts.
pub fn check_start(
    field: &str,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    horizon_days: u32,
    errors: &mut Vec<FieldError>,
) {
    if starts_at <= now {
        errors.push(FieldError::new(field, "must be in the future"));
    } else if starts_at > now + Duration::days(i64::from(horizon_days)) {
        errors.push(FieldError::new(
            field,
            format!("shows are scheduled at most {horizon_days} days ahead"),
        ));
    }
}

/// Records a problem for every price outside 0 to [`MAX_PRICE_MINOR`].
pub fn check_prices(prices: &BTreeMap<String, i64>, errors: &mut Vec<FieldError>) {
    for (code, price) in prices {
        if !(0..=MAX_PRICE_MINOR).contains(price) {
            errors.push(FieldError::new(
                format!("prices.{code}"),
                "between 0 and 100000000",
            ));
        }
    }
}

/// The start and end of a show, the end after the start and at most
/// [`MAX_RUNNING_HOURS`] later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShowTimes {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

impl ShowTimes {
    /// Checks an explicit start and end.
    pub fn new(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<Self, FieldError> {
        if ends_at <= starts_at || ends_at > starts_at + Duration::hours(MAX_RUNNING_HOURS) {
            return Err(FieldError::new(
                "ends_at",
                "after starts_at, and within 12 hours of it",
            ));
        }
        Ok(Self { starts_at, ends_at })
    }

    /// A new show: the end given, or the start plus the movie's running time.
    pub fn for_movie(
        starts_at: DateTime<Utc>,
        ends_at: Option<DateTime<Utc>>,
        runtime_minutes: i32,
    ) -> Result<Self, FieldError> {
        let ends_at = ends_at.unwrap_or(starts_at + Duration::minutes(i64::from(runtime_minutes)));
        Self::new(starts_at, ends_at)
    }

    /// A stored show moved: a new start keeps its running time unless a new end is given too.
    /// Only the new times are checked (the stored ones may predate a rule).
    pub fn moved(
        stored_start: DateTime<Utc>,
        stored_end: DateTime<Utc>,
        starts_at: Option<DateTime<Utc>>,
        ends_at: Option<DateTime<Utc>>,
    ) -> Result<Self, FieldError> {
        let starts = starts_at.unwrap_or(stored_start);
        let ends = ends_at.unwrap_or(starts + (stored_end - stored_start));
        Self::new(starts, ends)
    }

    /// The start.
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }

    /// The end.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.ends_at
    }

    /// Until when the screen is taken: the end plus the cleaning time.
    pub fn busy_until(&self, cleaning_minutes: u32) -> DateTime<Utc> {
        self.ends_at + Duration::minutes(i64::from(cleaning_minutes))
    }
}

/// A show's price per seat category, in the show's currency: each category's default
/// (minor units) unless overridden; an override for a category the screen does not have is a
/// field error.
pub fn category_prices(
    currency: &Currency,
    defaults: &BTreeMap<String, i64>,
    overrides: &BTreeMap<String, i64>,
) -> Result<BTreeMap<String, Money>, Vec<FieldError>> {
    let unknown: Vec<FieldError> = overrides
        .keys()
        .filter(|code| !defaults.contains_key(*code))
        .map(|code| {
            FieldError::new(
                format!("prices.{code}"),
                "not a seat category of this screen",
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    Ok(defaults
        .iter()
        .map(|(code, price)| {
            let amount_minor = *overrides.get(code).unwrap_or(price);
            let price = Money {
                amount_minor,
                currency: currency.clone(),
            };
            (code.clone(), price)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("an RFC 3339 instant")
    }

    fn prices(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(c, p)| ((*c).to_owned(), *p)).collect()
    }

    #[test]
    fn a_start_must_be_in_the_future_and_within_the_horizon() {
        let now = at("2026-05-01T10:00:00Z");
        let mut errors = Vec::new();
        check_start(
            "starts_at",
            at("2026-05-02T10:00:00Z"),
            now,
            30,
            &mut errors,
        );
        assert!(errors.is_empty());
        check_start("starts_at", now, now, 30, &mut errors);
        check_start(
            "starts_at",
            at("2026-06-01T10:00:01Z"),
            now,
            30,
            &mut errors,
        );
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "must be in the future",
                "shows are scheduled at most 30 days ahead"
            ]
        );
    }

    #[test]
    fn the_end_defaults_to_the_running_time_and_stays_within_twelve_hours() {
        let start = at("2026-05-01T18:00:00Z");
        let times = ShowTimes::for_movie(start, None, 150).expect("valid");
        assert_eq!(times.ends_at(), at("2026-05-01T20:30:00Z"));
        assert_eq!(times.busy_until(20), at("2026-05-01T20:50:00Z"));
        assert!(ShowTimes::new(start, start).is_err());
        assert!(ShowTimes::new(start, at("2026-05-02T06:00:01Z")).is_err());
        assert!(ShowTimes::new(start, at("2026-05-02T06:00:00Z")).is_ok());
    }

    #[test]
    fn a_moved_show_keeps_its_running_time_unless_given_an_end() {
        let (start, end) = (at("2026-05-01T18:00:00Z"), at("2026-05-01T20:00:00Z"));
        let later =
            ShowTimes::moved(start, end, Some(at("2026-05-01T21:00:00Z")), None).expect("valid");
        assert_eq!(later.ends_at(), at("2026-05-01T23:00:00Z"));
        let longer =
            ShowTimes::moved(start, end, None, Some(at("2026-05-01T21:00:00Z"))).expect("valid");
        assert_eq!(longer.starts_at(), start);
        assert!(ShowTimes::moved(start, end, None, Some(at("2026-05-01T17:00:00Z"))).is_err());
    }

    #[test]
    fn prices_are_bounded() {
        let mut errors = Vec::new();
        check_prices(
            &prices(&[("GOLD", 0), ("VIP", 100_000_001), ("X", -1)]),
            &mut errors,
        );
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["prices.VIP", "prices.X"]);
    }

    #[test]
    fn overrides_replace_defaults_and_must_name_a_category() {
        let inr = Currency::parse("INR").expect("valid");
        let defaults = prices(&[("GOLD", 30_000), ("SILVER", 20_000)]);
        let merged = category_prices(&inr, &defaults, &prices(&[("GOLD", 35_000)])).expect("known");
        let amounts: Vec<(&str, i64, &str)> = merged
            .iter()
            .map(|(c, m)| (c.as_str(), m.amount_minor, m.currency.as_str()))
            .collect();
        assert_eq!(
            amounts,
            [("GOLD", 35_000, "INR"), ("SILVER", 20_000, "INR")]
        );
        let err = category_prices(&inr, &defaults, &prices(&[("VIP", 1)])).expect_err("unknown");
        assert_eq!(err[0].field, "prices.VIP");
    }
}
