//! Settling with theater partners (docs/SETTLEMENT.md).
//!
//! `SettlementScheduleWorkflow` is what each partner's Temporal Schedule (`settlement-{partner}`)
//! starts at every period's end: it asks which of the partner's periods are due (the one just
//! ended, any missed while the platform or the schedule was down, any whose run failed) and
//! settles them oldest first, each in a child `SettlementWorkflow`. A failed child fails the run,
//! and the schedule (created with pause-on-failure) stops for that partner until an operator
//! resumes it.
//!
//! `SettlementWorkflow` (`settlement-{partner}-{period}`) settles one period: it computes the
//! lines (set-based, in one transaction that also writes the ledger), writes the CSV and PDF
//! report, records the payout, then tells every booking `SettlementDone`, a page at a time,
//! continuing as new every few pages so its history stays short at any volume. The workflow id
//! is the period's: a second start is refused, so a period is settled and paid once.

use crate::booking::options::db_step;
use mtbp_activities::SettlementActivities;
use mtbp_activities::settlements::{
    DueRequest, FailRequest, PageTold, SettleRequest, SettlementSummary, SignalPage,
};
use mtbp_domain::settlement::{settlement_id, settlement_workflow_id};
use mtbp_domain::{BookingId, PartnerId};
use serde::{Deserialize, Serialize};
use std::time::{Duration, UNIX_EPOCH};
use temporalio_common::RetryPolicy;
use temporalio_common::search_attributes::SearchAttributeKey;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityExecutionError, ActivityOptions, ChildWorkflowOptions, ContinueAsNewOptions,
    WorkflowContext, WorkflowContextView, WorkflowResult,
};
use uuid::Uuid;

pub mod schedule;

/// `PartnerId` search attribute (Keyword).
pub const SA_PARTNER_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("PartnerId");
/// `SettlementPeriod` search attribute (Keyword).
pub const SA_SETTLEMENT_PERIOD: SearchAttributeKey<String> =
    SearchAttributeKey::keyword("SettlementPeriod");
/// `SettlementStatus` search attribute (Keyword): `running`, `computed`, `reported`, `paid`,
/// `signalling`, `done` or `failed`.
pub const SA_SETTLEMENT_STATUS: SearchAttributeKey<String> =
    SearchAttributeKey::keyword("SettlementStatus");

/// Bookings told per page.
pub const PAGE: u32 = 500;
/// Pages per run before it continues as new.
pub const PAGES_PER_RUN: u32 = 20;

/// What a schedule's run is for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScheduleInput {
    /// The partner.
    pub partner_id: PartnerId,
}

/// What one period's settlement is.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SettlementInput {
    /// The partner.
    pub partner_id: PartnerId,
    /// The period's name.
    pub period: String,
    /// Where a run continued as new left off telling the bookings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Resume>,
}

/// Where a run continued as new left off.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Resume {
    /// The last booking told.
    pub after: Option<BookingId>,
    /// Bookings told so far.
    pub told: u64,
    /// Of them, closed already.
    pub closed: u64,
    /// The settlement as computed.
    pub summary: Option<SettlementSummary>,
}

impl SettlementInput {
    /// The workflow id: the partner's and the period's.
    pub fn workflow_id(&self) -> String {
        settlement_workflow_id(self.partner_id, &self.period)
    }
}

/// Where a settlement stands: its `status` query and its result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementView {
    /// The settlement's id.
    pub settlement_id: Uuid,
    /// The period.
    pub period: String,
    /// `running`, `computed`, `reported`, `paid`, `signalling`, `done` or `failed`.
    pub status: String,
    /// Bookings with a line.
    pub bookings: i32,
    /// What is paid out.
    pub payout_minor: i64,
    /// Bookings told `SettlementDone` so far.
    pub told: u64,
    /// Of them, whose workflows had closed already.
    pub closed: u64,
    /// Why it failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The steps that talk to the database, the bucket or Temporal: retried with backoff for a
/// few minutes, then the run fails (and the schedule pauses) for an operator to look.
fn step(start_to_close: Duration) -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(start_to_close)
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_secs(1))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(30))
                .maximum_attempts(10)
                .build(),
        )
        .build()
}

fn why(err: &ActivityExecutionError) -> String {
    let mut failure = err.failure();
    while let Some(cause) = failure.and_then(|f| f.cause.as_deref()) {
        failure = Some(cause);
    }
    failure.map_or_else(|| err.to_string(), |f| f.message.clone())
}

/// One period's settlement. Workflow id `settlement-{partner_id}-{period}`.
#[workflow]
pub struct SettlementWorkflow {
    input: SettlementInput,
    view: SettlementView,
}

#[workflow_methods]
impl SettlementWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: SettlementInput) -> Self {
        let view = SettlementView {
            settlement_id: settlement_id(input.partner_id, &input.period),
            period: input.period.clone(),
            status: "running".into(),
            ..SettlementView::default()
        };
        Self { input, view }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<SettlementView> {
        let input = ctx.state(|s| s.input.clone());
        let id = settlement_id(input.partner_id, &input.period);
        ctx.upsert_search_attributes([
            SA_PARTNER_ID.value_set(input.partner_id.to_string()),
            SA_SETTLEMENT_PERIOD.value_set(input.period.clone()),
        ]);
        match Self::settle(ctx, &input, id).await {
            Ok(Some(next)) => {
                let never = ctx.continue_as_new(next, ContinueAsNewOptions::default())?;
                match never {}
            }
            Ok(None) => {
                Self::set_status(ctx, "done");
                Ok(ctx.state(|s| s.view.clone()))
            }
            Err(e) => {
                let why = why(&e);
                ctx.state_mut(|s| s.view.error = Some(why.clone()));
                Self::set_status(ctx, "failed");
                let _ = ctx
                    .execute_local_activity(
                        SettlementActivities::fail_settlement,
                        FailRequest {
                            settlement_id: id,
                            why: why.clone(),
                        },
                        db_step(),
                    )
                    .await;
                Err(e.into())
            }
        }
    }

