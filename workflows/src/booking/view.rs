//! The booking workflow's own helpers: the legacy in-workflow hold, what the booking costs,
//! the view its query and updates answer, status changes with their search attributes, and the
//! wait for every update handler before the workflow ends.

use super::options;
use super::types::*;
use super::workflow::BookingWorkflow;
use mtbp_activities::SeatActivities;
use mtbp_activities::seats::{HoldOutcome, HoldRequest};
use mtbp_domain::{BookingStatus, Contact, Money};
use temporalio_common::search_attributes::Timestamp;
use temporalio_sdk::{ActivityExecutionError, WorkflowContext};

impl BookingWorkflow {
    /// The hold as a local activity: how bookings were held before the API held seats itself.
    pub(super) async fn hold_seats(
        ctx: &mut WorkflowContext<Self>,
        input: &BookingInput,
    ) -> Result<HoldOutcome, ActivityExecutionError> {
        let request = HoldRequest {
            booking_id: input.booking_id,
            show_id: input.show_id,
            seats: input.seats.clone(),
            hold_seconds: input.hold_seconds,
            contact: input.contact.clone().unwrap_or_else(|| Contact {
                name: String::new(),
                email: String::new(),
                phone: None,
            }),
            customer_id: input.customer_id,
            platform_seats: input.platform_seats,
        };
        ctx.execute_local_activity(SeatActivities::hold_seats, request, options::db_step())
            .await
    }

    /// What the booking costs now: the latest quote's total, else the hold's.
    pub(super) fn charge_amount(&self) -> Option<Money> {
        match (&self.quote_total, &self.hold) {
            (Some(total), _) => Some(total.clone()),
            (None, Some(HoldOutcome::Held(h))) => Some(h.total.clone()),
            (None, _) => None,
        }
    }

    pub(super) fn view(&self) -> BookingView {
        BookingView {
            booking_id: Some(self.input.booking_id),
            status: self.status,
            hold: self.hold.clone(),
            hold_expires_at_ms: self.hold_expires_at_ms,
            ticket_code: self.ticket_code.clone(),
            reason: self.reason.clone().or_else(|| self.hold_error.clone()),
            step: self.step.to_owned(),
            hold_extensions: self.extensions,
            needs_operator: self.needs_operator.clone(),
            after_payment_error: self.after_payment_error.clone(),
            reminder_due_at_ms: self.reminder_due_at_ms,
        }
    }

    pub(super) fn set_status(
        ctx: &WorkflowContext<Self>,
        status: BookingStatus,
        step: &'static str,
    ) {
        ctx.state_mut(|s| {
            s.status = Some(status);
            s.step = step;
        });
        let mut updates = vec![SA_BOOKING_STATUS.value_set(status.as_str().into())];
        if let Some(ms) = ctx.state(|s| s.hold_expires_at_ms) {
            let ts = Timestamp::new(
                ms.div_euclid(1000),
                (ms.rem_euclid(1000) * 1_000_000) as i32,
            );
            updates.push(SA_HOLD_EXPIRES_AT.value_set(ts));
        }
        ctx.upsert_search_attributes(updates);
    }

    /// Waits for every update handler to answer, then returns the final view.
    pub(super) async fn finish(ctx: &mut WorkflowContext<Self>) -> BookingView {
        let probe = ctx.clone();
        // Detached from cancellation: after a cancel from the Temporal UI the handlers still
        // answer (pay with the final state, resolve with the retried step's outcome).
        let _ = ctx
            .wait_condition_with_options(
                move |_| probe.all_handlers_finished(),
                options::detached_wait(),
            )
            .await;
        ctx.state(Self::view)
    }
}
