//! `SubscriptionWorkflow`: sequencing only. Decisions live in `state.rs`, options in
//! `options.rs`.
//!
//! One run per period: charge it (with dunning for a declined renewal), wait for its end on a
//! durable timer, then continue as new with the next period, so a history never grows past one
//! period's events. A cancel (signal) marks the run; at the period's end it ends the
//! subscription instead of renewing, and the charge activity itself refuses to charge a
//! cancelled subscription, so a cancel never costs the customer another period.

use super::options;
use super::state::{AfterDecline, after_decline, until};
use super::types::{SA_SUBSCRIPTION_STATUS, SubscriptionInput, SubscriptionView};
use mtbp_activities::SubscriptionActivities;
use mtbp_activities::subscriptions::{
    PeriodChargeRequest, PeriodOutcome, Standing, StandingRequest,
};
use mtbp_domain::{SubscriptionEnd, SubscriptionStatus};
use std::time::{Duration, UNIX_EPOCH};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ContinueAsNewOptions, SyncWorkflowContext, TimerResult, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

/// A charge whose activity gave up is made again (same attempt) instead of failing the run.
const PATCH_UNSETTLED_CHARGE: &str = "subscription-unsettled-charge-1";

/// One subscription's period loop. Workflow id `subscription-{subscription_id}`.
#[workflow]
pub struct SubscriptionWorkflow {
    input: SubscriptionInput,
    status: SubscriptionStatus,
    attempt: u32,
    period_end_ms: Option<i64>,
    cancel_requested: bool,
    /// Card changes signalled so far, and how many a dunning wait has acted on.
    cards_changed: u32,
    cards_seen: u32,
    ended: Option<SubscriptionEnd>,
}

#[workflow_methods]
impl SubscriptionWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: SubscriptionInput) -> Self {
        // A renewal run starts from a paid period: the subscription is active until this
        // run's charge says otherwise.
        let status = if input.period_index == 0 {
            SubscriptionStatus::Pending
        } else {
            SubscriptionStatus::Active
        };
        Self {
            input,
            status,
            attempt: 0,
            period_end_ms: None,
            cancel_requested: false,
            cards_changed: 0,
            cards_seen: 0,
            ended: None,
        }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<SubscriptionView> {
        let input = ctx.state(|s| s.input.clone());
        let end_ms = match Self::charge_period(ctx, &input).await? {
            Ok(end_ms) => end_ms,
            Err(reason) => return Self::end(ctx, reason).await,
        };
        let cancelled = ctx.state(|s| s.cancel_requested);
        Self::set_status(
            ctx,
            if cancelled {
                SubscriptionStatus::Cancelling
            } else {
                SubscriptionStatus::Active
            },
        );
        ctx.state_mut(|s| s.period_end_ms = Some(end_ms));
        let wait = until(end_ms, now_ms(ctx));
        // The period runs to its end whatever the customer does: a cancel only marks it.
        if !matches!(ctx.timer(wait).await, TimerResult::Fired) {
            // The workflow itself was cancelled (an operator, from the Temporal UI).
            return Self::end(ctx, SubscriptionEnd::Cancelled).await;
        }
        if ctx.state(|s| s.cancel_requested) {
            return Self::end(ctx, SubscriptionEnd::Cancelled).await;
        }
        let next = SubscriptionInput {
            period_index: input.period_index + 1,
            ..input
        };
        // `continue_as_new` only ever returns the termination that starts the next run.
        let never = ctx.continue_as_new(next, ContinueAsNewOptions::default())?;
        match never {}
    }

    /// The customer cancels: no further period is charged, the paid one runs to its end.
    #[signal]
    pub fn cancel(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _req: ()) {
        self.cancel_requested = true;
        if self.status == SubscriptionStatus::Active {
            self.status = SubscriptionStatus::Cancelling;
        }
    }

    /// The subscriber saved a new card on the subscription: a past-due period is charged with
    /// it now instead of at dunning's next retry (every attempt reads the card from the row).
    #[signal]
    pub fn card_changed(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _req: ()) {
        self.cards_changed = self.cards_changed.saturating_add(1);
    }

    /// Where the subscription stands, as this run sees it.
    #[query]
    pub fn status(&self, _ctx: &WorkflowContextView) -> SubscriptionView {
        self.view()
    }
}

impl SubscriptionWorkflow {
    fn view(&self) -> SubscriptionView {
        SubscriptionView {
            subscription_id: self.input.subscription_id,
            status: self.status,
            period_index: self.input.period_index,
            attempt: self.attempt,
            period_end_ms: self.period_end_ms,
            cancel_requested: self.cancel_requested,
            ended: self.ended,
        }
    }

