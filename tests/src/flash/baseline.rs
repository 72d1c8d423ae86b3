//! The orchestration limit: a booking-shaped workflow that does no work.
//!
//! It has the booking saga's shape on the happy path: started by a client, a search attribute
//! upsert, the hold timer raced against a `pay` update, then two local activities and one
//! ordinary activity with the same status upserts between them, answering the update at
//! `BookingCompleted`; then the steps after the payment: a step upsert, the invoice (an
//! ordinary activity), one upsert of status and step, the notification (another), the
//! reminder's due time (a local activity), a step upsert and the reminder's timer. Its
//! activities return at once, so what it measures is the Temporal server and the SDK alone;
//! the notification's no-op notes when it ran, the baseline's *fully processed* moment.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use temporalio_common::search_attributes::SearchAttributeKey;
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::{
    ActivityOptions, LocalActivityOptions, TimerResult, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

type HandlerError = Box<dyn std::error::Error + Send + Sync>;

const STATUS: SearchAttributeKey<String> = SearchAttributeKey::keyword("BookingStatus");
const STEP: SearchAttributeKey<String> = SearchAttributeKey::keyword("BookingStep");

/// The step number of the notification's no-op: a booking is fully processed when it ran.
const NOTIFY_STEP: u32 = 5;

/// How long the baseline waits for its "reminder": longer than any run, as a booking's
/// reminder is hours away.
const REMINDER_WAIT: Duration = Duration::from_secs(3_600);

/// Activities that do nothing but note when the notification step ran.
#[derive(Debug)]
pub struct NoopActivities {
    started: Instant,
    processed: Arc<Mutex<Vec<f64>>>,
}

impl NoopActivities {
    /// No-ops noting the notification steps' times (seconds since `started`) in `processed`.
    pub fn new(started: Instant, processed: Arc<Mutex<Vec<f64>>>) -> Self {
        Self { started, processed }
    }
}

#[activities]
impl NoopActivities {
    /// Returns at once.
    #[activity]
    pub async fn noop(
        self: Arc<Self>,
        _ctx: ActivityContext,
        step: u32,
    ) -> Result<u32, ActivityError> {
        if step == NOTIFY_STEP
            && let Ok(mut times) = self.processed.lock()
        {
            times.push(self.started.elapsed().as_secs_f64());
        }
        Ok(step)
    }
}

/// An empty booking: timer ⟷ `pay`, two local and one remote no-op activity, the answer, then
/// the after-payment shape.
#[workflow]
pub struct BaselineWorkflow {
    hold_seconds: u32,
    paid: bool,
    done: bool,
}

#[workflow_methods]
impl BaselineWorkflow {
    /// Starts with the hold length in seconds.
    #[init]
    pub fn new(_ctx: &WorkflowContextView, hold_seconds: u32) -> Self {
        Self {
            hold_seconds,
            paid: false,
            done: false,
        }
    }

    /// Waits for `pay` (or the hold timer), then runs the no-op steps.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<bool> {
        ctx.upsert_search_attributes([STATUS.value_set("PreBooking".into())]);
        let hold = Duration::from_secs(u64::from(ctx.state(|s| s.hold_seconds)));
        let paid = temporalio_sdk::workflows::select! {
            fired = ctx.timer(hold) => !matches!(fired, TimerResult::Fired),
            waited = ctx.wait_condition(|s| s.paid) => waited.is_ok(),
        };
        if paid {
            ctx.upsert_search_attributes([STATUS.value_set("PaymentInitiated".into())]);
            ctx.execute_local_activity(NoopActivities::noop, 1u32, local())
                .await?;
            ctx.execute_activity(NoopActivities::noop, 2u32, remote())
                .await?;
            ctx.upsert_search_attributes([STATUS.value_set("PaymentCompleted".into())]);
            ctx.execute_local_activity(NoopActivities::noop, 3u32, local())
                .await?;
            ctx.upsert_search_attributes([STATUS.value_set("BookingCompleted".into())]);
        }
        // The `pay` answers here, at `BookingCompleted`, as the booking saga's does.
        ctx.state_mut(|s| s.done = true);
        if paid {
            ctx.upsert_search_attributes([STEP.value_set("issuing the invoice".into())]);
            ctx.execute_activity(NoopActivities::noop, 4u32, remote())
                .await?;
            ctx.upsert_search_attributes([
                STATUS.value_set("Invoiced".into()),
                STEP.value_set("notifying the customer".into()),
            ]);
            ctx.execute_activity(NoopActivities::noop, NOTIFY_STEP, remote())
                .await?;
            ctx.execute_local_activity(NoopActivities::noop, 6u32, local())
                .await?;
            ctx.upsert_search_attributes([STEP.value_set("waiting to remind".into())]);
            let _ = ctx.timer(REMINDER_WAIT).await;
        }
        let probe = ctx.clone();
        let _ = ctx
            .wait_condition(move |_| probe.all_handlers_finished())
            .await;
        Ok(paid)
    }

    /// Pays; answers once the workflow has reached `BookingCompleted`.
    #[update]
    pub async fn pay(ctx: &mut WorkflowContext<Self>, _req: ()) -> Result<(), HandlerError> {
        ctx.state_mut(|s| s.paid = true);
        ctx.wait_condition(|s| s.done).await?;
        Ok(())
    }
}
fn local() -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(Duration::from_secs(5))
        .build()
}

fn remote() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(10)).build()
}
