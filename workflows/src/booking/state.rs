//! Pure decisions of the booking saga, kept apart from sequencing so they can be unit-tested.

use super::refusal::{Refusal, Refused};
use mtbp_domain::BookingStatus;
use std::time::Duration;

/// An undo step, registered before the step whose outcome it undoes may be unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compensation {
    /// Free the seats still held and record the booking's final status.
    ReleaseSeats,
    /// Give the money back if any was taken.
    RefundPayment,
}

/// The compensations to run, newest first.
#[derive(Debug, Default)]
pub struct Saga {
    steps: Vec<Compensation>,
}

impl Saga {
    /// Registers an undo step.
    pub fn register(&mut self, c: Compensation) {
        self.steps.push(c);
    }

    /// Forgets an undo step whose forward step is known not to have happened.
    pub fn forget(&mut self, c: Compensation) {
        self.steps.retain(|s| *s != c);
    }

    /// The steps in the order they must run (reverse of registration), emptying the saga.
    pub fn unwind(&mut self) -> Vec<Compensation> {
        let mut steps = std::mem::take(&mut self.steps);
        steps.reverse();
        steps
    }

    /// Everything succeeded: nothing to undo.
    pub fn complete(&mut self) {
        self.steps.clear();
    }
}

/// How a booking that did not complete ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ending {
    /// The status to end in, unless money had to be refunded.
    pub status: BookingStatus,
    /// Why, in words for the customer and ops.
    pub reason: String,
}

impl Ending {
    /// Builds an ending.
    pub fn new(status: BookingStatus, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
        }
    }

    /// The final status once compensations ran: a refund always wins, so the record says
    /// the customer got the money back.
    pub fn final_status(&self, refunded: bool) -> BookingStatus {
        if refunded {
            BookingStatus::Refunded
        } else {
            self.status
        }
    }
}

/// Time left on a hold that lapses at `expires_at_ms`, seen at `now_ms`.
pub fn hold_remaining(expires_at_ms: i64, now_ms: i64) -> Duration {
    u64::try_from(expires_at_ms.saturating_sub(now_ms))
        .map_or(Duration::ZERO, Duration::from_millis)
}

/// Why a `pay` update is refused in the current state, if it is.
pub fn refuse_pay(
    status: Option<BookingStatus>,
    paying: bool,
    cancelling: bool,
    extending: bool,
) -> Option<Refused> {
    match status {
        _ if paying => {
            Some(Refusal::PaymentInProgress.because("this booking is already being paid"))
        }
        // The extension decides whether the hold lapsed; it would also reset the status.
        _ if extending => {
            Some(Refusal::PaymentInProgress.because("the hold is being extended; pay in a moment"))
        }
        _ if cancelling => Some(Refusal::BookingClosed.because("this booking is being cancelled")),
        Some(BookingStatus::PreBooking) => None,
        None => Some(Refusal::NotHeld.because("the seats are not held")),
        Some(s) if s.is_unsuccessful() => {
            Some(Refusal::BookingClosed.because("this booking has ended"))
        }
        Some(_) => Some(Refusal::AlreadyPaid.because("this booking is already paid")),
    }
}

/// Why an `extend_hold` update is refused, if it is.
pub fn refuse_extend(
    status: Option<BookingStatus>,
    busy: bool,
    extensions: u32,
    max_extensions: u32,
) -> Option<Refused> {
    match status {
        _ if busy => {
            Some(Refusal::PaymentInProgress.because("the booking is being paid or cancelled"))
        }
        Some(BookingStatus::PreBooking) if extensions >= max_extensions => {
            Some(Refusal::ExtensionLimit.because("the hold cannot be extended any more"))
        }
        Some(BookingStatus::PreBooking) => None,
        None => Some(Refusal::NotHeld.because("the seats are not held")),
        Some(s) if s.is_unsuccessful() => {
            Some(Refusal::BookingClosed.because("this booking has ended"))
        }
        Some(_) => Some(Refusal::AlreadyPaid.because("this booking is already paid")),
    }
}

