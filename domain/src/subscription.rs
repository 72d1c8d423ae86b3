//! Subscription rules: what a valid plan is (period, price, benefits), and what a subscriber
//! may ask to be told about (announcement preferences).
//!
//! The period loop itself (charge, wait for the period's end, renew, dunning) is the
//! subscription workflow's; what a plan's benefits do to a price is `pricing`'s
//! ([`crate::pricing::Membership`]).

use crate::seats::FieldError;
use crate::status::PeriodUnit;
use serde::{Deserialize, Serialize};

/// The longest period a plan may have, in units (a thousand days is plenty).
pub const MAX_PERIOD_COUNT: u32 = 1000;
/// The most a member discount may be: the whole ticket.
pub const MAX_DISCOUNT_BP: u32 = 10_000;
/// The most hours of early access a plan may promise (a month).
pub const MAX_EARLY_ACCESS_HOURS: u32 = 720;

/// How long one period of a plan is: `count` units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPeriod {
    /// The unit.
    pub unit: PeriodUnit,
    /// How many units.
    pub count: u32,
}

impl PlanPeriod {
    /// The shortest this period can be, in seconds (a month counts 28 days, a year 365), what
    /// the configured minimum period is compared with.
    pub fn shortest_seconds(self) -> u64 {
        let unit: u64 = match self.unit {
            PeriodUnit::Second => 1,
            PeriodUnit::Day => 86_400,
            PeriodUnit::Week => 7 * 86_400,
            PeriodUnit::Month => 28 * 86_400,
            PeriodUnit::Year => 365 * 86_400,
        };
        unit * u64::from(self.count)
    }

    /// Records field errors if the period is empty, too long, or shorter than
    /// `min_seconds` (the deployment's minimum: a day in production, seconds in tests).
    pub fn check(self, min_seconds: u64, errors: &mut Vec<FieldError>) {
        if self.count == 0 || self.count > MAX_PERIOD_COUNT {
            errors.push(FieldError::new(
                "period.count",
                format!("1-{MAX_PERIOD_COUNT}"),
            ));
        } else if self.shortest_seconds() < min_seconds {
            errors.push(FieldError::new(
                "period",
                format!("a period lasts at least {min_seconds} seconds here"),
            ));
        }
    }
}

/// A plan's benefits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanBenefits {
    /// Basis points off every ticket.
    pub ticket_discount_bp: u32,
    /// No convenience fee on the member's bookings.
    pub fee_waived: bool,
    /// Hours before general sale a member may book.
    pub early_access_hours: u32,
}

impl PlanBenefits {
    /// Records field errors for benefits out of range.
    pub fn check(self, errors: &mut Vec<FieldError>) {
        if self.ticket_discount_bp > MAX_DISCOUNT_BP {
            errors.push(FieldError::new(
                "ticket_discount_bp",
                format!("0-{MAX_DISCOUNT_BP} basis points"),
            ));
        }
        if self.early_access_hours > MAX_EARLY_ACCESS_HOURS {
            errors.push(FieldError::new(
                "early_access_hours",
                format!("0-{MAX_EARLY_ACCESS_HOURS} hours"),
            ));
        }
    }
}

/// The most entries one announcement list may have.
pub const MAX_ANNOUNCEMENT_ENTRIES: usize = 20;
/// The longest one entry may be, in characters.
pub const MAX_ANNOUNCEMENT_ENTRY: usize = 60;

/// What new movies a subscriber wants to hear about. Empty lists mean "none of these".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcements {
    /// Cities, as theaters name them.
    pub cities: Vec<String>,
    /// Genres, as movies name them.
    pub genres: Vec<String>,
    /// Languages, as movies name them.
    pub languages: Vec<String>,
}

impl Announcements {
    /// Trims every entry and drops repeats (case-insensitively, keeping the first spelling);
    /// records a field error for an empty or overlong entry, or a list too long.
    pub fn parse(self, errors: &mut Vec<FieldError>) -> Self {
        Self {
            cities: clean_list("cities", self.cities, errors),
            genres: clean_list("genres", self.genres, errors),
            languages: clean_list("languages", self.languages, errors),
        }
    }
}

