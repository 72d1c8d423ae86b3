//! Starting booking sagas after the API's own hold (a transactional outbox of workflow starts).
//!
//! `POST /bookings` holds seats in one PostgreSQL transaction that also records the saga's input
//! in `saga_starts`, and answers as soon as it commits: the hold is bounded by the database,
//! not by a workflow round trip. The workflow is then started three ways, all idempotent (see
//! `mtbp_workflows::booking::start`):
//! 1. right away, in the background, by the API that held the seats;
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

/// Starts the saga in the background, right after its hold committed. At most
/// `MTBP_SAGA_STARTS_IN_FLIGHT` run at once; a start that fails is left to the relay.
pub fn start_soon(state: &AppState, booking_id: Uuid, input: serde_json::Value) {
    let state = state.clone();
    tokio::spawn(async move {
        let Ok(_permit) = state.saga_starts.acquire().await else {
            return;
        };
        let started = match parse_input(booking_id, input) {
            Ok(input) => start(&state, booking_id, input).await,
            Err(e) => Err(e),
        };
        if let Err(e) = started {
            tracing::warn!(booking.id = %booking_id, error = %e, "saga start deferred to the relay");
        }
    });
}

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