    /// Charges this run's period, retrying a declined renewal after each dunning delay.
    /// `Ok(Ok(end_ms))` when paid, `Ok(Err(reason))` when the subscription must end.
    async fn charge_period(
        ctx: &mut WorkflowContext<Self>,
        input: &SubscriptionInput,
    ) -> WorkflowResult<Result<i64, SubscriptionEnd>> {
        let mut attempt = 1;
        loop {
            ctx.state_mut(|s| s.attempt = attempt);
            let req = PeriodChargeRequest {
                subscription_id: input.subscription_id,
                period_index: input.period_index,
                attempt,
            };
            let outcome = ctx
                .execute_activity(
                    SubscriptionActivities::charge_subscription_period,
                    req,
                    options::charge_call(input.charge_give_up_seconds),
                )
                .await;
            let outcome = match outcome {
                Ok(outcome) => outcome,
                Err(e) if e.as_timeout().is_some() && ctx.patched(PATCH_UNSETTLED_CHARGE) => {
                    // The gateway did not answer for the activity's half hour: whether the card
                    // was charged is not known. The same attempt runs again later and reads
                    // back its own intent, so nothing is charged twice, and a cancel waits for
                    // the answer: the money is settled before the subscription can end. (A
                    // permanent failure still fails the run, for an operator to see.)
                    Self::unsettled(ctx, input).await?;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            match outcome {
                PeriodOutcome::Paid { end_ms, .. } => return Ok(Ok(end_ms)),
                PeriodOutcome::Cancelled => return Ok(Err(SubscriptionEnd::Cancelled)),
                PeriodOutcome::Declined { .. } => {}
            }
            let delay = match after_decline(input.period_index, attempt, &input.dunning_seconds) {
                AfterDecline::RetryAfter(delay) => delay,
                AfterDecline::GiveUp => return Ok(Err(SubscriptionEnd::PaymentFailed)),
            };
            if attempt == 1 {
                Self::record(ctx, Standing::PastDue).await?;
                Self::set_status(ctx, SubscriptionStatus::PastDue);
            }
            let cancelled = temporalio_sdk::workflows::select! {
                fired = ctx.timer(delay) => !matches!(fired, TimerResult::Fired),
                waited = ctx.wait_condition(|s| s.cancel_requested) => {
                    let _ = waited;
                    true
                },
                changed = ctx.wait_condition(|s| s.cards_changed > s.cards_seen) => {
                    let _ = changed;
                    false
                },
            };
            ctx.state_mut(|s| s.cards_seen = s.cards_changed);
            // A past-due subscription has no paid period left to run: a cancel ends it now.
            if cancelled {
                return Ok(Err(SubscriptionEnd::Cancelled));
            }
            attempt += 1;
        }
    }

    /// A charge attempt whose outcome is unknown: a renewal reads `past_due` (its benefits stop
    /// until it is paid), and the attempt is made again after the input's retry delay.
    async fn unsettled(
        ctx: &mut WorkflowContext<Self>,
        input: &SubscriptionInput,
    ) -> WorkflowResult<()> {
        if input.period_index > 0 && ctx.state(|s| s.status) == SubscriptionStatus::Active {
            Self::record(ctx, Standing::PastDue).await?;
            Self::set_status(ctx, SubscriptionStatus::PastDue);
        }
        let retry = input
            .unsettled_retry_seconds
            .map_or(options::UNSETTLED_RETRY, |s| {
                Duration::from_secs(u64::from(s))
            });
        let _ = ctx.timer(retry).await;
        Ok(())
    }

    /// Records the ending and answers with the final view. An ending that cannot be recorded
    /// (the database away for the local activity's five minutes) fails the run, so it shows as
    /// failed in the Temporal UI instead of leaving a row that reads live.
    async fn end(
        ctx: &mut WorkflowContext<Self>,
        reason: SubscriptionEnd,
    ) -> WorkflowResult<SubscriptionView> {
        Self::record(ctx, Standing::Ended(reason)).await?;
        ctx.state_mut(|s| s.ended = Some(reason));
        Self::set_status(ctx, SubscriptionStatus::Ended);
        Ok(ctx.state(Self::view))
    }

    async fn record(ctx: &mut WorkflowContext<Self>, standing: Standing) -> WorkflowResult<()> {
        let subscription_id = ctx.state(|s| s.input.subscription_id);
        ctx.execute_local_activity(
            SubscriptionActivities::record_subscription_standing,
            StandingRequest {
                subscription_id,
                standing,
            },
            options::db_step(),
        )
        .await?;
        Ok(())
    }

    fn set_status(ctx: &mut WorkflowContext<Self>, status: SubscriptionStatus) {
        ctx.state_mut(|s| s.status = status);
        let [step, since] = crate::ops::step_attributes(status.as_str(), now_ms(ctx));
        ctx.upsert_search_attributes([
            SA_SUBSCRIPTION_STATUS.value_set(status.as_str().into()),
            step,
            since,
        ]);
    }
}

/// The workflow's clock (replayed from history), in ms since the epoch.
fn now_ms(ctx: &WorkflowContext<SubscriptionWorkflow>) -> i64 {
    ctx.workflow_time()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
