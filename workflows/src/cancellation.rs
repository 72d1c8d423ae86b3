//! Cancelling paid bookings.
//!
//! `CancellationWorkflow` (`cancellation-{cancellation_id}`) cancels some seats of a paid booking,
//! or all: it applies the quote in one transaction (the seats back on sale at once), gives the
//! money back through the gateway (keyed by the cancellation's id, so a retry or a crash refunds
//! once), issues the credit note, tells the theater and the customer, and ends a wholly
//! cancelled booking's own workflow. The customer's, an operator's, a theater's refusal and a
//! cancelled show all come through here.
//!
//! `ShowCancellationWorkflow` (`show-cancellation-{show_id}`) closes the show first (nothing new is
//! sold), then cancels every booking of it: unpaid sagas are cancelled (they compensate, refunding
//! what a payment in flight took), paid bookings each get a child `CancellationWorkflow` with an
//! id derived from the show and the booking, a bounded number at a time, until a pass finds
//! nothing left.

use crate::booking::BookingWorkflow;
use crate::booking::types::BookingCancelled;
use crate::notify::notify_call;
use mtbp_activities::cancellations::{
    Actor, ApplyOutcome, ApplyRequest, CloseShowRequest, PlanRequest, Planned,
};
use mtbp_activities::invoices::CreditNoteInput;
use mtbp_activities::notify::NotifyInput;
use mtbp_activities::theater::TheaterCancel;
use mtbp_activities::{
    CancellationActivities, InvoiceActivities, NotifyActivities, TheaterActivities,
};
use mtbp_domain::invoice::CreditScope;
use mtbp_domain::{AccountId, BookingId, NotificationKind, ShowId};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_common::search_attributes::SearchAttributeKey;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityCloseTimeouts, ActivityOptions, ChildWorkflowOptions, LocalActivityOptions,
    SignalWorkflowOptions, WorkflowContext, WorkflowContextView, WorkflowResult,
};
use uuid::Uuid;

/// The refund the gateway will not make waits for an operator (`refund_failed`, `NeedsOperator`)
/// instead of failing the workflow.
const PATCH_REFUND_OPERATOR: &str = "cancellation-refund-operator-1";

/// The `patched` marker of cancellations that record their shape in the first task: every patch
/// above is present, none is asked after a local activity (see the booking saga's
/// `patches-at-start-1` for why that can fail replay).
const PATCH_AT_START: &str = "cancellation-patches-at-start-1";

type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// An operator's word on a refund that failed (the `operate_refund` update).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundDecision {
    /// `true`: the money went back by other means (by hand at the gateway), go on; `false`:
    /// try the refund again (its key is the cancellation's, so it is made once).
    pub resolved: bool,
    /// Who decided.
    pub operator_id: AccountId,
    /// Why, for the record.
    pub note: String,
}

/// `CancellationStatus` search attribute (Keyword).
pub const SA_CANCELLATION_STATUS: SearchAttributeKey<String> =
    SearchAttributeKey::keyword("CancellationStatus");

/// How a cancellation starts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CancellationInput {
    /// Its id; the workflow id is `cancellation-{id}`.
    pub cancellation_id: Uuid,
    /// The booking.
    pub booking_id: BookingId,
    /// The seats, or `None` for all that are left.
    pub seats: Option<Vec<String>>,
    /// Who cancels.
    pub actor: Actor,
    /// Their account, when a person.
    pub actor_id: Option<AccountId>,
    /// Why: the policy's words or the operator's note (ids and facts only).
    pub reason: String,
    /// The quote the API answered the customer with; `None` to quote when the workflow runs.
    pub planned: Option<Planned>,
}

impl CancellationInput {
    /// The workflow id of a cancellation.
    pub fn workflow_id(id: Uuid) -> String {
        format!("cancellation-{id}")
    }
}

