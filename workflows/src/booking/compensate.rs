//! Compensations: what the saga undoes when a booking does not complete.
//!
//! Since the money-safety patch they never stop half-way. The booking is closed first (one
//! conditional transition of its row, so a late confirm cannot win after it, and the seats are
//! free for others while any refund runs); then the refund settles what the gateway really
//! took. A step that cannot finish on its own flags the booking for an operator (database,
//! search attribute, log line) and waits for the `resolve` update: retry, or mark resolved.
//! Money that went back is announced to the customer (the `refund` notification) once the
//! booking is closed: never before its final status, never able to undo it.

use super::options;
use super::state::{Compensation, Ending, Saga};
use super::types::{OperatorStep, SA_NEEDS_OPERATOR};
use super::workflow::{BookingWorkflow, PATCH_REFUND_NOTICE, PATCH_THEATER, why};
use mtbp_activities::TheaterActivities;
use mtbp_activities::payments::RefundRequest;
use mtbp_activities::seats::{CloseOutcome, CloseRequest, FlagRequest, ReleaseRequest};
use mtbp_activities::{PaymentActivities, SeatActivities};
use mtbp_domain::{BookingStatus, NotificationKind};
use temporalio_sdk::{WorkflowContext, WorkflowResult};

impl BookingWorkflow {
    /// Runs the compensations to the end, then records the final status.
    pub(super) async fn compensate(
        ctx: &mut WorkflowContext<Self>,
        saga: &mut Saga,
        ending: Ending,
    ) {
        Self::step_error(ctx, &ending.reason);
        Self::go_marked(ctx, "compensating");
        let refund = saga.unwind().contains(&Compensation::RefundPayment);
        // While a refund is to settle, the status keeps saying where the money is.
        let status = (!refund).then_some(ending.status);
        if let Some(ticket_code) = Self::close(ctx, &ending, status).await {
            // The confirm won the race: the booking stands, paid and booked.
            ctx.state_mut(|s| s.ticket_code = Some(ticket_code));
            Self::set_status(ctx, BookingStatus::BookingCompleted, "booked");
            return;
        }
        // A live theater's lock goes too (histories written since the theater's steps); it
        // would lapse there by itself, but others may buy the seats at once.
        if ctx.state(|s| s.input.live_theater) && Self::has_patch(ctx, PATCH_THEATER) {
            let booking_id = ctx.state(|s| s.input.booking_id);
            // Not released within ten minutes: it lapses at the theater by itself.
            let _ = ctx
                .execute_activity(
                    TheaterActivities::release_theater_lock,
                    booking_id,
                    options::release_call(),
                )
                .await;
        }
        let refunded = refund && Self::refund(ctx, &ending).await;
        if refund {
            Self::close(ctx, &ending, Some(ending.final_status(refunded))).await;
        }
        Self::operator_retry_worked(ctx).await;
        ctx.state_mut(|s| s.reason = Some(ending.reason.clone()));
        Self::set_status(ctx, ending.final_status(refunded), "ended");
        // Histories written before the refund notice end here. The status is final first, so
        // `pay` has its answer before any mail is tried; the notice's failures are its record's.
        if refunded && Self::has_patch(ctx, PATCH_REFUND_NOTICE) {
            Self::set_step(ctx, "telling the customer of the refund");
            Self::notify(ctx, NotificationKind::Refund).await;
            Self::set_step(ctx, "ended");
        }
    }

    /// Closes the booking (as `status`, once it is final); `Some(ticket code)` if its seats were
    /// confirmed first.
    async fn close(
        ctx: &mut WorkflowContext<Self>,
        ending: &Ending,
        status: Option<BookingStatus>,
    ) -> Option<String> {
        let booking_id = ctx.state(|s| s.input.booking_id);
        loop {
            let req = CloseRequest {
                booking_id,
                final_status: status,
                reason: ending.reason.clone(),
            };
            let closed = ctx
                .execute_local_activity(
                    SeatActivities::close_booking,
                    req,
                    options::compensation_db_step(),
                )
                .await;
            match closed {
                Ok(CloseOutcome::Closed { .. }) => return None,
                Ok(CloseOutcome::AlreadyConfirmed { ticket_code }) => return Some(ticket_code),
                Err(e) => {
                    let problem = format!("the seats could not be released: {}", why(&e));
                    if Self::ask_operator(ctx, ending, problem).await == OperatorStep::MarkResolved
                    {
                        return None;
                    }
                }
            }
        }
    }

    /// Gives the money back; whether any was refunded. Retries on the operator's word until it
    /// goes through or the operator settles it another way.
    async fn refund(ctx: &mut WorkflowContext<Self>, ending: &Ending) -> bool {
        let booking_id = ctx.state(|s| s.input.booking_id);
        Self::go_marked(ctx, "refunding the payment");
        loop {
            let req = RefundRequest {
                booking_id,
                reason: ending.reason.clone(),
            };
            let out = ctx
                .execute_activity(
                    PaymentActivities::refund_payment,
                    req,
                    options::refund_call(),
                )
                .await;
            match out {
                Ok(outcome) => return outcome.refunded(),
                Err(e) => {
                    let problem = format!("the refund could not be made: {}", why(&e));
                    if Self::ask_operator(ctx, ending, problem).await == OperatorStep::MarkResolved
                    {
                        return false;
                    }
                    Self::go_marked(ctx, "refunding the payment");
                }
            }
        }
    }

