//! Replays committed histories against the current workflow code: a change that would break
//! running bookings (nondeterminism) fails here, before it reaches a worker.
//!
//! Refresh a history after an intended, versioned change with
//! `MTBP_RECORD_HISTORY_DIR=$PWD/workflows/tests/histories cargo test -p mtbp-tests --test e2e -- histories`.

use mtbp_workflows::BookingWorkflow;
use temporalio_client::WorkflowHistory;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

async fn replay(file: &str) {
    let path = format!("{}/tests/histories/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let history = WorkflowHistory::from_json(&bytes).expect("a valid history");
    let replayer = WorkflowReplayer::new(
        WorkflowReplayerOptions::new()
            .register_workflow::<BookingWorkflow>()
            .expect("register")
            .build(),
    )
    .expect("replayer");
    replayer
        .replay_workflow(history)
        .await
        .unwrap_or_else(|e| panic!("{file} no longer replays: {e:?}"));
}

#[tokio::test]
async fn a_completed_booking_replays_deterministically() {
    replay("booking_completed.json").await;
}

#[tokio::test]
async fn a_declined_booking_replays_deterministically() {
    replay("booking_declined.json").await;
}

#[tokio::test]
async fn an_expired_booking_replays_deterministically() {
    replay("booking_expired.json").await;
}
