//! Starting booking sagas after the API's own hold (a transactional outbox of workflow starts).
//!
//! `POST /bookings` holds seats in one PostgreSQL transaction that also records the saga's input
//! in `saga_starts`, and answers 201 without waiting for Temporal: a rush of holds is bounded by
//! the database alone. The workflow is then started two ways, both idempotent (see
//! `mtbp_workflows::booking::start`):
//! 1. on demand, with the first update (pay, cancel, extend) sent to it: [`update_with_start`]
//!    starts it and delivers the update in one call (Update-with-Start);
//! 2. by [`run_relay`], which starts every saga whose hold is older than
//!    `MTBP_SAGA_RELAY_GRACE_MS`, oldest first, one at a time per API process.
//!
//! The relay holds no lock while it calls Temporal: it claims rows with a lease
//! (`saga_starts::claim`; replicas skip claimed rows) and deletes each once started, so a
//! customer's `pay` never waits behind it. A row Temporal cannot take now (unavailable, busy)
//! keeps its place and is backed off; a row that can never start (its input does not parse,
//! Temporal refuses it as invalid) moves to `saga_starts_failed` with its error, counted by
//! `GET /health`, so it never holds newer rows back.
//!
//! Until its workflow runs, a hold is still safe: its seats lapse by `held_until` on their own,
//! and a saga started after that expires the booking at once.

use crate::error::ApiError;
use crate::state::AppState;
use crate::temporal_calls::{self, Call};
use mtbp_domain::BookingId;
use mtbp_store::saga_starts::{self, Claimed};
use mtbp_workflows::{BookingInput, BookingWorkflow, start_options, update_with_start_options};
use std::time::Duration;
use temporalio_client::WorkflowUpdateHandle;
use temporalio_client::errors::{
    WorkflowStartError, WorkflowUpdateError, WorkflowUpdateWithStartError,
};
use temporalio_client::tonic::Code;
use temporalio_common::{HasWorkflowDefinition, UpdateDefinition};

/// How often the relay looks for unstarted sagas.
const RELAY_INTERVAL: Duration = Duration::from_millis(250);
/// Rows one relay pass claims.
const RELAY_BATCH: i64 = 16;
/// How long a claim keeps other relays off a row: far more than a pass takes.
const LEASE: Duration = Duration::from_secs(60);
/// The longest a row, or the relay, waits before trying Temporal again.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Why a saga did not start.
enum StartFailure {
    /// Temporal could not take it now (unavailable, overloaded): try again later.
    Transient(String),
    /// It never will (its input does not parse, Temporal refuses it as invalid).
    Permanent(String),
}

/// Starts the booking's workflow (the relay's call), in the hold's trace when it has one; `Ok`
/// when it runs or already ran.
async fn start_workflow(
    state: &AppState,
    input: serde_json::Value,
    trace_parent: Option<&str>,
) -> Result<(), StartFailure> {
    use opentelemetry::trace::FutureExt as _;
    let input: BookingInput = serde_json::from_value(input)
        .map_err(|e| StartFailure::Permanent(format!("the saga input does not parse: {e}")))?;
    let options = start_options(&input, &state.config.settings.task_queue);
    temporal_calls::count(Call::RelayStart);
    match state
        .temporal
        .start_workflow(BookingWorkflow::run, input, options)
        .with_context(mtbp_infra::telemetry::from_traceparent(trace_parent))
        .await
    {
        // Running (started now or by another starter) or already closed: either way started.
        Ok(_) | Err(WorkflowStartError::AlreadyStarted { .. }) => Ok(()),
        Err(WorkflowStartError::Rpc(status))
            if matches!(status.code(), Code::InvalidArgument | Code::OutOfRange) =>
        {
            Err(StartFailure::Permanent(format!(
                "temporal refused the start as invalid: {}",
                status.message()
            )))
        }
        Err(WorkflowStartError::Rpc(status)) => Err(StartFailure::Transient(format!(
            "the workflow service did not take the start: {:?}: {}",
            status.code(),
            status.message()
        ))),
        Err(WorkflowStartError::PayloadConversion(e)) => Err(StartFailure::Permanent(format!(
            "the saga input does not serialize: {e}"
        ))),
        Err(other) => Err(StartFailure::Transient(other.to_string())),
    }
}

/// Sends `update` to the booking's saga, starting the saga with it in one call
/// (Update-with-Start) when no one has started it yet: one round trip and one workflow task
/// fewer than a start followed by the update.
pub async fn update_with_start<U>(
    state: &AppState,
    booking_id: BookingId,
    update: U,
    input: U::Input,
    update_id: &str,
) -> Result<Started<U>, ApiError>
where
    U: UpdateDefinition<Workflow = <BookingWorkflow as HasWorkflowDefinition>::Run>,
    U::Input: Send,
{
    let Some(pending) = saga_starts::pending_input(&state.db, booking_id).await? else {
        return Ok(Started::NotPending(update, input));
    };
    let saga: BookingInput = match serde_json::from_value(pending) {
        Ok(saga) => saga,
        Err(e) => {
            let why = format!("the saga input does not parse: {e}");
            return Err(set_aside(state, booking_id, &why).await);
        }
    };
    let task_queue = &state.config.settings.task_queue;
    let options = update_with_start_options(&saga, task_queue, update_id.to_owned());
    temporal_calls::count(Call::UpdateWithStart);
    let sent = state
        .temporal
        .start_update_with_start_workflow(BookingWorkflow::run, saga, update, input, options)
        .await;
    match sent {
        Ok(handle) => {
            saga_starts::started(&state.db, booking_id).await?;
            Ok(Started::Sent(Box::new(handle)))
        }
        // Started, and its update refused (the validator's answer, or the saga closed under it).
        Err(WorkflowUpdateWithStartError::Update(e)) => {
            saga_starts::started(&state.db, booking_id).await?;
            Ok(Started::Failed(e))
        }
        // Started before and closed since (its id is never reused).
        Err(WorkflowUpdateWithStartError::Start(WorkflowStartError::AlreadyStarted { .. })) => {
            saga_starts::started(&state.db, booking_id).await?;
            Ok(Started::Closed)
        }
        Err(e) => match start_failure(e) {
            StartFailure::Transient(e) => Err(ApiError::Unavailable(e)),
            StartFailure::Permanent(e) => Err(set_aside(state, booking_id, &e).await),
        },
    }
}