    /// Flags the booking, waits for an operator's `resolve`, and returns their choice. A retry
    /// keeps the flag until the step goes through ([`Self::operator_retry_worked`]) or fails
    /// again (then this asks again). A cancel from the Temporal UI does not end the wait: only
    /// an operator's `resolve` (or terminating the workflow, which leaves the flag) does.
    async fn ask_operator(
        ctx: &mut WorkflowContext<Self>,
        ending: &Ending,
        problem: String,
    ) -> OperatorStep {
        let booking_id = ctx.state(|s| s.input.booking_id);
        let again = ctx.state(|s| s.needs_operator.is_some());
        ctx.state_mut(|s| {
            s.needs_operator = Some(problem.clone());
            s.reason = Some(ending.reason.clone());
            // A retry that failed again answers the operator who asked for it.
            s.operator_actions_done += u32::from(again);
        });
        if !again {
            ctx.upsert_search_attributes([SA_NEEDS_OPERATOR.value_set(true)]);
        }
        // The status stays where the money is (a payment not given back yet): `pay` keeps
        // waiting, and answers 202 meanwhile.
        Self::step_error(ctx, &problem);
        Self::go_marked(ctx, "waiting for an operator");
        Self::flag(ctx, booking_id, Some(problem), None).await;
        // Waits through a workflow cancel too: the money is still owed.
        let waited = ctx
            .wait_condition_with_options(|s| s.operator_action.is_some(), options::detached_wait())
            .await;
        if waited.is_err() {
            return OperatorStep::MarkResolved;
        }
        let Some(action) = ctx.state_mut(|s| s.operator_action.take()) else {
            return OperatorStep::MarkResolved;
        };
        let note = format!("operator {}: {}", action.operator_id, action.note);
        let now = crate::ops::epoch_ms(ctx.workflow_time());
        let what = match action.action {
            OperatorStep::Retry => "operator: retry",
            OperatorStep::MarkResolved => "operator: marked resolved",
        };
        ctx.state_mut(|s| s.timeline.operator(what, &note, now));
        match action.action {
            OperatorStep::MarkResolved => Self::clear_flag(ctx, note).await,
            OperatorStep::Retry => ctx.state_mut(|s| s.operator_note = Some(note)),
        }
        action.action
    }

    /// After the compensations: a step an operator retried went through, so the flag goes.
    async fn operator_retry_worked(ctx: &mut WorkflowContext<Self>) {
        let note = ctx.state_mut(|s| s.operator_note.take());
        if let (Some(note), true) = (note, ctx.state(|s| s.needs_operator.is_some())) {
            Self::clear_flag(ctx, note).await;
        }
    }

    async fn clear_flag(ctx: &mut WorkflowContext<Self>, note: String) {
        let booking_id = ctx.state(|s| s.input.booking_id);
        Self::flag(ctx, booking_id, None, Some(note)).await;
        ctx.upsert_search_attributes([SA_NEEDS_OPERATOR.value_set(false)]);
        ctx.state_mut(|s| {
            s.needs_operator = None;
            s.operator_actions_done += 1;
        });
    }

    async fn flag(
        ctx: &mut WorkflowContext<Self>,
        booking_id: mtbp_domain::BookingId,
        needs_operator: Option<String>,
        note: Option<String>,
    ) {
        let req = FlagRequest {
            booking_id,
            needs_operator,
            note,
        };
        // Retried for ever: the flag is how ops find the booking.
        let _ = ctx
            .execute_local_activity(
                SeatActivities::flag_for_operator,
                req,
                options::compensation_db_step(),
            )
            .await;
    }

    /// The compensations as they ran before the money-safety patch, for histories written then:
    /// refund, then release; a failed step failed the workflow.
    pub(super) async fn compensate_legacy(
        ctx: &mut WorkflowContext<Self>,
        saga: &mut Saga,
        ending: Ending,
    ) -> WorkflowResult<()> {
        let booking_id = ctx.state(|s| s.input.booking_id);
        Self::go(ctx, "compensating");
        let mut refunded = false;
        for step in saga.unwind() {
            match step {
                Compensation::RefundPayment => {
                    let req = RefundRequest {
                        booking_id,
                        reason: ending.reason.clone(),
                    };
                    let out = ctx
                        .execute_activity(
                            PaymentActivities::refund_payment,
                            req,
                            options::compensation_gateway_call(),
                        )
                        .await?;
                    refunded = out.refunded();
                }
                Compensation::ReleaseSeats => {
                    let req = ReleaseRequest {
                        booking_id,
                        final_status: ending.final_status(refunded),
                        reason: ending.reason.clone(),
                    };
                    ctx.execute_local_activity(
                        SeatActivities::release_seats,
                        req,
                        options::compensation_db_step(),
                    )
                    .await?;
                }
            }
        }
        ctx.state_mut(|s| s.reason = Some(ending.reason.clone()));
        Self::set_status(ctx, ending.final_status(refunded), "ended");
        Ok(())
    }
}