fn clean_list(field: &str, raw: Vec<String>, errors: &mut Vec<FieldError>) -> Vec<String> {
    if raw.len() > MAX_ANNOUNCEMENT_ENTRIES {
        errors.push(FieldError::new(
            field,
            format!("at most {MAX_ANNOUNCEMENT_ENTRIES} entries"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, entry) in raw.iter().enumerate() {
        let entry = entry.trim();
        let bad = entry.is_empty()
            || entry.chars().count() > MAX_ANNOUNCEMENT_ENTRY
            || entry.chars().any(char::is_control);
        if bad {
            errors.push(FieldError::new(
                format!("{field}[{i}]"),
                format!("1-{MAX_ANNOUNCEMENT_ENTRY} printable characters"),
            ));
        } else if !out.iter().any(|e| e.to_lowercase() == entry.to_lowercase()) {
            out.push(entry.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_period_shorter_than_the_minimum_is_refused() {
        let mut errors = Vec::new();
        let month = PlanPeriod {
            unit: PeriodUnit::Month,
            count: 1,
        };
        month.check(86_400, &mut errors);
        assert!(errors.is_empty());
        let seconds = PlanPeriod {
            unit: PeriodUnit::Second,
            count: 5,
        };
        seconds.check(86_400, &mut errors);
        assert_eq!(fields(&errors), ["period"]);
        errors.clear();
        seconds.check(1, &mut errors);
        assert!(errors.is_empty(), "tests may allow short periods");
    }

    #[test]
    fn a_period_of_no_units_or_too_many_is_refused() {
        let mut errors = Vec::new();
        for count in [0, MAX_PERIOD_COUNT + 1] {
            PlanPeriod {
                unit: PeriodUnit::Day,
                count,
            }
            .check(1, &mut errors);
        }
        assert_eq!(fields(&errors), ["period.count", "period.count"]);
    }

    #[test]
    fn the_shortest_month_and_year_count_for_the_minimum() {
        let p = |unit, count| PlanPeriod { unit, count }.shortest_seconds();
        assert_eq!(p(PeriodUnit::Week, 2), 14 * 86_400);
        assert_eq!(p(PeriodUnit::Month, 1), 28 * 86_400);
        assert_eq!(p(PeriodUnit::Year, 1), 365 * 86_400);
    }

    #[test]
    fn benefits_beyond_the_whole_ticket_or_a_month_are_refused() {
        let mut errors = Vec::new();
        PlanBenefits {
            ticket_discount_bp: 10_000,
            fee_waived: true,
            early_access_hours: 720,
        }
        .check(&mut errors);
        assert!(errors.is_empty());
        PlanBenefits {
            ticket_discount_bp: 10_001,
            fee_waived: false,
            early_access_hours: 721,
        }
        .check(&mut errors);
        assert_eq!(
            fields(&errors),
            ["ticket_discount_bp", "early_access_hours"]
        );
    }

    #[test]
    fn announcements_are_trimmed_and_repeats_dropped() {
        let mut errors = Vec::new();
        let parsed = Announcements {
            cities: vec![" Bengaluru ".into(), "bengaluru".into(), "Pune".into()],
            genres: vec!["Drama".into()],
            languages: vec![],
        }
        .parse(&mut errors);
        assert!(errors.is_empty());
        assert_eq!(parsed.cities, ["Bengaluru", "Pune"]);
        assert_eq!(parsed.genres, ["Drama"]);
    }

    #[test]
    fn empty_overlong_or_too_many_announcement_entries_are_refused() {
        let mut errors = Vec::new();
        Announcements {
            cities: vec!["  ".into()],
            genres: vec!["x".repeat(61)],
            languages: (0..21).map(|i| format!("l{i}")).collect(),
        }
        .parse(&mut errors);
        assert_eq!(fields(&errors), ["cities[0]", "genres[0]", "languages"]);
    }
}
