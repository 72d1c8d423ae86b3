//! After the charge: the saga goes on past `BookingCompleted` in the same workflow: *issue
//! invoice* → *notify* → (the theater's and the settlement's steps, later) → *remind* before
//! the show. `pay` has answered by then (it answers at `BookingCompleted`), and none of these
//! steps can undo the booking: a failure is retried and recorded, never turned into a refund.

use super::options;
use super::types::{SA_BOOKING_STATUS, SA_BOOKING_STEP};
use super::workflow::{BookingWorkflow, PATCH_AFTER_PAYMENT_QUEUE};
use crate::notify::notify_call;
use mtbp_activities::notify::NotifyInput;
use mtbp_activities::{InvoiceActivities, NotifyActivities};
use mtbp_domain::{BookingStatus, NotificationKind};
use std::time::{Duration, UNIX_EPOCH};
use temporalio_sdk::{ActivityOptions, TimerResult, WorkflowContext};

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
        let lean = ctx.patched(PATCH_AFTER_PAYMENT_QUEUE);
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
        Self::remind(ctx).await;
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
            ctx.state_mut(|s| {
                s.after_payment_error = Some(format!("{} not sent: {why}", kind.as_str()));
            });
        }
    }

    /// Waits on a durable timer until the reminder is due, then sends it; a booking made too
    /// close to the show gets none.
    async fn remind(ctx: &mut WorkflowContext<Self>) {
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
        if !matches!(ctx.timer(wait).await, TimerResult::Fired) {
            return; // cancelled from the Temporal UI: the booking stands, without a reminder
        }
        Self::set_step(ctx, "reminding");
        Self::notify(ctx, NotificationKind::Reminder).await;
        Self::set_step(ctx, "reminded");
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
        ctx.state_mut(|s| {
            s.status = Some(status);
            s.step = step;
        });
        ctx.upsert_search_attributes([
            SA_BOOKING_STATUS.value_set(status.as_str().into()),
            SA_BOOKING_STEP.value_set(step.into()),
        ]);
    }

    /// Moves to `step` and shows it in the `BookingStep` search attribute (the steps after the
    /// payment only: earlier ones are told by `BookingStatus`).
    pub(super) fn set_step(ctx: &WorkflowContext<Self>, step: &'static str) {
        ctx.state_mut(|s| s.step = step);
        ctx.upsert_search_attributes([SA_BOOKING_STEP.value_set(step.into())]);
    }
}
