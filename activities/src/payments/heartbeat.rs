//! Heartbeats around a gateway call, and the call dropped as soon as Temporal cancels it.

use std::future::Future;
use std::time::Duration;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// How often a running activity tells Temporal it is alive; well under the heartbeat timeout of
/// the gateway activity options, so one late heartbeat is no failure.
const EVERY: Duration = Duration::from_secs(2);

/// Runs `work`, heartbeating meanwhile. Temporal delivers a cancellation (the workflow's, or the
/// attempt's own time-out) with a heartbeat's answer; `work` is then dropped at its next await,
/// and the activity reports itself cancelled.
pub async fn heartbeating<T>(
    ctx: &ActivityContext,
    work: impl Future<Output = Result<T, ActivityError>>,
) -> Result<T, ActivityError> {
    let mut work = std::pin::pin!(work);
    // The first heartbeat after `EVERY`, not at once: a call that answers in time (nearly all
    // of them) costs Temporal no heartbeat at all.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + EVERY, EVERY);
    loop {
        tokio::select! {
            biased;
            () = ctx.cancelled() => return Err(ActivityError::cancelled()),
            done = &mut work => return done,
            _ = tick.tick() => {
                // A heartbeat that cannot be sent is retried at the next tick; the server's
                // heartbeat timeout decides when the attempt is lost, not this loop.
                let _ = ctx.record_heartbeat(()).await;
            }
        }
    }
}