/// Where a cancellation stands: the `status` query and the workflow's result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancellationView {
    /// `planning`, `applied`, `refund_failed` (waiting for an operator), `refunded`, `done` or
    /// `refused`.
    pub status: String,
    /// Why it was refused, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// What it cancels and gives back, once quoted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<Planned>,
    /// What went back to the card, once refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_minor: Option<i64>,
    /// Steps after the refund that could not be done (the credit note, the theater, a message),
    /// for ops; the cancellation stands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

fn db_step() -> LocalActivityOptions {
    crate::booking::options::db_step()
}

/// The refund: retried with backoff for as long as it takes (the seats are already back on
/// sale, the money is owed); ops see the pending activity and its last failure.
fn refund_call() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(45))
        .heartbeat_timeout(Duration::from_secs(10))
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_millis(500))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(60))
                .build(),
        )
        .build()
}

/// The theater's and the document's steps: retried for a day, then recorded as a problem.
fn outside_call(start_to_close: Duration) -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: Duration::from_secs(24 * 3600),
        start_to_close,
    })
    .retry_policy(
        RetryPolicy::builder()
            .initial_interval(Duration::from_secs(1))
            .backoff_coefficient(2.0)
            .maximum_interval(Duration::from_secs(300))
            .build(),
    )
    .build()
}

/// One cancellation of a paid booking.
#[workflow]
pub struct CancellationWorkflow {
    input: CancellationInput,
    view: CancellationView,
    decision: Option<RefundDecision>,
}

#[workflow_methods]
impl CancellationWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: CancellationInput) -> Self {
        Self {
            view: CancellationView {
                status: "planning".into(),
                planned: input.planned.clone(),
                ..CancellationView::default()
            },
            input,
            decision: None,
        }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<CancellationView> {
        let at_start = ctx.patched(PATCH_AT_START);
        let input = ctx.state(|s| s.input.clone());
        let planned = match input.planned.clone() {
            Some(p) => p,
            None => {
                let req = PlanRequest {
                    booking_id: input.booking_id,
                    seats: input.seats.clone(),
                    actor: input.actor,
                    cancellation_id: Some(input.cancellation_id),
                };
                match ctx
                    .execute_local_activity(
                        CancellationActivities::plan_cancellation,
                        req,
                        db_step(),
                    )
                    .await?
                {
                    Ok(p) => p,
                    Err(why) => return Ok(Self::refuse(ctx, why)),
                }
            }
        };
        ctx.state_mut(|s| s.view.planned = Some(planned.clone()));
        let apply = ApplyRequest {
            cancellation_id: input.cancellation_id,
            planned: planned.clone(),
            actor: input.actor,
            actor_id: input.actor_id,
            reason: input.reason.clone(),
        };
        let applied = ctx
            .execute_local_activity(CancellationActivities::apply_cancellation, apply, db_step())
            .await?;
        if let ApplyOutcome::Stale(why) = applied {
            return Ok(Self::refuse(ctx, why));
        }
        Self::set_status(ctx, "applied");
        let refunded = if at_start || ctx.patched(PATCH_REFUND_OPERATOR) {
            Self::refund_or_wait(ctx, &planned).await?
        } else {
            ctx.execute_activity(
                CancellationActivities::refund_cancellation,
                input.cancellation_id,
                refund_call(),
            )
            .await?
        };
        ctx.state_mut(|s| s.view.refunded_minor = Some(refunded));
        Self::set_status(ctx, "refunded");

        let scope = if planned.whole {
            CreditScope::Full
        } else {
            CreditScope::Items(planned.seats.clone())
        };
        let credit = CreditNoteInput {
            booking_id: input.booking_id,
            refund_key: input.cancellation_id.to_string(),
            scope,
        };
        if let Err(e) = ctx
            .execute_activity(
                InvoiceActivities::issue_credit_note,
                credit,
                outside_call(Duration::from_secs(60)),
            )
            .await
        {
            Self::problem(ctx, format!("credit note: {e}"));
        }
        let tell = TheaterCancel {
            booking_id: input.booking_id,
            seats: (!planned.whole).then(|| planned.seats.clone()),
            reason: input.reason.clone(),
        };
        if let Err(e) = ctx
            .execute_activity(
                TheaterActivities::tell_theater_cancelled,
                tell,
                outside_call(Duration::from_secs(20)),
            )
            .await
        {
            Self::problem(ctx, format!("theater: {e}"));
        }
        let mut kinds = vec![NotificationKind::Cancellation];
        if refunded > 0 {
            kinds.push(NotificationKind::Refund);
        }
        for kind in kinds {
            let msg = NotifyInput {
                booking_id: input.booking_id,
                kind,
            };
            if let Err(e) = ctx
                .execute_activity(NotifyActivities::notify, msg, notify_call())
                .await
            {
                Self::problem(ctx, format!("{} not sent: {e}", kind.as_str()));
            }
        }
        ctx.execute_local_activity(
            CancellationActivities::finish_cancellation,
            input.cancellation_id,
            db_step(),
        )
        .await?;
        if planned.whole {
            // The booking's own workflow stops waiting for its reminder; one already closed
            // (reminded, or an older history) has nothing to stop.
            let _ = ctx
                .external_workflow(input.booking_id.workflow_id(), None)
                .signal(
                    BookingWorkflow::booking_cancelled,
                    BookingCancelled {
                        cancellation_id: input.cancellation_id.to_string(),
                        refunded: refunded > 0,
                    },
                    SignalWorkflowOptions::default(),
                )
                .await;
        }
        Self::set_status(ctx, "done");
        Ok(ctx.state(|s| s.view.clone()))
    }

