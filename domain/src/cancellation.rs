//! Partner policies and what a cancellation gives back.
//!
//! Operators set each partner's policy; the API quotes a cancellation with it, and the
//! cancellation's activity applies the same quote. A refund window reads "this many hours or
//! more before the show, this fee"; past the last window a booking cannot be cancelled (only an
//! operator can, waiving the policy).

use crate::pricing::round::{WHOLE_BP, rate_of};
use crate::{BookingId, ShowId};
use serde::{Deserialize, Serialize};

/// Longest hold a policy may set, in seconds.
pub const MAX_HOLD_SECONDS: u32 = 1800;
/// Shortest hold a policy may set, in seconds.
pub const MIN_HOLD_SECONDS: u32 = 60;
/// Most refund windows a policy may have.
pub const MAX_WINDOWS: usize = 8;

/// From `hours_before` the show on, a cancellation keeps `fee_bp` of what it gives back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundWindow {
    /// Hours before the show at which this window opens (it lasts until the next one).
    pub hours_before: u32,
    /// The cancellation fee in basis points of what the cancellation gives back (2,500 = 25 %).
    pub fee_bp: u32,
}

/// A partner's policy for its customers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerPolicy {
    /// How long seats stay held before payment (a live theater's own lock caps it).
    pub hold_seconds: u32,
    /// Whether a customer may cancel some seats of a booking and keep the rest.
    pub partial_cancellation: bool,
    /// Refund windows, any order; the API answers them longest first.
    pub refund_windows: Vec<RefundWindow>,
}

impl Default for PartnerPolicy {
    /// Ten minutes to pay; partial cancellation allowed; free until 24 h before the show, a
    /// quarter kept until 2 h before, no cancellation after.
    fn default() -> Self {
        Self {
            hold_seconds: 600,
            partial_cancellation: true,
            refund_windows: vec![
                RefundWindow {
                    hours_before: 24,
                    fee_bp: 0,
                },
                RefundWindow {
                    hours_before: 2,
                    fee_bp: 2500,
                },
            ],
        }
    }
}

/// What is wrong with a policy, by field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// `hold_seconds` out of range.
    #[error("hold_seconds must be between {MIN_HOLD_SECONDS} and {MAX_HOLD_SECONDS}")]
    HoldSeconds,
    /// Too many windows, two opening at the same hour, a fee over 100 % or an hour past a year.
    #[error("refund_windows: {0}")]
    Windows(&'static str),
}

impl PartnerPolicy {
    /// Checks the policy's fields.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if !(MIN_HOLD_SECONDS..=MAX_HOLD_SECONDS).contains(&self.hold_seconds) {
            return Err(PolicyError::HoldSeconds);
        }
        if self.refund_windows.len() > MAX_WINDOWS {
            return Err(PolicyError::Windows("at most 8 windows"));
        }
        if self.refund_windows.iter().any(|w| w.fee_bp > WHOLE_BP) {
            return Err(PolicyError::Windows("fee_bp is at most 10000 (100 %)"));
        }
        if self
            .refund_windows
            .iter()
            .any(|w| w.hours_before > 24 * 365)
        {
            return Err(PolicyError::Windows(
                "hours_before is at most 8760 (a year)",
            ));
        }
        let mut hours: Vec<u32> = self.refund_windows.iter().map(|w| w.hours_before).collect();
        hours.sort_unstable();
        if hours.windows(2).any(|p| p[0] == p[1]) {
            return Err(PolicyError::Windows("two windows open at the same hour"));
        }
        Ok(())
    }

    /// The windows, longest before the show first.
    pub fn sorted(mut self) -> Self {
        self.refund_windows
            .sort_by_key(|w| std::cmp::Reverse(w.hours_before));
        self
    }

    /// The fee of a cancellation `seconds_before` the show starts, or `None` when it is too
    /// late to cancel (past the last window, or the show started).
    pub fn fee_bp_at(&self, seconds_before: i64) -> Option<u32> {
        if seconds_before <= 0 {
            return None;
        }
        self.refund_windows
            .iter()
            .filter(|w| i64::from(w.hours_before) * 3600 <= seconds_before)
            .max_by_key(|w| w.hours_before)
            .map(|w| w.fee_bp)
    }

    /// The hold a booking gets: the policy's, capped by a live theater's own lock length.
    pub fn hold_seconds_with(&self, theater_lock_seconds: Option<u32>) -> u32 {
        theater_lock_seconds.map_or(self.hold_seconds, |cap| self.hold_seconds.min(cap))
    }
}