/// Why a `cancel` update is refused in the current state, if it is.
pub fn refuse_cancel(status: Option<BookingStatus>, paying: bool) -> Option<Refused> {
    match status {
        _ if paying => Some(
            Refusal::PaymentInProgress.because("a payment is under way; cancel after it settles"),
        ),
        Some(BookingStatus::PreBooking) => None,
        None => Some(Refusal::NotHeld.because("the seats are not held")),
        Some(s) if s.is_unsuccessful() => {
            Some(Refusal::BookingClosed.because("this booking has ended"))
        }
        Some(_) => {
            Some(Refusal::AlreadyPaid.because("paid bookings are cancelled through a refund"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingStatus::*;

    #[test]
    fn compensations_run_newest_first_and_once() {
        let mut saga = Saga::default();
        saga.register(Compensation::ReleaseSeats);
        saga.register(Compensation::RefundPayment);
        assert_eq!(
            saga.unwind(),
            vec![Compensation::RefundPayment, Compensation::ReleaseSeats]
        );
        assert!(saga.unwind().is_empty());
    }

    #[test]
    fn a_forgotten_step_does_not_run() {
        let mut saga = Saga::default();
        saga.register(Compensation::ReleaseSeats);
        saga.register(Compensation::RefundPayment);
        saga.forget(Compensation::RefundPayment);
        assert_eq!(saga.unwind(), vec![Compensation::ReleaseSeats]);
    }

    #[test]
    fn a_refund_decides_the_final_status() {
        let e = Ending::new(PaymentFailed, "declined");
        assert_eq!(e.final_status(false), PaymentFailed);
        assert_eq!(e.final_status(true), Refunded);
    }

    #[test]
    fn hold_time_left_never_goes_negative() {
        assert_eq!(hold_remaining(10_000, 4_000), Duration::from_secs(6));
        assert_eq!(hold_remaining(4_000, 10_000), Duration::ZERO);
    }

    #[test]
    fn pay_is_accepted_only_while_held_and_idle() {
        assert_eq!(refuse_pay(Some(PreBooking), false, false, false), None);
        assert!(
            refuse_pay(Some(PreBooking), true, false, false)
                .is_some_and(|r| r.refusal == Refusal::PaymentInProgress)
        );
        assert!(
            refuse_pay(Some(Expired), false, false, false)
                .is_some_and(|r| r.refusal == Refusal::BookingClosed)
        );
        assert!(
            refuse_pay(Some(BookingCompleted), false, false, false)
                .is_some_and(|r| r.refusal == Refusal::AlreadyPaid)
        );
        assert!(refuse_pay(None, false, false, false).is_some());
    }

    #[test]
    fn pay_waits_for_an_extension_under_way() {
        assert!(
            refuse_pay(Some(PreBooking), false, false, true)
                .is_some_and(|r| r.refusal == Refusal::PaymentInProgress)
        );
    }

    #[test]
    fn a_hold_is_extended_a_bounded_number_of_times() {
        assert_eq!(refuse_extend(Some(PreBooking), false, 0, 2), None);
        assert_eq!(refuse_extend(Some(PreBooking), false, 1, 2), None);
        assert!(
            refuse_extend(Some(PreBooking), false, 2, 2)
                .is_some_and(|r| r.refusal == Refusal::ExtensionLimit)
        );
        assert!(refuse_extend(Some(PreBooking), true, 0, 2).is_some());
        assert!(
            refuse_extend(Some(Expired), false, 0, 2)
                .is_some_and(|r| r.refusal == Refusal::BookingClosed)
        );
    }

    #[test]
    fn cancel_is_refused_during_payment() {
        assert_eq!(refuse_cancel(Some(PreBooking), false), None);
        assert!(refuse_cancel(Some(PreBooking), true).is_some());
        assert!(refuse_cancel(Some(Cancelled), false).is_some());
    }
}
