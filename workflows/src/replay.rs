//! A replayer that knows every workflow of mtbp, for replay tests of recorded histories.

use crate::{
    AnnouncementWorkflow, BookingWorkflow, CancellationWorkflow, SettlementScheduleWorkflow,
    SettlementWorkflow, ShowCancellationWorkflow, SubscriptionWorkflow,
};
use temporalio_client::WorkflowHistory;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

/// Replays `history_json` (as written by `WorkflowHistory::to_json`) against the current code;
/// an error means the code would make other decisions than the recorded run (nondeterminism).
pub async fn replay_history(history_json: &[u8]) -> anyhow::Result<()> {
    let history = WorkflowHistory::from_json(history_json)?;
    let replayer = WorkflowReplayer::new(
        WorkflowReplayerOptions::new()
            .register_workflow::<BookingWorkflow>()?
            .register_workflow::<crate::BookingRepairWorkflow>()?
            .register_workflow::<SubscriptionWorkflow>()?
            .register_workflow::<AnnouncementWorkflow>()?
            .register_workflow::<CancellationWorkflow>()?
            .register_workflow::<ShowCancellationWorkflow>()?
            .register_workflow::<SettlementWorkflow>()?
            .register_workflow::<SettlementScheduleWorkflow>()?
            .build(),
    )?;
    replayer.replay_workflow(history).await?;
    Ok(())
}
