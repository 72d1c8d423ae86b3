//! The orchestration limit: a booking-shaped workflow that does no work.
//!
//! It has the booking saga's shape on the happy path: started by a client, a search attribute
//! upsert, the hold timer raced against a `pay` update, then two local activities and one
//! ordinary activity with the same status upserts between them, answering the update when done.
//! Its activities return at once, so what it measures is the Temporal server and the SDK alone.

use std::time::Duration;
use temporalio_common::search_attributes::SearchAttributeKey;
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::{
    ActivityOptions, LocalActivityOptions, TimerResult, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

type HandlerError = Box<dyn std::error::Error + Send + Sync>;

const STATUS: SearchAttributeKey<String> = SearchAttributeKey::keyword("BookingStatus");

/// Activities that do nothing.
#[derive(Debug)]
pub struct NoopActivities;

#[activities]
impl NoopActivities {
    /// Returns at once.
    #[activity]
    pub async fn noop(_ctx: ActivityContext, step: u32) -> Result<u32, ActivityError> {
        Ok(step)
    }
}

/// An empty booking: timer ⟷ `pay`, then two local and one remote no-op activity.
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
        ctx.state_mut(|s| s.done = true);
        // Let the `pay` handler answer before the workflow closes, as the booking saga does.
        let probe = ctx.clone();
        let _ = ctx
            .wait_condition(move |_| probe.all_handlers_finished())
            .await;
        Ok(paid)
    }

    /// Pays; answers once the workflow has run its steps.
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