    /// Where the cancellation stands.
    #[query]
    pub fn status(&self, _ctx: &WorkflowContextView) -> CancellationView {
        self.view.clone()
    }

    #[update_validator(operate_refund)]
    fn validate_operate_refund(
        &self,
        _ctx: &WorkflowContextView,
        req: &RefundDecision,
    ) -> Result<(), HandlerError> {
        use crate::booking::refusal::Refusal;
        Refusal::check_note(&req.note)?;
        if self.view.status != "refund_failed" || self.decision.is_some() {
            return Err(Refusal::NotApplicable
                .because("the cancellation's refund is not waiting for an operator")
                .into());
        }
        Ok(())
    }

    /// An operator retries the refund that failed, or says it was made by other means; answers
    /// once the cancellation has taken the decision (the refund retried runs on after).
    #[update]
    pub async fn operate_refund(
        ctx: &mut WorkflowContext<Self>,
        req: RefundDecision,
    ) -> Result<CancellationView, HandlerError> {
        ctx.state_mut(|s| s.decision = Some(req));
        ctx.wait_condition(|s| s.decision.is_none()).await?;
        Ok(ctx.state(|s| s.view.clone()))
    }
}

impl CancellationWorkflow {
    fn set_status(ctx: &WorkflowContext<Self>, status: &str) {
        ctx.state_mut(|s| s.view.status = status.to_owned());
        let now = crate::ops::epoch_ms(ctx.workflow_time());
        let [step, since] = crate::ops::step_attributes(status, now);
        let booking = ctx.state(|s| s.input.booking_id.to_string());
        ctx.upsert_search_attributes([
            SA_CANCELLATION_STATUS.value_set(status.to_owned()),
            crate::ops::SA_BOOKING_ID.value_set(vec![booking]),
            step,
            since,
        ]);
    }

    /// Refunds; when the gateway will not (or the retries run out), the cancellation waits for
    /// an operator (`refund_failed`, `NeedsOperator = true`) rather than failing with the money
    /// owed: `operate_refund` retries it or records that it was made by hand.
    async fn refund_or_wait(
        ctx: &mut WorkflowContext<Self>,
        planned: &Planned,
    ) -> WorkflowResult<i64> {
        let id = ctx.state(|s| s.input.cancellation_id);
        let mut flagged = false;
        loop {
            let failure = match ctx
                .execute_activity(
                    CancellationActivities::refund_cancellation,
                    id,
                    refund_call(),
                )
                .await
            {
                Ok(refunded) => {
                    if flagged {
                        Self::needs_operator(ctx, false);
                    }
                    return Ok(refunded);
                }
                Err(e) => crate::booking::why(&e),
            };
            Self::problem(ctx, format!("refund: {failure}"));
            Self::set_status(ctx, "refund_failed");
            Self::needs_operator(ctx, true);
            flagged = true;
            ctx.wait_condition(|s| s.decision.is_some()).await?;
            let decision = ctx.state_mut(|s| s.decision.take());
            if decision.is_some_and(|d| d.resolved) {
                Self::needs_operator(ctx, false);
                Self::problem(
                    ctx,
                    "refund: made by an operator outside the platform".into(),
                );
                return Ok(planned.quote.refund_minor);
            }
            Self::set_status(ctx, "applied");
        }
    }

