//! `AnnouncementWorkflow`: sequencing only. Page the audience, send the page, wait, repeat;
//! continue as new after `batches_per_run` batches with the cursor and the counts.

use super::types::{AnnouncementInput, AnnouncementView};
use crate::notify::{notify_call, read_call};
use mtbp_activities::NotifyActivities;
use mtbp_activities::notify::{AnnouncementBatch, AnnouncementPageRequest};
use std::time::Duration;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{ContinueAsNewOptions, WorkflowContext, WorkflowContextView, WorkflowResult};

/// One announcement. Workflow id `announce-{movie_id}-{city}`.
#[workflow]
pub struct AnnouncementWorkflow {
    input: AnnouncementInput,
    done: AnnouncementView,
}

#[workflow_methods]
impl AnnouncementWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: AnnouncementInput) -> Self {
        let mut done = input.done;
        done.runs += 1;
        Self { input, done }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<AnnouncementView> {
        let input = ctx.state(|s| s.input.clone());
        let mut after = input.after;
        for batch in 0..input.batches_per_run.max(1) {
            if batch > 0 {
                let pause = Duration::from_secs(u64::from(input.pause_seconds));
                ctx.timer(pause).await;
            }
            let page = ctx
                .execute_activity(
                    NotifyActivities::announcement_page,
                    AnnouncementPageRequest {
                        movie_id: input.movie_id,
                        city: input.city.clone(),
                        after,
                        limit: input.batch_size,
                    },
                    read_call(),
                )
                .await?;
            if !page.subscriptions.is_empty() {
                let sent = ctx
                    .execute_activity(
                        NotifyActivities::send_announcements,
                        AnnouncementBatch {
                            movie_id: input.movie_id,
                            city: input.city.clone(),
                            subscriptions: page.subscriptions,
                        },
                        notify_call(),
                    )
                    .await?;
                ctx.state_mut(|s| {
                    s.done.batches += 1;
                    s.done.sent += sent.sent;
                    s.done.skipped += sent.skipped;
                    s.done.unsettled += sent.unsettled;
                });
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(ctx.state(|s| s.done)),
            }
        }
        // More to send: a fresh run with the cursor, so the history stays a few batches long.
        let next = AnnouncementInput {
            after,
            done: ctx.state(|s| s.done),
            ..input
        };
        let never = ctx.continue_as_new(next, ContinueAsNewOptions::default())?;
        match never {}
    }

    /// What the announcement has done so far.
    #[query]
    pub fn progress(&self, _ctx: &WorkflowContextView) -> AnnouncementView {
        self.done
    }
}
