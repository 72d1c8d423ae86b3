//! `BookingRepairWorkflow`: an operator's resend, re-share or retried invoice for a booking
//! whose own saga has ended (a platform-run venue's saga ends at `booked`; a settled one at
//! `SettlementDone`). The same activities the saga runs, idempotent as there: a message the
//! provider took is never sent twice, a sale the theater has is not sold again. Workflow id
//! `repair-{booking_id}-{action_id}`, started by the API, which awaits its answer.

use super::options;
use super::types::{OperatorCommand, OperatorTask};
use mtbp_activities::notify::NotifyInput;
use mtbp_activities::theater::ShareOutcome;
use mtbp_activities::{InvoiceActivities, NotifyActivities, TheaterActivities};
use mtbp_domain::BookingId;
use serde::{Deserialize, Serialize};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{ApplicationFailure, WorkflowContext, WorkflowContextView, WorkflowResult};

/// What to repair.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RepairInput {
    /// The booking.
    pub booking_id: BookingId,
    /// The operator's task (resend, re-share, retry the invoice), with who and why.
    pub command: OperatorCommand,
}

impl RepairInput {
    /// The workflow id of the repair recorded as `action_id`.
    pub fn workflow_id(&self, action_id: uuid::Uuid) -> String {
        format!("repair-{}-{action_id}", self.booking_id)
    }
}

/// One operator's repair of an ended saga.
#[workflow]
pub struct BookingRepairWorkflow {
    input: RepairInput,
}

#[workflow_methods]
impl BookingRepairWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: RepairInput) -> Self {
        Self { input }
    }

    /// Runs the task's step; answers what it did, or fails with the step's own words.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<String> {
        let input = ctx.state(|s| s.input.clone());
        let booking_id = input.booking_id;
        let answer = match input.command.task {
            OperatorTask::ResendNotification { kind } => {
                let sent = ctx
                    .execute_activity(
                        NotifyActivities::notify,
                        NotifyInput { booking_id, kind },
                        options::operator_call(),
                    )
                    .await?;
                format!(
                    "{} sent or already delivered ({} channels)",
                    kind.as_str(),
                    sent.channels.len()
                )
            }
            OperatorTask::ReshareWithTheater => {
                let shared = ctx
                    .execute_activity(
                        TheaterActivities::share_with_theater,
                        booking_id,
                        options::operator_call(),
                    )
                    .await?;
                match shared {
                    ShareOutcome::Shared { sale_id } => format!("shared (sale {sale_id})"),
                    ShareOutcome::NotConnected => "the theater is not connected".to_owned(),
                    ShareOutcome::Rejected { reason } => {
                        return Err(ApplicationFailure::non_retryable(format!(
                            "the theater refused the sale: {reason}"
                        ))
                        .into());
                    }
                }
            }
            OperatorTask::RetryStep => {
                ctx.execute_activity(
                    InvoiceActivities::issue_invoice,
                    booking_id,
                    options::operator_call(),
                )
                .await?;
                "invoice issued".to_owned()
            }
            OperatorTask::ForceExpire | OperatorTask::MarkResolved => {
                return Err(
                    ApplicationFailure::non_retryable("nothing to repair for this task").into(),
                );
            }
        };
        Ok(answer)
    }
}