    /// Where the settlement stands.
    #[query]
    pub fn status(&self, _ctx: &WorkflowContextView) -> SettlementView {
        self.view.clone()
    }
}

impl SettlementWorkflow {
    /// The steps; `Some` to continue as new from there.
    async fn settle(
        ctx: &mut WorkflowContext<Self>,
        input: &SettlementInput,
        id: Uuid,
    ) -> Result<Option<SettlementInput>, ActivityExecutionError> {
        let mut resume = input.resume.clone().unwrap_or_default();
        if resume.summary.is_none() {
            Self::set_status(ctx, "running");
            let req = SettleRequest {
                partner_id: input.partner_id,
                period: input.period.clone(),
            };
            let summary = ctx
                .execute_activity(
                    SettlementActivities::compute_settlement,
                    req,
                    step(Duration::from_secs(120)),
                )
                .await?;
            ctx.state_mut(|s| {
                s.view.bookings = summary.bookings;
                s.view.payout_minor = summary.payout_minor;
            });
            Self::set_status(ctx, "computed");
            ctx.execute_activity(
                SettlementActivities::write_settlement_report,
                id,
                step(Duration::from_secs(300)),
            )
            .await?;
            Self::set_status(ctx, "reported");
            ctx.execute_activity(
                SettlementActivities::pay_out,
                id,
                step(Duration::from_secs(30)),
            )
            .await?;
            Self::set_status(ctx, "paid");
            resume.summary = Some(summary);
        } else if let Some(summary) = &resume.summary {
            ctx.state_mut(|s| {
                s.view.bookings = summary.bookings;
                s.view.payout_minor = summary.payout_minor;
                s.view.told = resume.told;
                s.view.closed = resume.closed;
            });
        }
        Self::set_status(ctx, "signalling");
        for _ in 0..PAGES_PER_RUN {
            let page: PageTold = ctx
                .execute_activity(
                    SettlementActivities::signal_settled,
                    SignalPage {
                        settlement_id: id,
                        after: resume.after,
                        limit: PAGE,
                    },
                    step(Duration::from_secs(120)),
                )
                .await?;
            resume.after = page.last;
            resume.told += u64::from(page.count);
            resume.closed += u64::from(page.closed);
            ctx.state_mut(|s| {
                s.view.told = resume.told;
                s.view.closed = resume.closed;
            });
            if page.done {
                ctx.execute_activity(
                    SettlementActivities::finish_settlement,
                    id,
                    step(Duration::from_secs(30)),
                )
                .await?;
                return Ok(None);
            }
        }
        Ok(Some(SettlementInput {
            resume: Some(resume),
            ..input.clone()
        }))
    }

    fn set_status(ctx: &WorkflowContext<Self>, status: &'static str) {
        ctx.state_mut(|s| s.view.status = status.to_owned());
        let now = crate::ops::epoch_ms(ctx.workflow_time());
        let [step, since] = crate::ops::step_attributes(status, now);
        // A failed settlement waits for an operator (the schedule pauses for its partner).
        let failed = status == "failed";
        ctx.upsert_search_attributes([
            SA_SETTLEMENT_STATUS.value_set(status.into()),
            crate::booking::types::SA_NEEDS_OPERATOR.value_set(failed),
            step,
            since,
        ]);
    }
}

/// What a schedule's run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRunView {
    /// The periods it settled.
    pub settled: Vec<String>,
    /// The periods another run had settled or was settling.
    pub skipped: Vec<String>,
}

/// A partner's settlement schedule's run: settles every due period, oldest first.
#[workflow]
pub struct SettlementScheduleWorkflow {
    input: ScheduleInput,
    view: ScheduleRunView,
}

#[workflow_methods]
impl SettlementScheduleWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: ScheduleInput) -> Self {
        Self {
            input,
            view: ScheduleRunView::default(),
        }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<ScheduleRunView> {
        let partner_id = ctx.state(|s| s.input.partner_id);
        ctx.upsert_search_attributes([SA_PARTNER_ID.value_set(partner_id.to_string())]);
        let now_ms = ctx
            .workflow_time()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let due = ctx
            .execute_local_activity(
                SettlementActivities::due_settlements,
                DueRequest { partner_id, now_ms },
                db_step(),
            )
            .await?;
        for period in due {
            let input = SettlementInput {
                partner_id,
                period: period.clone(),
                resume: None,
            };
            let opts = ChildWorkflowOptions::builder()
                .workflow_id(input.workflow_id())
                // A failed run may be run again; a completed one never is.
                .id_reuse_policy(temporalio_sdk::WorkflowIdReusePolicy::AllowDuplicateFailedOnly)
                .static_summary(format!("settlement of {period}"))
                .build();
            let started = ctx
                .start_child_workflow(SettlementWorkflow::run, input, opts)
                .await;
            let Ok(child) = started else {
                // Settled already, or being settled by another run: paid once.
                ctx.state_mut(|s| s.view.skipped.push(period));
                continue;
            };
            child.result().await?;
            ctx.state_mut(|s| s.view.settled.push(period));
        }
        Ok(ctx.state(|s| s.view.clone()))
    }

    /// What the run has done so far.
    #[query]
    pub fn status(&self, _ctx: &WorkflowContextView) -> ScheduleRunView {
        self.view.clone()
    }
}