    fn needs_operator(ctx: &WorkflowContext<Self>, flagged: bool) {
        ctx.upsert_search_attributes([crate::booking::types::SA_NEEDS_OPERATOR.value_set(flagged)]);
    }

    fn refuse(ctx: &WorkflowContext<Self>, why: String) -> CancellationView {
        ctx.state_mut(|s| s.view.refused = Some(why));
        Self::set_status(ctx, "refused");
        ctx.state(|s| s.view.clone())
    }

    fn problem(ctx: &WorkflowContext<Self>, what: String) {
        ctx.state_mut(|s| s.view.problems.push(what));
    }
}

/// How a show's cancellation starts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShowCancellationInput {
    /// The show; the workflow id is `show-cancellation-{show_id}`.
    pub show_id: ShowId,
    /// `Partner` or `Admin`.
    pub actor: Actor,
    /// Their account.
    pub actor_id: Option<AccountId>,
    /// Why.
    pub reason: String,
}

impl ShowCancellationInput {
    /// What ops find a show's cancellation by: the show, the partner who cancelled it (if a
    /// partner did), and its status and step from the start.
    pub fn attributes(
        show: ShowId,
        partner: Option<mtbp_domain::PartnerId>,
    ) -> temporalio_common::search_attributes::SearchAttributes {
        let mut attributes = vec![
            crate::booking::types::SA_SHOW_ID.value_set(show.to_string()),
            SA_CANCELLATION_STATUS.value_set("started".to_owned()),
            crate::ops::SA_SAGA_STEP.value_set(vec!["closing the show".to_owned()]),
        ];
        if let Some(partner) = partner {
            attributes.push(crate::settlement::SA_PARTNER_ID.value_set(partner.to_string()));
        }
        temporalio_common::search_attributes::SearchAttributes::new(attributes)
    }

    /// The workflow id of a show's cancellation.
    pub fn workflow_id(show: ShowId) -> String {
        format!("show-cancellation-{show}")
    }
}

/// Where a show's cancellation stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowCancellationView {
    /// `closing`, `cancelling` or `done`.
    pub status: String,
    /// Paid bookings of the show.
    pub bookings_total: i64,
    /// Of those, cancelled and refunded.
    pub bookings_done: i64,
    /// What went back so far.
    pub refunded_minor: i64,
    /// Cancellations that were refused (a booking that changed meanwhile), by booking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
}

/// How many bookings of a show are cancelled at once.
const AT_ONCE: usize = 10;

/// The id of the cancellation of `booking` by its show's cancellation: the same on every run,
/// so a crash, a replay or a second pass never cancels a booking twice.
pub fn show_cancellation_id(show: ShowId, booking: BookingId) -> Uuid {
    Uuid::new_v5(
        &show.as_uuid(),
        format!("show-cancellation:{booking}").as_bytes(),
    )
}

/// Cancels a show and every booking of it.
#[workflow]
pub struct ShowCancellationWorkflow {
    input: ShowCancellationInput,
    view: ShowCancellationView,
    /// Unpaid sagas already asked to cancel.
    cancelled_sagas: Vec<BookingId>,
}

