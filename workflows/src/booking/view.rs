//! The booking workflow's own helpers: the legacy in-workflow hold, what the booking costs,
//! the view its query and updates answer, status changes with their search attributes, and the
//! wait for every update handler before the workflow ends.

use super::options;
use super::types::*;
use super::workflow::BookingWorkflow;
use super::workflow::PATCH_OPS;
use crate::ops::{
    SA_AMOUNT_BAND, SA_SAGA_STEP, SA_STEP_STARTED_AT, amount_band, epoch_ms, timestamp,
};
use mtbp_activities::SeatActivities;
use mtbp_activities::seats::{HoldOutcome, HoldRequest};
use mtbp_domain::{BookingStatus, Contact, Money};
use temporalio_common::search_attributes::SearchAttributeUpdate;
use temporalio_sdk::{ActivityExecutionError, WorkflowContext};

/// Steps that undo others, or wait for an operator to: marked so on the timeline.
const COMPENSATION_STEPS: [&str; 5] = [
    "compensating",
    "refunding the payment",
    "waiting for an operator",
    "telling the customer of the refund",
    "the theater refused: giving the booking back",
];

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
            timeline: self.timeline.steps.clone(),
            summary: Some(self.summary()),
        }
    }

    /// The booking in one line, for the memo and the Temporal UI: status, step, seats, show,
    /// amount, and what an operator must know. Ids and figures only.
    pub(super) fn summary(&self) -> String {
        let status = self.status.map_or("Holding", BookingStatus::as_str);
        let mut line = format!(
            "{status}: {} · {} seat(s) {} · show {}",
            self.step,
            self.input.seats.len(),
            self.input.seats.join(","),
            self.input.show_id,
        );
        if let Some(amount) = self.charge_amount() {
            let minor = amount.amount_minor;
            line.push_str(&format!(
                " · {} {}.{:02}",
                amount.currency,
                minor / 100,
                minor % 100
            ));
        }
        if let Some(problem) = &self.needs_operator {
            line.push_str(&format!(" · NEEDS OPERATOR: {problem}"));
        } else if let Some(problem) = &self.after_payment_error {
            line.push_str(&format!(" · {problem}"));
        }
        line
    }

    /// Moves the saga to `step`: state and timeline (no search attribute; see [`Self::mark`]),
    /// and the UI's current details.
    pub(super) fn go(ctx: &WorkflowContext<Self>, step: &'static str) {
        let now = epoch_ms(ctx.workflow_time());
        ctx.state_mut(|s| {
            s.step = step;
            s.timeline
                .enter(step, now, COMPENSATION_STEPS.contains(&step));
        });
        ctx.set_current_details(ctx.state(Self::summary));
    }

    /// [`Self::go`], shown in `SagaStep` / `StepStartedAt` at once (histories since `ops-1`).
    pub(super) fn go_marked(ctx: &WorkflowContext<Self>, step: &'static str) {
        Self::go(ctx, step);
        if Self::has_patch(ctx, PATCH_OPS) {
            ctx.upsert_search_attributes(Self::step_attributes(ctx));
            Self::update_memo(ctx);
        }
    }

    /// The current step went wrong: the timeline says why.
    pub(super) fn step_error(ctx: &WorkflowContext<Self>, error: &str) {
        ctx.state_mut(|s| s.timeline.fail(error));
    }

    /// `SagaStep` and `StepStartedAt` of the current step.
    pub(super) fn step_attributes(ctx: &WorkflowContext<Self>) -> Vec<SearchAttributeUpdate> {
        let (step, since) = ctx.state(|s| (s.step, s.timeline.current_since_ms()));
        let mut updates = vec![SA_SAGA_STEP.value_set(vec![step.into()])];
        if let Some(ms) = since {
            updates.push(SA_STEP_STARTED_AT.value_set(timestamp(ms)));
        }
        if let Some(amount) = ctx.state(Self::charge_amount) {
            updates.push(SA_AMOUNT_BAND.value_set(vec![amount_band(&amount)]));
        }
        updates
    }

    /// The memo's `summary`, kept current at each status (histories since `ops-1`).
    pub(super) fn update_memo(ctx: &WorkflowContext<Self>) {
        if Self::has_patch(ctx, PATCH_OPS) {
            let summary = ctx.state(Self::summary);
            let _ =
                ctx.upsert_memo([("summary", Some(temporalio_common::MemoValue::new(summary)))]);
        }
    }

    pub(super) fn set_status(
        ctx: &WorkflowContext<Self>,
        status: BookingStatus,
        step: &'static str,
    ) {
        ctx.state_mut(|s| s.status = Some(status));
        Self::go(ctx, step);
        let mut updates = vec![SA_BOOKING_STATUS.value_set(status.as_str().into())];
        if let Some(ms) = ctx.state(|s| s.hold_expires_at_ms) {
            updates.push(SA_HOLD_EXPIRES_AT.value_set(timestamp(ms)));
        }
        // One upsert as before: the attributes it carries are not part of the history's shape.
        updates.extend(Self::step_attributes(ctx));
        ctx.upsert_search_attributes(updates);
        Self::update_memo(ctx);
    }

    /// Waits for every update handler to answer, then returns the final view.
    pub(super) async fn finish(ctx: &mut WorkflowContext<Self>) -> BookingView {
        let now = epoch_ms(ctx.workflow_time());
        ctx.state_mut(|s| s.timeline.close(now));
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