/// The handle of an update sent to a booking's saga.
pub type UpdateHandle<T> = WorkflowUpdateHandle<temporalio_client::Client, T>;

/// What [`update_with_start`] did.
pub enum Started<U: UpdateDefinition> {
    /// No start was pending (the saga runs, or ran): the update and its input, to send as a
    /// plain update.
    NotPending(U, U::Input),
    /// The saga started with the update, which it accepted.
    Sent(Box<UpdateHandle<U::Output>>),
    /// The saga started; the update was refused or failed.
    Failed(WorkflowUpdateError),
    /// The saga had started before and has closed since: the booking's row is final.
    Closed,
}

/// Why an Update-with-Start could not start the saga.
fn start_failure(err: WorkflowUpdateWithStartError) -> StartFailure {
    let status = match err {
        WorkflowUpdateWithStartError::Start(WorkflowStartError::Rpc(status))
        | WorkflowUpdateWithStartError::Rpc(status) => status,
        WorkflowUpdateWithStartError::PayloadConversion(e) => {
            return StartFailure::Permanent(format!("the saga input does not serialize: {e}"));
        }
        other => return StartFailure::Transient(other.to_string()),
    };
    if matches!(status.code(), Code::InvalidArgument | Code::OutOfRange) {
        StartFailure::Permanent(format!(
            "temporal refused the start as invalid: {}",
            status.message()
        ))
    } else {
        StartFailure::Transient(format!(
            "the workflow service did not take the start: {:?}: {}",
            status.code(),
            status.message()
        ))
    }
}

/// Sets an unstartable saga aside (`saga_starts_failed`), logged; the error for the request.
async fn set_aside(state: &AppState, booking_id: BookingId, why: &str) -> ApiError {
    if let Err(e) = saga_starts::set_aside(&state.db, booking_id, why).await {
        return e.into();
    }
    tracing::error!(booking.id = %booking_id, "unstartable saga set aside");
    ApiError::Internal(anyhow::anyhow!(
        "the saga of booking {booking_id} cannot start"
    ))
}

/// How many sagas were set aside as unstartable (`saga_starts_failed`).
pub async fn unstartable_count(state: &AppState) -> Result<i64, ApiError> {
    Ok(saga_starts::failed_count(&state.db).await?)
}

/// Starts, every 250 ms, the sagas no one has started yet; while Temporal or the database
/// fail, it waits longer between passes (up to 30 s). Runs until the task is aborted.
pub async fn run_relay(state: AppState) {
    let mut tick = tokio::time::interval(RELAY_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pause = RELAY_INTERVAL;
    loop {
        tick.tick().await;
        loop {
            match relay_once(&state).await {
                Ok(0) => break,
                Ok(n) => {
                    pause = RELAY_INTERVAL;
                    tracing::debug!(sagas = n, "relay handled sagas");
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_ms = pause.as_millis(), "saga relay failed");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_BACKOFF);
                    break;
                }
            }
        }
    }
}

/// One pass of the relay: claims a batch and starts it, oldest first; how many rows it handled
/// (started, or set aside as unstartable). A transient failure backs its row off, gives the
/// rest of the batch back and ends the pass with the error.
pub async fn relay_once(state: &AppState) -> Result<usize, ApiError> {
    let batch =
        saga_starts::claim(&state.db, state.config.saga_relay_grace, LEASE, RELAY_BATCH).await?;
    let mut handled = 0;
    let mut rows = batch.into_iter();
    while let Some(Claimed {
        booking_id,
        input,
        attempts,
        trace_parent,
        ..
    }) = rows.next()
    {
        match start_workflow(state, input, trace_parent.as_deref()).await {
            Ok(()) => saga_starts::started(&state.db, booking_id).await?,
            Err(StartFailure::Permanent(e)) => {
                saga_starts::set_aside(&state.db, booking_id, &e).await?;
                tracing::error!(booking.id = %booking_id, "unstartable saga set aside");
            }
            Err(StartFailure::Transient(e)) => {
                saga_starts::back_off(&state.db, booking_id, backoff(attempts), &e).await?;
                let rest: Vec<BookingId> = rows.map(|c| c.booking_id).collect();
                saga_starts::release(&state.db, &rest).await?;
                return Err(ApiError::Unavailable(e));
            }
        }
        handled += 1;
    }
    Ok(handled)
}

/// How long a row waits after its `attempts`-th failed start: 1 s, doubling, up to 30 s.
fn backoff(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(5);
    (Duration::from_secs(1) * 2u32.pow(doublings)).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_row_backs_off_from_one_second_doubling_up_to_thirty() {
        let secs: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(0), Duration::from_secs(1));
    }
}
