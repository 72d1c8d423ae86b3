//! Why the saga refuses an update, as a typed code. The workflow sends the refusal as a failure
//! message `"{code}: {reason}"`; the API reads the code back with [`Refusal::of_message`] and
//! answers the matching error, so the two sides share one list instead of string prefixes.

use std::fmt;

/// A stable refusal code, shared by the workflow and the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// A payment, an extension or a cancel is under way.
    PaymentInProgress,
    /// The booking is already paid.
    AlreadyPaid,
    /// The booking has ended, or is being cancelled.
    BookingClosed,
    /// The seats are not held.
    NotHeld,
    /// The hold was extended as often as allowed.
    ExtensionLimit,
    /// The hold lapsed before it could be extended.
    HoldExpired,
    /// The payment method is missing.
    InvalidPaymentMethod,
    /// The hold could not be made (a dependency failed): retry later.
    HoldFailed,
    /// The extension could not be made (a dependency failed): retry later.
    ExtendFailed,
    /// The booking does not wait for an operator.
    NotFlagged,
    /// Another operator action is under way.
    OperatorActionInProgress,
    /// The operator gave no note.
    InvalidNote,
    /// No live offer has the code entered.
    UnknownOfferCode,
    /// The price changed since the quote (an offer expired or was used up); nothing was
    /// charged, and the booking waits for payment at the new price.
    PriceChanged,
    /// The operator's task does not apply to the booking as it is now.
    NotApplicable,
    /// The operator's task ran and its step failed again.
    OperatorStepFailed,
}

impl Refusal {
    /// Every refusal.
    pub const ALL: [Self; 16] = [
        Self::PaymentInProgress,
        Self::AlreadyPaid,
        Self::BookingClosed,
        Self::NotHeld,
        Self::ExtensionLimit,
        Self::HoldExpired,
        Self::InvalidPaymentMethod,
        Self::HoldFailed,
        Self::ExtendFailed,
        Self::NotFlagged,
        Self::OperatorActionInProgress,
        Self::InvalidNote,
        Self::UnknownOfferCode,
        Self::PriceChanged,
        Self::NotApplicable,
        Self::OperatorStepFailed,
    ];

    /// The code as it starts a failure message.
    pub const fn code(self) -> &'static str {
        match self {
            Self::PaymentInProgress => "payment_in_progress",
            Self::AlreadyPaid => "already_paid",
            Self::BookingClosed => "booking_closed",
            Self::NotHeld => "not_held",
            Self::ExtensionLimit => "extension_limit",
            Self::HoldExpired => "hold_expired",
            Self::InvalidPaymentMethod => "invalid_payment_method",
            Self::HoldFailed => "hold_failed",
            Self::ExtendFailed => "extend_failed",
            Self::NotFlagged => "not_flagged",
            Self::OperatorActionInProgress => "operator_action_in_progress",
            Self::InvalidNote => "invalid_note",
            Self::UnknownOfferCode => "unknown_offer_code",
            Self::PriceChanged => "price_changed",
            Self::NotApplicable => "not_applicable",
            Self::OperatorStepFailed => "operator_step_failed",
        }
    }

    /// The refusal with its reason, as the workflow sends it.
    pub const fn because(self, reason: &'static str) -> Refused {
        Refused {
            refusal: self,
            reason,
        }
    }

    /// An operator's note for the record: said, and at most 500 characters.
    pub fn check_note(note: &str) -> Result<(), Refused> {
        if note.trim().is_empty() || note.len() > 500 {
            return Err(
                Self::InvalidNote.because("say why, for the record (at most 500 characters)")
            );
        }
        Ok(())
    }

    /// Reads a failure message written by [`Refused`]: the refusal and the reason, or `None`
    /// when the message does not start with a known code.
    pub fn of_message(message: &str) -> Option<(Self, &str)> {
        let (code, reason) = message.split_once(": ")?;
        Self::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .map(|r| (r, reason))
    }
}

/// A refusal and the reason given to people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The code.
    pub refusal: Refusal,
    /// Why, for people.
    pub reason: &'static str,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.refusal.code(), self.reason)
    }
}

/// A refusal is the error an update handler or validator fails with.
impl std::error::Error for Refused {}

/// A refusal with a reason known only at run time (a dependency's error).
pub fn refused_with(refusal: Refusal, reason: impl fmt::Display) -> String {
    format!("{}: {reason}", refusal.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_reads_back_from_its_message() {
        for r in Refusal::ALL {
            let message = r.because("why").to_string();
            assert_eq!(Refusal::of_message(&message), Some((r, "why")));
        }
        assert_eq!(Refusal::of_message("something else: entirely"), None);
        assert_eq!(Refusal::of_message("no code at all"), None);
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = Refusal::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Refusal::ALL.len());
    }
}