/// What a cancellation gives back, in minor units of the booking's currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundQuote {
    /// What the booking's seats still on it are worth now (what was paid, less what earlier
    /// cancellations gave back and kept).
    pub current_minor: i64,
    /// What the seats that stay cost, priced again (offers that no longer apply removed).
    pub rest_minor: i64,
    /// What the policy keeps.
    pub fee_minor: i64,
    /// What goes back to the customer's card.
    pub refund_minor: i64,
    /// The fee's rate, `None` when an operator waived the policy.
    pub fee_bp: Option<u32>,
}

impl RefundQuote {
    /// The quote of cancelling down to `rest_minor` from `current_minor`, keeping `fee_bp` of
    /// the difference (none when waived). A rest that costs more than the booking does now
    /// (a bundle offer broken up) gives nothing back, never takes more.
    pub fn new(current_minor: i64, rest_minor: i64, fee_bp: Option<u32>) -> Self {
        let current = current_minor.max(0);
        let rest = rest_minor.clamp(0, current);
        let back = current - rest;
        let fee = fee_bp
            .map_or(0, |bp| rate_of(back, bp.min(WHOLE_BP)))
            .min(back);
        Self {
            current_minor: current,
            rest_minor: rest,
            fee_minor: fee,
            refund_minor: back - fee,
            fee_bp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    #[test]
    fn windows_pick_the_longest_that_has_opened() {
        let p = PartnerPolicy::default();
        assert_eq!(p.fee_bp_at(48 * HOUR), Some(0));
        assert_eq!(p.fee_bp_at(24 * HOUR), Some(0));
        assert_eq!(p.fee_bp_at(24 * HOUR - 1), Some(2500));
        assert_eq!(p.fee_bp_at(2 * HOUR), Some(2500));
        assert_eq!(p.fee_bp_at(2 * HOUR - 1), None);
        assert_eq!(p.fee_bp_at(0), None);
        assert_eq!(p.fee_bp_at(-HOUR), None);
    }

    #[test]
    fn a_window_at_zero_hours_allows_cancelling_until_the_show() {
        let p = PartnerPolicy {
            refund_windows: vec![RefundWindow {
                hours_before: 0,
                fee_bp: 10_000,
            }],
            ..PartnerPolicy::default()
        };
        assert_eq!(p.fee_bp_at(1), Some(10_000));
        assert_eq!(p.fee_bp_at(0), None);
    }

    #[test]
    fn quotes_keep_the_fee_of_what_goes_back_only() {
        let q = RefundQuote::new(30_000, 20_000, Some(2500));
        assert_eq!((q.fee_minor, q.refund_minor), (2500, 7500));
        let whole = RefundQuote::new(30_000, 0, Some(0));
        assert_eq!(whole.refund_minor, 30_000);
        let waived = RefundQuote::new(30_000, 0, None);
        assert_eq!((waived.fee_minor, waived.refund_minor), (0, 30_000));
    }

    #[test]
    fn a_rest_dearer_than_the_booking_gives_nothing_back() {
        let q = RefundQuote::new(20_000, 25_000, Some(0));
        assert_eq!((q.rest_minor, q.refund_minor, q.fee_minor), (20_000, 0, 0));
    }

    #[test]
    fn fees_round_half_up_and_never_exceed_the_amount() {
        assert_eq!(RefundQuote::new(1005, 0, Some(600)).fee_minor, 60);
        assert_eq!(RefundQuote::new(1025, 0, Some(600)).fee_minor, 62);
        let all = RefundQuote::new(999, 0, Some(10_000));
        assert_eq!((all.fee_minor, all.refund_minor), (999, 0));
    }

    #[test]
    fn policies_are_validated() {
        assert!(PartnerPolicy::default().validate().is_ok());
        let short = PartnerPolicy {
            hold_seconds: 30,
            ..PartnerPolicy::default()
        };
        assert_eq!(short.validate(), Err(PolicyError::HoldSeconds));
        let twice = PartnerPolicy {
            refund_windows: vec![
                RefundWindow {
                    hours_before: 2,
                    fee_bp: 0,
                },
                RefundWindow {
                    hours_before: 2,
                    fee_bp: 10,
                },
            ],
            ..PartnerPolicy::default()
        };
        assert!(twice.validate().is_err());
        let greedy = PartnerPolicy {
            refund_windows: vec![RefundWindow {
                hours_before: 2,
                fee_bp: 10_001,
            }],
            ..PartnerPolicy::default()
        };
        assert!(greedy.validate().is_err());
    }

    #[test]
    fn a_live_theaters_lock_caps_the_hold() {
        let p = PartnerPolicy::default();
        assert_eq!(p.hold_seconds_with(None), 600);
        assert_eq!(p.hold_seconds_with(Some(300)), 300);
        assert_eq!(p.hold_seconds_with(Some(900)), 600);
    }
}

/// Who cancels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The customer, within the partner's policy.
    Customer,
    /// The theater's partner (a show cancelled: everything back, no fee).
    Partner,
    /// An operator: any booking, past the policy if need be (audited).
    Admin,
    /// The theater refused the sale: everything back.
    Theater,
}

impl Actor {
    /// Its name in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Partner => "partner",
            Self::Admin => "admin",
            Self::Theater => "theater",
        }
    }
}

