//! After the charge: the saga goes on past `BookingCompleted` in the same workflow: *issue
//! invoice* → *notify* → (the theater's and the settlement's steps, later) → *remind* before
//! the show. `pay` has answered by then (it answers at `BookingCompleted`), and none of these
//! steps can undo the booking: a failure is retried and recorded, never turned into a refund.

use super::options;
use super::types::BookingCancelled;
use super::types::{SA_BOOKING_STATUS, SA_BOOKING_STEP};
use super::workflow::{
    BookingWorkflow, PATCH_AFTER_PAYMENT_QUEUE, PATCH_SETTLEMENT, PATCH_SETTLEMENT_EXPECTED,
    PATCH_THEATER,
};
use crate::cancellation::{CancellationInput, CancellationWorkflow};
use crate::notify::notify_call;
use mtbp_activities::TheaterActivities;
use mtbp_activities::cancellations::Actor;
use mtbp_activities::notify::NotifyInput;
use mtbp_activities::theater::ShareOutcome;
use mtbp_activities::{InvoiceActivities, NotifyActivities, SettlementActivities};
use mtbp_domain::{BookingStatus, NotificationKind};
use std::ops::ControlFlow;
use std::time::{Duration, UNIX_EPOCH};
use temporalio_sdk::ChildWorkflowOptions;
use temporalio_sdk::{ActivityOptions, TimerResult, WorkflowContext};
use uuid::Uuid;

/// The task queue of the steps after the payment, beside the booking's own: its workers
/// (`mtbp-worker` runs one beside the booking worker) have slots of their own.
pub fn after_payment_queue(booking_queue: &str) -> String {
    format!("{booking_queue}-after-payment")
}

impl BookingWorkflow {
    /// Invoice, confirmation and reminder of a booked booking.
    pub(super) async fn after_payment(ctx: &mut WorkflowContext<Self>) {
        let booking_id = ctx.state(|s| s.input.booking_id);
        // Histories written since: these steps run on a task queue of their own, so a burst of
        // PDFs and emails never takes the slots (and the cores) the next customer's charge
        // needs, and one upsert carries the status with the step.
        let lean = Self::has_patch(ctx, PATCH_AFTER_PAYMENT_QUEUE);
        if lean {
            let queue = after_payment_queue(ctx.task_queue());
            ctx.state_mut(|s| s.after_payment_queue = Some(queue));
        }
        Self::set_step(ctx, "issuing the invoice");
        let invoiced = ctx
            .execute_activity(
                InvoiceActivities::issue_invoice,
                booking_id,
                Self::after_payment_options(ctx, options::invoice_call()),
            )
            .await;
        match &invoiced {
            Ok(_) if lean => {
                Self::set_status_and_step(ctx, BookingStatus::Invoiced, "notifying the customer");
            }
            Ok(_) => {
                Self::set_status(ctx, BookingStatus::Invoiced, "notifying the customer");
                Self::set_step(ctx, "notifying the customer");
            }
            Err(e) => {
                // The customer is told without the document; the invoice comes afterwards.
                let why = super::workflow::why(e);
                ctx.state_mut(|s| s.after_payment_error = Some(format!("invoice: {why}")));
                Self::step_error(ctx, &format!("invoice: {why}"));
                Self::set_step(ctx, "notifying the customer");
            }
        }
        Self::notify(ctx, NotificationKind::Confirmation).await;
        if invoiced.is_err() {
            Self::set_step(ctx, "issuing the invoice again");
            let retried = ctx
                .execute_activity(
                    InvoiceActivities::issue_invoice,
                    booking_id,
                    Self::after_payment_options(ctx, options::invoice_retry_call()),
                )
                .await;
            if retried.is_ok() {
                ctx.state_mut(|s| s.after_payment_error = None);
                if lean {
                    Self::set_status_and_step(ctx, BookingStatus::Invoiced, "invoiced");
                } else {
                    Self::set_status(ctx, BookingStatus::Invoiced, "invoiced");
                    Self::set_step(ctx, "invoiced");
                }
            }
        }
        // Histories written since: the theater gets the sale (a live theater's lock confirmed,
        // a designated-rows theater sent the allocation), and a cancellation of the whole
        // booking ends the wait for the reminder.
        let theater = Self::has_patch(ctx, PATCH_THEATER);
        if theater && Self::share(ctx).await.is_break() {
            return;
        }
        Self::remind(ctx, theater).await;
        // Histories written since: the saga's last step is the partner's settlement.
        if Self::has_patch(ctx, PATCH_SETTLEMENT) {
            Self::wait_for_settlement(ctx).await;
        }
    }

