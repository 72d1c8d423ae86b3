//! Offers: what they give, when they apply, and whether one applies to a booking now.
//!
//! Usage counts are facts handed in (the persistence layer counts redemptions); the atomic
//! redemption against the limits happens there too. Here an offer is checked against a show,
//! a customer and the clock the caller passes, so the same check runs in the API, in an
//! activity and in a test.

use crate::ids::{MovieId, OfferId, PartnerId, ScreenId, ShowId, TheaterId};
pub use crate::status::{Funder, Stacking};
use chrono::{DateTime, Datelike, NaiveDateTime, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// What an offer takes off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Benefit {
    /// A percentage off each covered ticket, optionally capped for the whole booking.
    PercentOff {
        /// Basis points off (2,000 = 20 %).
        percent_bp: u32,
        /// The most taken off the booking in all, in minor units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_off_minor: Option<i64>,
    },
    /// An amount off the covered tickets together, shared out in proportion to their prices.
    FlatOff {
        /// Minor units off.
        amount_minor: i64,
    },
    /// A percentage off every `every`-th ticket (*50 % off the third*): for each full group of
    /// `every` covered tickets, the cheapest of the booking gets it.
    NthTicket {
        /// Group size, 2 or more.
        every: u32,
        /// Basis points off the discounted tickets (10,000 = free).
        percent_bp: u32,
    },
    /// A meal voucher: a percentage off add-ons (10,000 = free), for up to `max_units` of them.
    MealVoucher {
        /// Only this add-on (its code), or any add-on when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        addon_code: Option<String>,
        /// Basis points off.
        percent_bp: u32,
        /// Units covered.
        max_units: u32,
    },
}

/// A window of local start times, `from` inclusive and `until` exclusive (*afternoon shows*:
/// 12:00 to 17:00). A window whose `until` is before `from` runs past midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeWindow {
    /// First start time covered.
    pub from: NaiveTime,
    /// First start time no longer covered.
    pub until: NaiveTime,
}

impl TimeWindow {
    /// Whether a show starting at `at` (local time) is inside.
    pub fn covers(&self, at: NaiveTime) -> bool {
        if self.from <= self.until {
            self.from <= at && at < self.until
        } else {
            at >= self.from || at < self.until
        }
    }
}

/// When an offer applies. Empty lists mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conditions {
    /// Days of the week of the show (local): `Mon` … `Sun`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub days_of_week: Vec<Weekday>,
    /// Local start times of the show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_between: Option<TimeWindow>,
    /// Group offers: at least this many seats in the booking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_seats: Option<u32>,
    /// Only tickets of these seat categories are covered.
    #[serde(default)]
    pub seat_categories: Vec<String>,
    /// Only for customers with an active subscription.
    #[serde(default)]
    pub subscribers_only: bool,
    /// Only for a customer's first booking.
    #[serde(default)]
    pub first_booking_only: bool,
}

/// Where an offer applies: every field set must match the show. An offer with no partner is
/// the platform's own and applies across partners.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferScope {
    /// The partner whose shows it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<PartnerId>,
    /// One theater.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theater_id: Option<TheaterId>,
    /// One screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_id: Option<ScreenId>,
    /// One movie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub movie_id: Option<MovieId>,
    /// One show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_id: Option<ShowId>,
    /// One city (compared without regard to case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
}

/// An offer as the pricing sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// The offer.
    pub id: OfferId,
    /// Name on the quote, e.g. *Afternoon 20 % off*.
    pub name: String,
    /// Its code, upper case; `None` for an automatic offer.
    pub code: Option<String>,
    /// What it gives.
    pub benefit: Benefit,
    /// When it applies.
    pub conditions: Conditions,
    /// Where it applies.
    pub scope: OfferScope,
    /// From when.
    pub valid_from: DateTime<Utc>,
    /// Until when (exclusive); open-ended when absent.
    pub valid_until: Option<DateTime<Utc>>,
    /// Who pays for it.
    pub funded_by: Funder,
    /// How it combines.
    pub stacking: Stacking,
    /// Redemptions allowed in all.
    pub limit_total: Option<u32>,
    /// Redemptions allowed per customer.
    pub limit_per_customer: Option<u32>,
}

/// The show a booking is for, as offers look at it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowFacts {
    /// The show.
    pub show_id: ShowId,
    /// Its movie.
    pub movie_id: MovieId,
    /// Its screen.
    pub screen_id: ScreenId,
    /// Its theater.
    pub theater_id: TheaterId,
    /// The theater's partner; `None` for a theater the platform runs itself.
    pub partner_id: Option<PartnerId>,
    /// The theater's city.
    pub city: String,
    /// When it starts, in the theater's local time.
    pub local_start: NaiveDateTime,
}

/// What a subscription gives its member (the plan's benefits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The plan's name, shown on the quote's member line.
    pub plan: String,
    /// Basis points off every ticket.
    pub ticket_discount_bp: u32,
    /// No convenience fee.
    pub fee_waived: bool,
    /// Hours before a show's sale opens that the member may hold seats already.
    #[serde(default)]
    pub early_access_hours: u32,
}

