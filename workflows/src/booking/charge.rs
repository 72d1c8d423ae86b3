//! Paying for the held seats: keep them for the payment window, charge, confirm.

use super::options;
use super::state::{Compensation, Ending, Saga};
use super::types::PayRequest;
use super::workflow::{BookingWorkflow, OPERATOR_CANCEL, step_failed};
use mtbp_activities::payments::{ChargeOutcome, ChargeRequest};
use mtbp_activities::seats::{BeginPaymentRequest, ConfirmOutcome};
use mtbp_activities::{PaymentActivities, SeatActivities};
use mtbp_domain::BookingStatus;
use temporalio_sdk::WorkflowContext;

impl BookingWorkflow {
    /// Charges and confirms; an `Err` says how the booking ends, for the compensations.
    pub(super) async fn charge_and_confirm(
        ctx: &mut WorkflowContext<Self>,
        saga: &mut Saga,
        pay: PayRequest,
    ) -> Result<(), Ending> {
        let amount = ctx.state(|s| s.charge_amount());
        // `pay` is accepted only once the seats are held, so there is always an amount.
        let Some(amount) = amount else {
            return Err(Ending::new(
                BookingStatus::PaymentFailed,
                "there is no hold to pay for",
            ));
        };
        let (booking_id, window, safe) = ctx.state(|s| {
            (
                s.input.booking_id,
                s.input.payment_window_seconds,
                s.money_safety,
            )
        });
        Self::set_status(
            ctx,
            BookingStatus::PaymentInitiated,
            "extending the hold for payment",
        );
        let begin = BeginPaymentRequest {
            booking_id,
            payment_window_seconds: window,
        };
        let still_held = ctx
            .execute_local_activity(SeatActivities::begin_payment, begin, options::db_step())
            .await
            .map_err(|e| {
                step_failed(BookingStatus::PaymentFailed, "could not start payment", &e)
            })?;
        if !still_held {
            return Err(Ending::new(
                BookingStatus::Expired,
                "the hold expired before payment",
            ));
        }

        // The charge's outcome may be unknown (timeout, crash): register the refund first.
        saga.register(Compensation::RefundPayment);
        Self::go_marked(ctx, "charging the payment");
        let charge = ChargeRequest {
            booking_id,
            amount,
            payment_method: pay.payment_method,
            gateway_customer: pay.gateway_customer,
        };
        let charge_options = if safe {
            options::charge_call()
        } else {
            options::gateway_call()
        };
        let outcome = ctx
            .execute_activity(PaymentActivities::charge_payment, charge, charge_options)
            .await
            .map_err(|e| {
                step_failed(
                    BookingStatus::PaymentFailed,
                    "the payment could not be made",
                    &e,
                )
            })?;
        if let ChargeOutcome::Declined { code, message } = outcome {
            saga.forget(Compensation::RefundPayment);
            return Err(Ending::new(
                BookingStatus::PaymentFailed,
                format!("{code}: {message}"),
            ));
        }
        // An operator who cancelled while the charge ran gets the cancel: the money goes back.
        // Once the confirm has started it is waited for instead (see `confirm`).
        if safe && ctx.cancellation_token().is_cancelled() {
            return Err(Ending::new(BookingStatus::Cancelled, OPERATOR_CANCEL));
        }
        Self::set_status(ctx, BookingStatus::PaymentCompleted, "confirming the seats");
        Self::confirm(ctx, saga, safe).await
    }

    /// Books the seats. Since the money-safety patch the confirm is detached from workflow
    /// cancellation: an operator's cancel waits for its real outcome, and a booked seat is never
    /// left under a refunded booking.
    async fn confirm(
        ctx: &mut WorkflowContext<Self>,
        saga: &mut Saga,
        safe: bool,
    ) -> Result<(), Ending> {
        let booking_id = ctx.state(|s| s.input.booking_id);
        let confirm_options = if safe {
            options::confirm_step()
        } else {
            options::db_step()
        };
        let confirmed = ctx
            .execute_local_activity(SeatActivities::confirm_seats, booking_id, confirm_options)
            .await
            .map_err(|e| {
                step_failed(
                    BookingStatus::PaymentFailed,
                    "could not confirm the seats",
                    &e,
                )
            })?;
        // A refund decides the final status: before the money-safety patch a lost hold was
        // recorded as refunded up front.
        let lost_hold = if safe {
            BookingStatus::PaymentFailed
        } else {
            BookingStatus::Refunded
        };
        match confirmed {
            ConfirmOutcome::Confirmed { ticket_code } => {
                saga.complete();
                ctx.state_mut(|s| s.ticket_code = Some(ticket_code));
                Self::set_status(ctx, BookingStatus::BookingCompleted, "booked");
                Ok(())
            }
            ConfirmOutcome::HoldLost { seats } => Err(Ending::new(
                lost_hold,
                format!(
                    "the hold lapsed and these seats went to another booking: {}",
                    seats.join(", ")
                ),
            )),
            ConfirmOutcome::Closed => Err(Ending::new(
                BookingStatus::PaymentFailed,
                "the booking was closed before its seats could be confirmed",
            )),
        }
    }
}
