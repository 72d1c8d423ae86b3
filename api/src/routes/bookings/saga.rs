//! Starting booking sagas after the API's own hold (a transactional outbox of workflow starts).
//!
//! `POST /bookings` holds seats in one PostgreSQL transaction that also records the saga's input
//! in `saga_starts`; the hold is bounded by the database, not by a workflow task. The workflow
//! is then started three ways, all idempotent (see
//! `mtbp_workflows::booking::start`):
//! 1. right away, by the API that held the seats, before it answers (see [`start_now`]);
//! 2. on demand, by [`ensure_started`], before any update is sent to the booking's workflow;
//! 3. by [`run_relay`], which starts whatever is left (an API that died between commit and
//!    start, a Temporal outage), so no hold is ever without the saga that expires or sells it.
//!
//! Until its workflow runs, a hold is still safe: its seats lapse by `held_until` on their own.

use crate::error::ApiError;
use crate::state::AppState;
use mtbp_workflows::{BookingInput, BookingWorkflow, start_options};
use std::time::Duration;
use temporalio_client::errors::WorkflowStartError;
use uuid::Uuid;

/// How old an unstarted saga must be before the relay takes it: younger ones are being started
/// by the API that held the seats.
const RELAY_GRACE: &str = "2 seconds";
/// How often the relay looks, and how many sagas it starts at a time.
const RELAY_INTERVAL: Duration = Duration::from_secs(1);
const RELAY_BATCH: i64 = 200;

/// Starts the saga recorded for `booking_id` and forgets the record.
async fn start(state: &AppState, booking_id: Uuid, input: BookingInput) -> Result<(), ApiError> {
    let options = start_options(&input, &state.config.settings.task_queue);
    match state
        .temporal
        .start_workflow(BookingWorkflow::run, input, options)
        .await
    {
        // Running (started now or by another starter) or already closed: either way started.
        Ok(_) | Err(WorkflowStartError::AlreadyStarted { .. }) => {}
        Err(WorkflowStartError::Rpc(status)) => return Err(super::temporal_error::rpc(&status)),
        Err(other) => return Err(ApiError::Internal(anyhow::Error::new(other))),
    }
    sqlx::query("delete from saga_starts where booking_id = $1")
        .bind(booking_id)
        .execute(&state.db)
        .await?;
    Ok(())
}

fn parse_input(booking_id: Uuid, input: serde_json::Value) -> Result<BookingInput, ApiError> {
    serde_json::from_value(input).map_err(|e| {
        ApiError::Internal(anyhow::anyhow!(
            "saga input of booking {booking_id} does not parse: {e}"
        ))
    })
}

/// Starts the saga right after its hold committed, before the customer is answered, so that
/// whoever acts on the booking next (the customer, an operator in the Temporal UI) finds its
/// workflow. At most `MTBP_SAGA_STARTS_IN_FLIGHT` starts run at once and the rest wait: when the
/// orchestrator slows down, holds slow down with it instead of piling up sagas it cannot run
/// within their hold. A start that fails or takes longer than [`START_WAIT`] is left to the
/// relay (and to [`ensure_started`]); the hold stands either way.
pub async fn start_now(state: &AppState, booking_id: Uuid, input: serde_json::Value) {
    let started = tokio::time::timeout(START_WAIT, async {
        let _permit = state
            .saga_starts
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e)))?;
        start(state, booking_id, parse_input(booking_id, input)?).await
    })
    .await;
    match started {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(booking.id = %booking_id, error = %e, "saga start deferred to the relay");
        }
        Err(_) => {
            tracing::warn!(booking.id = %booking_id, "saga start slow; deferred to the relay")
        }
    }
}

/// How long `POST /bookings` waits to start the saga before answering without it.
const START_WAIT: Duration = Duration::from_secs(5);

/// Makes sure the booking's workflow runs before an update is sent to it.
pub async fn ensure_started(state: &AppState, booking_id: Uuid) -> Result<(), ApiError> {
    let pending: Option<serde_json::Value> =
        sqlx::query_scalar("select input from saga_starts where booking_id = $1")
            .bind(booking_id)
            .fetch_optional(&state.db)
            .await?;
    match pending {
        Some(input) => start(state, booking_id, parse_input(booking_id, input)?).await,
        None => Ok(()),
    }
}

/// Starts, once a second, every saga whose hold committed more than two seconds ago and whose
/// workflow no one started. Runs until the task is aborted.
pub async fn run_relay(state: AppState) {
    let mut tick = tokio::time::interval(RELAY_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match relay_once(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sagas = n, "relay started sagas left unstarted"),
            Err(e) => tracing::warn!(error = %e, "saga relay failed; retrying"),
        }
    }
}

/// One pass of the relay; how many sagas it started.
pub async fn relay_once(state: &AppState) -> Result<usize, ApiError> {
    let rows: Vec<(Uuid, serde_json::Value)> = sqlx::query_as(
        "select booking_id, input from saga_starts
          where created_at < now() - $1::interval
          order by created_at limit $2",
    )
    .bind(RELAY_GRACE)
    .bind(RELAY_BATCH)
    .fetch_all(&state.db)
    .await?;
    let n = rows.len();
    for (booking_id, input) in rows {
        match parse_input(booking_id, input) {
            Ok(input) => start(state, booking_id, input).await?,
            // Logged, not retried in a loop: an operator must look at it.
            Err(e) => tracing::error!(booking.id = %booking_id, error = %e, "unstartable saga"),
        }
    }
    Ok(n)
}
