//! Counts of the calls this API process makes to the Temporal frontend for bookings, split into
//! the ones a request waits for (a `pay`, `cancel` or `extend` cannot answer before them) and the
//! ones the saga relay makes in the background. `GET /health` reports them, so a benchmark can
//! divide them by the bookings it made and see what the customer's path costs in round trips.

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use utoipa::ToSchema;

/// A kind of call to Temporal.
#[derive(Clone, Copy, Debug)]
pub enum Call {
    /// `ExecuteMultiOperation`: start the saga and send it an update in one call.
    UpdateWithStart,
    /// `UpdateWorkflowExecution` (returns once the update is accepted, or completed).
    Update,
    /// `PollWorkflowExecutionUpdate`: waits for an accepted update's outcome.
    PollUpdate,
    /// `StartWorkflowExecution` by the relay, off every request's path.
    RelayStart,
}

static COUNTS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

/// Counts one call of `kind`.
pub fn count(kind: Call) {
    COUNTS[kind as usize].fetch_add(1, Ordering::Relaxed);
}

/// The calls made since the process started.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct TemporalCalls {
    /// Update-with-Start calls a request waited for.
    pub update_with_start: u64,
    /// Updates sent to running sagas.
    pub update: u64,
    /// Polls for an update's outcome.
    pub poll_update: u64,
    /// Saga starts by the relay (no request waits for them).
    pub relay_start: u64,
}

/// The counts so far.
pub fn snapshot() -> TemporalCalls {
    let at = |k: Call| COUNTS[k as usize].load(Ordering::Relaxed);
    TemporalCalls {
        update_with_start: at(Call::UpdateWithStart),
        update: at(Call::Update),
        poll_update: at(Call::PollUpdate),
        relay_start: at(Call::RelayStart),
    }
}