    /// The *settlement* step: waits until the partner's `SettlementWorkflow` counts the booking
    /// (`settlement_done`), then ends `SettlementDone`. A cancellation of the whole booking
    /// ends the wait too (its refund is netted into the next settlement).
    async fn wait_for_settlement(ctx: &mut WorkflowContext<Self>) {
        if ctx.state(|s| s.cancelled_after_payment.is_some())
            || ctx.state(|s| !s.status.is_some_and(BookingStatus::is_booked))
        {
            return;
        }
        // A venue the platform runs itself, or a booking nothing was charged for: no settlement
        // will count it, and the saga ends here.
        // (Histories written since `settlement-expected-1`.)
        if Self::has_patch(ctx, PATCH_SETTLEMENT_EXPECTED) {
            let booking_id = ctx.state(|s| s.input.booking_id);
            let expected = ctx
                .execute_local_activity(
                    SettlementActivities::settlement_expected,
                    booking_id,
                    options::db_step(),
                )
                .await;
            if matches!(expected, Ok(false)) {
                Self::set_step(ctx, "booked");
                return;
            }
        }
        Self::set_step(ctx, "waiting for settlement");
        let ended = ctx
            .wait_condition(|s| s.settled.is_some() || s.cancelled_after_payment.is_some())
            .await;
        if ended.is_err() {
            return; // the workflow is being cancelled (an operator): the booking stands
        }
        if let Some(c) = ctx.state(|s| s.cancelled_after_payment.clone()) {
            Self::end_cancelled(ctx, &c);
            return;
        }
        Self::set_status_and_step(ctx, BookingStatus::SettlementDone, "settled");
    }

    /// Ends the saga of a booking a cancellation took whole.
    fn end_cancelled(ctx: &WorkflowContext<Self>, c: &BookingCancelled) {
        let status = if c.refunded {
            BookingStatus::Refunded
        } else {
            BookingStatus::Cancelled
        };
        ctx.state_mut(|s| {
            s.reminder_due_at_ms = None;
            s.reason = Some(format!("cancelled ({})", c.cancellation_id));
        });
        Self::set_status_and_step(ctx, status, "cancelled");
    }

    /// The *share with theater* step: retried while the theater is down (the customer has the
    /// ticket already). A theater that refuses the sale for good gets the booking cancelled
    /// in full by a child `CancellationWorkflow`: refund, credit note, lock released, customer
    /// told; the saga ends there (`Break`).
    async fn share(ctx: &mut WorkflowContext<Self>) -> ControlFlow<()> {
        let booking_id = ctx.state(|s| s.input.booking_id);
        Self::set_step(ctx, "sharing with the theater");
        let shared = ctx
            .execute_activity(
                TheaterActivities::share_with_theater,
                booking_id,
                Self::after_payment_options(ctx, options::share_call()),
            )
            .await;
        let reason = match shared {
            Ok(ShareOutcome::Shared { .. } | ShareOutcome::NotConnected) => {
                return ControlFlow::Continue(());
            }
            Ok(ShareOutcome::Rejected { reason }) => reason,
            Err(e) => {
                let why = super::workflow::why(&e);
                ctx.state_mut(|s| s.after_payment_error = Some(format!("theater: {why}")));
                Self::step_error(ctx, &format!("theater: {why}"));
                return ControlFlow::Continue(());
            }
        };
        Self::set_step(ctx, "the theater refused: giving the booking back");
        let id = Uuid::new_v5(&booking_id.as_uuid(), b"theater-rejected");
        let input = CancellationInput {
            cancellation_id: id,
            booking_id,
            seats: None,
            actor: Actor::Theater,
            actor_id: None,
            reason: format!("the theater refused the sale: {reason}"),
            planned: None,
        };
        let opts = ChildWorkflowOptions::workflow_id(CancellationInput::workflow_id(id));
        let view = match ctx
            .start_child_workflow(CancellationWorkflow::run, input, opts)
            .await
        {
            Ok(child) => child.result().await.ok(),
            Err(_) => None,
        };
        let refunded = view
            .as_ref()
            .and_then(|v| v.refunded_minor)
            .is_some_and(|m| m > 0);
        let status = if refunded {
            BookingStatus::Refunded
        } else {
            BookingStatus::Cancelled
        };
        ctx.state_mut(|s| {
            s.reason = Some(format!("the theater refused the sale: {reason}"));
            s.cancelled_after_payment = Some(BookingCancelled {
                cancellation_id: id.to_string(),
                refunded,
            });
        });
        Self::set_status_and_step(ctx, status, "ended");
        ControlFlow::Break(())
    }