#[workflow_methods]
impl ShowCancellationWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: ShowCancellationInput) -> Self {
        Self {
            input,
            view: ShowCancellationView {
                status: "closing".into(),
                ..ShowCancellationView::default()
            },
            cancelled_sagas: Vec::new(),
        }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<ShowCancellationView> {
        let input = ctx.state(|s| s.input.clone());
        let close = CloseShowRequest {
            show_id: input.show_id,
            actor: input.actor,
            actor_id: input.actor_id,
            reason: input.reason.clone(),
        };
        ctx.execute_local_activity(CancellationActivities::close_show, close, db_step())
            .await?;
        ctx.state_mut(|s| s.view.status = "cancelling".into());
        let mut idle_passes = 0;
        loop {
            let page = ctx
                .execute_local_activity(
                    CancellationActivities::show_bookings,
                    input.show_id,
                    db_step(),
                )
                .await?;
            ctx.state_mut(|s| {
                s.view.bookings_total = page.total;
                s.view.bookings_done = page.done;
                s.view.refunded_minor = page.refunded_minor;
            });
            // Unpaid sagas compensate on a workflow cancel: seats released, and a payment in
            // flight refunded (or, if its confirm won, the booking comes back as paid).
            for booking in &page.unpaid {
                if ctx.state(|s| s.cancelled_sagas.contains(booking)) {
                    continue;
                }
                // A saga not started yet (its relay starts it within a second) is asked
                // again on a later pass.
                let cancelled = ctx
                    .external_workflow(booking.workflow_id(), None)
                    .cancel(Some("the show was cancelled".into()))
                    .await;
                if cancelled.is_ok() {
                    ctx.state_mut(|s| s.cancelled_sagas.push(*booking));
                }
            }
            let paid: Vec<BookingId> = page
                .paid
                .iter()
                .copied()
                .filter(|b| {
                    let id = show_cancellation_id(input.show_id, *b);
                    ctx.state(|s| !s.view.refused.contains(&id.to_string()))
                })
                .collect();
            if paid.is_empty() && page.unpaid.is_empty() {
                break;
            }
            if paid.is_empty() {
                // Only sagas winding down: look again shortly, for a while.
                idle_passes += 1;
                if idle_passes > 120 {
                    break;
                }
                ctx.timer(Duration::from_secs(2)).await;
                continue;
            }
            idle_passes = 0;
            for batch in paid.chunks(AT_ONCE) {
                let mut started = Vec::new();
                for booking in batch {
                    let id = show_cancellation_id(input.show_id, *booking);
                    let child = CancellationInput {
                        cancellation_id: id,
                        booking_id: *booking,
                        seats: None,
                        actor: input.actor,
                        actor_id: input.actor_id,
                        reason: input.reason.clone(),
                        planned: None,
                    };
                    let opts =
                        ChildWorkflowOptions::workflow_id(CancellationInput::workflow_id(id));
                    // A start refused means an earlier run started it: its booking is
                    // cancelled, or soon will be, and a later pass checks.
                    if let Ok(handle) = ctx
                        .start_child_workflow(CancellationWorkflow::run, child, opts)
                        .await
                    {
                        started.push((id, handle));
                    }
                }
                for (id, handle) in started {
                    match handle.result().await {
                        Ok(view) if view.status == "refused" => {
                            ctx.state_mut(|s| s.view.refused.push(id.to_string()));
                        }
                        Ok(_) => {}
                        Err(_) => ctx.state_mut(|s| s.view.refused.push(id.to_string())),
                    }
                }
            }
        }
        let page = ctx
            .execute_local_activity(
                CancellationActivities::show_bookings,
                input.show_id,
                db_step(),
            )
            .await?;
        ctx.execute_local_activity(
            CancellationActivities::finish_show,
            input.show_id,
            db_step(),
        )
        .await?;
        ctx.state_mut(|s| {
            s.view.bookings_total = page.total;
            s.view.bookings_done = page.done;
            s.view.refunded_minor = page.refunded_minor;
            s.view.status = "done".into();
        });
        Ok(ctx.state(|s| s.view.clone()))
    }

    /// Where the show's cancellation stands.
    #[query]
    pub fn status(&self, _ctx: &WorkflowContextView) -> ShowCancellationView {
        self.view.clone()
    }
}
