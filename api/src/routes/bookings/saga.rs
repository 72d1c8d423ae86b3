//! Starting booking sagas after the API's own hold (a transactional outbox of workflow starts).
//!
//! `POST /bookings` holds seats in one PostgreSQL transaction that also records the saga's input
//! in `saga_starts`, and answers 201 without waiting for Temporal: a rush of holds is bounded by
//! the database alone. The workflow is then started two ways, both idempotent (see
//! `mtbp_workflows::booking::start`):
//! 1. on demand, by [`ensure_started`], before any update (pay, cancel, extend) is sent to it;
//! 2. by [`run_relay`], which starts every saga whose hold is older than
//!    `MTBP_SAGA_RELAY_GRACE_MS`, oldest first, one at a time per API process (replicas share the
//!    rows through `for update skip locked`).
//!
//! Under a rush, customers who pay get their saga first and the relay drains the rest at the
//! pace Temporal allows. Until its workflow runs, a hold is still safe: its seats lapse by
//! `held_until` on their own, and a saga started after that expires the booking at once.

use crate::error::ApiError;
use crate::state::AppState;
use mtbp_workflows::{BookingInput, BookingWorkflow, start_options};
use std::time::Duration;
use temporalio_client::errors::WorkflowStartError;
use uuid::Uuid;

/// How often the relay looks for unstarted sagas.
const RELAY_INTERVAL: Duration = Duration::from_millis(250);
/// Rows one relay transaction locks and starts.
const RELAY_BATCH: i64 = 16;

/// Starts the booking's workflow; `Ok` when it runs or already ran.
async fn start_workflow(
    state: &AppState,
    booking_id: Uuid,
    input: serde_json::Value,
) -> Result<(), ApiError> {
    let input: BookingInput = serde_json::from_value(input).map_err(|e| {
        ApiError::Internal(anyhow::anyhow!(
            "saga input of booking {booking_id} does not parse: {e}"
        ))
    })?;
    let options = start_options(&input, &state.config.settings.task_queue);
    match state
        .temporal
        .start_workflow(BookingWorkflow::run, input, options)
        .await
    {
        // Running (started now or by another starter) or already closed: either way started.
        Ok(_) | Err(WorkflowStartError::AlreadyStarted { .. }) => Ok(()),
        Err(WorkflowStartError::Rpc(status)) => Err(super::temporal_error::rpc(&status)),
        Err(other) => Err(ApiError::Internal(anyhow::Error::new(other))),
    }
}

/// Makes sure the booking's workflow runs before an update is sent to it.
pub async fn ensure_started(state: &AppState, booking_id: Uuid) -> Result<(), ApiError> {
    let pending: Option<serde_json::Value> =
        sqlx::query_scalar("select input from saga_starts where booking_id = $1")
            .bind(booking_id)
            .fetch_optional(&state.db)
            .await?;
    if let Some(input) = pending {
        start_workflow(state, booking_id, input).await?;
        sqlx::query("delete from saga_starts where booking_id = $1")
            .bind(booking_id)
            .execute(&state.db)
            .await?;
    }
    Ok(())
}

/// Starts, every 250 ms, the sagas no one has started yet. Runs until the task is aborted.
pub async fn run_relay(state: AppState) {
    let mut tick = tokio::time::interval(RELAY_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        loop {
            match relay_once(&state).await {
                Ok(0) => break,
                Ok(n) => tracing::debug!(sagas = n, "relay started sagas"),
                Err(e) => {
                    tracing::warn!(error = %e, "saga relay failed; retrying");
                    break;
                }
            }
        }
    }
}

/// One batch of the relay, in one transaction that locks its rows (another API process skips
/// them); how many sagas it started. A failure rolls back: the rows stay for the next pass,
/// and sagas already started are found running then.
pub async fn relay_once(state: &AppState) -> Result<usize, ApiError> {
    let grace = state.config.saga_relay_grace.as_secs_f64();
    let mut tx = state.db.begin().await?;
    let rows: Vec<(Uuid, serde_json::Value)> = sqlx::query_as(
        "select booking_id, input from saga_starts
          where created_at < now() - make_interval(secs => $1)
          order by created_at limit $2
          for update skip locked",
    )
    .bind(grace)
    .bind(RELAY_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    let mut started = 0;
    for (booking_id, input) in rows {
        match start_workflow(state, booking_id, input).await {
            Ok(()) => started += 1,
            // Left in place and logged, not retried in a loop: an operator must look at it.
            // Its seats lapse by `held_until` meanwhile.
            Err(ApiError::Internal(e)) => {
                tracing::error!(booking.id = %booking_id, error = %e, "unstartable saga");
                continue;
            }
            Err(e) => return Err(e),
        }
        sqlx::query("delete from saga_starts where booking_id = $1")
            .bind(booking_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(started)
}