    /// Sends one notification. Its failures are the notification's record (the activity
    /// retries with backoff for hours, then answers), never the booking's.
    pub(super) async fn notify(ctx: &mut WorkflowContext<Self>, kind: NotificationKind) {
        let booking_id = ctx.state(|s| s.input.booking_id);
        let input = NotifyInput { booking_id, kind };
        let sent = ctx
            .execute_activity(
                NotifyActivities::notify,
                input,
                Self::after_payment_options(ctx, notify_call()),
            )
            .await;
        if let Err(e) = sent {
            let why = super::workflow::why(&e);
            let problem = format!("{} not sent: {why}", kind.as_str());
            Self::step_error(ctx, &problem);
            ctx.state_mut(|s| s.after_payment_error = Some(problem));
        }
    }

    /// Waits on a durable timer until the reminder is due, then sends it; a booking made too
    /// close to the show gets none.
    async fn remind(ctx: &mut WorkflowContext<Self>, cancellable: bool) {
        let booking_id = ctx.state(|s| s.input.booking_id);
        let due = ctx
            .execute_local_activity(
                NotifyActivities::reminder_at,
                booking_id,
                options::db_step(),
            )
            .await;
        let now_ms = ctx
            .workflow_time()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let wait = match due {
            Ok(Some(at)) => u64::try_from(at.timestamp_millis().saturating_sub(now_ms))
                .map_or(Duration::ZERO, Duration::from_millis),
            _ => Duration::ZERO,
        };
        if wait.is_zero() {
            Self::set_step(ctx, "booked");
            return;
        }
        let due_ms = now_ms.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
        ctx.state_mut(|s| s.reminder_due_at_ms = Some(due_ms));
        Self::set_step(ctx, "waiting to remind");
        let fired = if cancellable {
            temporalio_sdk::workflows::select! {
                fired = ctx.timer(wait) => matches!(fired, TimerResult::Fired),
                _cancelled = ctx.wait_condition(|s| s.cancelled_after_payment.is_some()) => false,
            }
        } else {
            matches!(ctx.timer(wait).await, TimerResult::Fired)
        };
        if let Some(c) = ctx.state(|s| s.cancelled_after_payment.clone()) {
            Self::end_cancelled(ctx, &c);
            return;
        }
        if !fired {
            return; // cancelled from the Temporal UI: the booking stands, without a reminder
        }
        Self::set_step(ctx, "reminding");
        Self::notify(ctx, NotificationKind::Reminder).await;
        Self::set_step(ctx, "reminded");
    }

    /// An operator's resend: the notification again, if it was not delivered. `Some(why)` when
    /// a channel still could not take it.
    pub(super) async fn notify_again(
        ctx: &mut WorkflowContext<Self>,
        kind: NotificationKind,
    ) -> Option<String> {
        let booking_id = ctx.state(|s| s.input.booking_id);
        let input = NotifyInput { booking_id, kind };
        let sent = ctx
            .execute_activity(
                NotifyActivities::notify,
                input,
                Self::after_payment_options(ctx, options::operator_call()),
            )
            .await;
        match sent {
            Ok(_) => {
                Self::clear_error(ctx, &format!("{} not sent", kind.as_str()));
                None
            }
            Err(e) => Some(format!(
                "{} not sent: {}",
                kind.as_str(),
                super::workflow::why(&e)
            )),
        }
    }