/// Why a cancellation cannot be quoted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unquoted {
    /// No such booking.
    #[error("no such booking")]
    NotFound,
    /// Not a paid booking (an unpaid one is cancelled by its saga's `cancel`).
    #[error("the booking is {0}: only a paid booking is cancelled with a refund")]
    NotPaid(String),
    /// A seat named is not on the booking (or was cancelled already).
    #[error("seat {0} is not on this booking")]
    NotOnBooking(String),
    /// The partner does not allow cancelling some seats only.
    #[error("this theater does not allow cancelling some seats of a booking")]
    PartialNotAllowed,
    /// Past the partner's last refund window.
    #[error("too late to cancel: the theater's policy allows cancelling until {0}")]
    TooLate(String),
    /// The rest cannot be priced (a configuration problem).
    #[error("the seats that stay cannot be priced: {0}")]
    Unpriced(String),
}

/// A cancellation quoted: what it cancels and what it gives back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// The booking.
    pub booking_id: BookingId,
    /// Its show.
    pub show_id: ShowId,
    /// The seats cancelled, as the booking names them.
    pub seats: Vec<String>,
    /// Whether they are all that is left of the booking.
    pub whole: bool,
    /// What it gives back.
    pub quote: RefundQuote,
    /// The currency.
    pub currency: String,
    /// The priced lines of the seats that stay (a partial cancellation), for the settlement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_quote: Option<crate::pricing::quote::Quote>,
}

/// Stored statuses of the cancellation and theater records, named once here so the store's SQL
/// literals can be checked against them (`store/src/literals.rs`).
pub mod statuses {
    /// A cancellation: applied (seats back on sale), refunded, done (credit note, theater and
    /// customer told).
    pub const CANCELLATION: &[&str] = &["applied", "refunded", "done"];
    /// A booking's share with its theater.
    pub const THEATER_SHARE: &[&str] = &[
        "locked",
        "shared",
        "rejected",
        "released",
        "cancelled",
        "partially_cancelled",
    ];
    /// A show's cancellation.
    pub const SHOW_CANCELLATION: &[&str] = &["running", "done"];

    /// Whether `name` is one of them.
    pub fn is_status(name: &str) -> bool {
        [CANCELLATION, THEATER_SHARE, SHOW_CANCELLATION]
            .iter()
            .any(|names| names.contains(&name))
    }
}
