//! Offers in the saga: the `apply_offer` update re-quotes the booking while it is held, and
//! the *apply offer* step redeems the quote's offers before the charge (a local activity, so
//! the limit check and the increment are one short transaction). Released by the booking's
//! close, which every unpaid ending runs.

use super::options;
use super::refusal::{Refusal, Refused, refused_with};
use super::state::Ending;
use super::workflow::{BookingWorkflow, step_failed, why};
use mtbp_activities::OfferActivities;
use mtbp_activities::offers::{QuoteOutcome, QuoteRequest, RedeemOutcome, RedeemRequest};
use mtbp_domain::BookingStatus;
use serde::{Deserialize, Serialize};
use temporalio_sdk::WorkflowContext;

/// The `apply_offer` update: enter a code, or remove it with `None`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRequest {
    /// The code as the customer typed it (matched without regard to case).
    pub code: Option<String>,
}

/// The longest code accepted (offers' codes are at most 32 characters).
pub const MAX_CODE_LEN: usize = 32;

/// Why an `apply_offer` update is refused in the current state, if it is.
pub fn refuse_offer(status: Option<BookingStatus>, busy: bool) -> Option<Refused> {
    match status {
        _ if busy => Some(
            Refusal::PaymentInProgress.because("the booking is being paid, re-priced or cancelled"),
        ),
        Some(BookingStatus::PreBooking) => None,
        None => Some(Refusal::NotHeld.because("the seats are not held")),
        Some(s) if s.is_unsuccessful() => {
            Some(Refusal::BookingClosed.because("this booking has ended"))
        }
        Some(_) => Some(Refusal::AlreadyPaid.because("offers apply before payment")),
    }
}

/// How the *apply offer* step ended, when it did not end the booking.
pub(super) enum Applied {
    /// Redeemed: go on to the charge.
    Charge,
    /// The price changed: the `pay` was refused, the booking waits for payment again.
    Repriced,
}

impl BookingWorkflow {
    /// Re-quotes the held booking with `code`; answers the new total or refuses.
    pub(super) async fn requote(
        ctx: &mut WorkflowContext<Self>,
        code: Option<String>,
    ) -> Result<(), String> {
        let booking_id = ctx.state_mut(|s| {
            s.quoting = true;
            s.input.booking_id
        });
        let req = QuoteRequest { booking_id, code };
        let quoted = ctx
            .execute_local_activity(OfferActivities::quote_booking, req, options::db_step())
            .await;
        ctx.state_mut(|s| s.quoting = false);
        match quoted {
            Ok(QuoteOutcome::Quoted { total }) => {
                ctx.state_mut(|s| s.quote_total = Some(total));
                Ok(())
            }
            Ok(QuoteOutcome::UnknownCode) => Err(Refusal::UnknownOfferCode
                .because("no offer has this code")
                .to_string()),
            Ok(QuoteOutcome::Closed) => Err(Refusal::BookingClosed
                .because("this booking is no longer waiting for payment")
                .to_string()),
            Err(e) => Err(refused_with(Refusal::HoldFailed, why(&e))),
        }
    }

    /// The *apply offer* step: re-prices and redeems, or refuses the `pay` with the new price.
    pub(super) async fn apply_offers(ctx: &mut WorkflowContext<Self>) -> Result<Applied, Ending> {
        Self::go(ctx, "applying offers");
        let (booking_id, total) = ctx.state(|s| (s.input.booking_id, s.charge_amount()));
        let Some(total) = total else {
            return Err(Ending::new(
                BookingStatus::PaymentFailed,
                "there is no hold to pay for",
            ));
        };
        let req = RedeemRequest { booking_id, total };
        let outcome = ctx
            .execute_local_activity(OfferActivities::redeem_offers, req, options::db_step())
            .await
            .map_err(|e| step_failed(BookingStatus::PaymentFailed, "could not apply offers", &e))?;
        match outcome {
            RedeemOutcome::Redeemed => Ok(Applied::Charge),
            RedeemOutcome::Repriced { total, reason } => {
                ctx.state_mut(|s| {
                    s.quote_total = Some(total);
                    s.pay = None;
                    s.pay_refusal = Some(refused_with(Refusal::PriceChanged, reason));
                });
                Self::go(ctx, "waiting for payment");
                Ok(Applied::Repriced)
            }
            RedeemOutcome::Closed => Err(Ending::new(
                BookingStatus::PaymentFailed,
                "the booking was closed before its offers could be applied",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingStatus::*;

    #[test]
    fn offers_change_only_while_held_and_idle() {
        assert_eq!(refuse_offer(Some(PreBooking), false), None);
        assert!(
            refuse_offer(Some(PreBooking), true)
                .is_some_and(|r| r.refusal == Refusal::PaymentInProgress)
        );
        assert!(
            refuse_offer(Some(BookingCompleted), false)
                .is_some_and(|r| r.refusal == Refusal::AlreadyPaid)
        );
        assert!(
            refuse_offer(Some(Expired), false).is_some_and(|r| r.refusal == Refusal::BookingClosed)
        );
        assert!(refuse_offer(None, false).is_some_and(|r| r.refusal == Refusal::NotHeld));
    }
}