/// Who is booking, as offers look at them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFacts {
    /// Signed in (per-customer limits and first-booking offers need to know who).
    pub signed_in: bool,
    /// An active subscription's benefits.
    pub membership: Option<Membership>,
    /// No earlier booking of theirs was ever paid.
    pub first_booking: bool,
}

/// An offer that may apply, with its usage so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The offer.
    pub offer: Offer,
    /// Redemptions so far, by everyone (this booking's own excluded).
    pub used_total: u32,
    /// Redemptions so far by this customer (this booking's own excluded).
    pub used_by_customer: u32,
    /// The customer entered its code (as opposed to an automatic offer found for them).
    pub entered: bool,
}

/// Why an offer does not apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Ineligible {
    /// Its validity has not begun.
    NotYetValid,
    /// Its validity has ended.
    Expired,
    /// Not for this partner, theater, screen, movie, show or city.
    OutOfScope,
    /// Not on the show's day of the week.
    WrongDay,
    /// Not at the show's start time.
    WrongTime,
    /// The booking has too few seats.
    TooFewSeats,
    /// Members only.
    SubscribersOnly,
    /// First bookings only.
    FirstBookingOnly,
    /// Needs a signed-in customer (per-customer limits, first booking).
    SignInRequired,
    /// Its total limit is reached.
    UsedUp,
    /// The customer has used it as often as allowed.
    UsedByCustomer,
    /// Nothing in the booking is covered (no seat of its categories, no add-on it gives).
    NothingCovered,
    /// Another offer gives more and the two do not combine.
    NotCombinable,
}

fn matches<T: PartialEq>(wanted: Option<&T>, actual: &T) -> bool {
    wanted.is_none_or(|w| w == actual)
}

impl Offer {
    /// Whether the offer applies to a booking of `seats` seats for `show` by `customer` at
    /// `now`, given its usage. Whether it covers anything in the basket is decided when it is
    /// applied.
    pub fn check(
        &self,
        candidate: &Candidate,
        show: &ShowFacts,
        customer: &CustomerFacts,
        seats: usize,
        now: DateTime<Utc>,
    ) -> Result<(), Ineligible> {
        self.check_window(now)?;
        self.check_scope(show)?;
        self.check_conditions(show, customer, seats)?;
        self.check_usage(candidate, customer)
    }

    fn check_window(&self, now: DateTime<Utc>) -> Result<(), Ineligible> {
        if now < self.valid_from {
            return Err(Ineligible::NotYetValid);
        }
        if self.valid_until.is_some_and(|until| now >= until) {
            return Err(Ineligible::Expired);
        }
        Ok(())
    }

    fn check_scope(&self, show: &ShowFacts) -> Result<(), Ineligible> {
        let s = &self.scope;
        let in_scope = s.partner_id.is_none_or(|p| show.partner_id == Some(p))
            && matches(s.theater_id.as_ref(), &show.theater_id)
            && matches(s.screen_id.as_ref(), &show.screen_id)
            && matches(s.movie_id.as_ref(), &show.movie_id)
            && matches(s.show_id.as_ref(), &show.show_id)
            && s.city
                .as_ref()
                .is_none_or(|c| c.trim().eq_ignore_ascii_case(show.city.trim()));
        if in_scope {
            Ok(())
        } else {
            Err(Ineligible::OutOfScope)
        }
    }

    fn check_conditions(
        &self,
        show: &ShowFacts,
        customer: &CustomerFacts,
        seats: usize,
    ) -> Result<(), Ineligible> {
        let c = &self.conditions;
        if !c.days_of_week.is_empty() && !c.days_of_week.contains(&show.local_start.weekday()) {
            return Err(Ineligible::WrongDay);
        }
        if c.starts_between
            .is_some_and(|w| !w.covers(show.local_start.time()))
        {
            return Err(Ineligible::WrongTime);
        }
        if c.min_seats.is_some_and(|min| seats < min as usize) {
            return Err(Ineligible::TooFewSeats);
        }
        if c.subscribers_only && customer.membership.is_none() {
            return Err(Ineligible::SubscribersOnly);
        }
        if c.first_booking_only {
            if !customer.signed_in {
                return Err(Ineligible::SignInRequired);
            }
            if !customer.first_booking {
                return Err(Ineligible::FirstBookingOnly);
            }
        }
        Ok(())
    }

    fn check_usage(
        &self,
        candidate: &Candidate,
        customer: &CustomerFacts,
    ) -> Result<(), Ineligible> {
        if self
            .limit_total
            .is_some_and(|max| candidate.used_total >= max)
        {
            return Err(Ineligible::UsedUp);
        }
        if let Some(max) = self.limit_per_customer {
            if !customer.signed_in {
                return Err(Ineligible::SignInRequired);
            }
            if candidate.used_by_customer >= max {
                return Err(Ineligible::UsedByCustomer);
            }
        }
        Ok(())
    }

    /// Whether a ticket of `category` is covered.
    pub fn covers_category(&self, category: &str) -> bool {
        let cats = &self.conditions.seat_categories;
        cats.is_empty() || cats.iter().any(|c| c.eq_ignore_ascii_case(category))
    }
}