    /// Forgets the after-payment error if it is the one an operator's step just mended (its
    /// message starts with `prefix`).
    fn clear_error(ctx: &mut WorkflowContext<Self>, prefix: &str) {
        ctx.state_mut(|s| {
            if s.after_payment_error
                .as_ref()
                .is_some_and(|e| e.starts_with(prefix))
            {
                s.after_payment_error = None;
            }
        });
    }

    /// An operator's re-share with the theater. A refusal is reported, not acted on: giving
    /// the booking back is a cancellation the operator decides on.
    pub(super) async fn share_again(ctx: &mut WorkflowContext<Self>) -> Option<String> {
        let booking_id = ctx.state(|s| s.input.booking_id);
        let shared = ctx
            .execute_activity(
                TheaterActivities::share_with_theater,
                booking_id,
                Self::after_payment_options(ctx, options::operator_call()),
            )
            .await;
        match shared {
            Ok(ShareOutcome::Shared { .. } | ShareOutcome::NotConnected) => {
                Self::clear_error(ctx, "theater");
                None
            }
            Ok(ShareOutcome::Rejected { reason }) => {
                Some(format!("theater: the theater refused the sale: {reason}"))
            }
            Err(e) => Some(format!("theater: {}", super::workflow::why(&e))),
        }
    }

    /// An operator's retry of the step after the payment that failed (the error says which).
    pub(super) async fn retry_after_payment(ctx: &mut WorkflowContext<Self>) -> Option<String> {
        let failed = ctx
            .state(|s| s.after_payment_error.clone())
            .unwrap_or_default();
        if failed.starts_with("theater") {
            return Self::share_again(ctx).await;
        }
        for kind in NotificationKind::ALL {
            if failed.starts_with(&format!("{} not sent", kind.as_str())) {
                return Self::notify_again(ctx, kind).await;
            }
        }
        let booking_id = ctx.state(|s| s.input.booking_id);
        let issued = ctx
            .execute_activity(
                InvoiceActivities::issue_invoice,
                booking_id,
                Self::after_payment_options(ctx, options::operator_call()),
            )
            .await;
        match issued {
            Ok(_) => {
                ctx.state_mut(|s| s.after_payment_error = None);
                // The step stays the saga's (it waits elsewhere); the status moves on.
                if ctx.state(|s| s.status == Some(BookingStatus::BookingCompleted)) {
                    ctx.state_mut(|s| s.status = Some(BookingStatus::Invoiced));
                    ctx.upsert_search_attributes([
                        SA_BOOKING_STATUS.value_set(BookingStatus::Invoiced.as_str().into())
                    ]);
                }
                None
            }
            Err(e) => Some(format!("invoice: {}", super::workflow::why(&e))),
        }
    }

    /// `options` on the after-payment task queue, in histories that have one.
    fn after_payment_options(
        ctx: &WorkflowContext<Self>,
        mut options: ActivityOptions,
    ) -> ActivityOptions {
        if let Some(queue) = ctx.state(|s| s.after_payment_queue.clone()) {
            options.task_queue = Some(queue);
        }
        options
    }

    /// Moves to `status` and `step` with one upsert of both search attributes.
    fn set_status_and_step(ctx: &WorkflowContext<Self>, status: BookingStatus, step: &'static str) {
        ctx.state_mut(|s| s.status = Some(status));
        Self::go(ctx, step);
        let mut updates = vec![
            SA_BOOKING_STATUS.value_set(status.as_str().into()),
            SA_BOOKING_STEP.value_set(step.into()),
        ];
        updates.extend(Self::step_attributes(ctx));
        ctx.upsert_search_attributes(updates);
        Self::update_memo(ctx);
    }

    /// Moves to `step` and shows it in the `BookingStep` search attribute (the steps after the
    /// payment only: earlier ones are told by `BookingStatus`).
    pub(super) fn set_step(ctx: &WorkflowContext<Self>, step: &'static str) {
        Self::go(ctx, step);
        let mut updates = vec![SA_BOOKING_STEP.value_set(step.into())];
        updates.extend(Self::step_attributes(ctx));
        ctx.upsert_search_attributes(updates);
        Self::update_memo(ctx);
    }
}
