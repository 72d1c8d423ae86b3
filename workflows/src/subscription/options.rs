//! Activity option profiles of the subscription workflow.

use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_sdk::{ActivityCancellationType, ActivityOptions, LocalActivityOptions};

/// One attempt at a period's charge: longer than every gateway call it makes in a row (at most
/// four, 8 s each with the client's own timeout); it heartbeats every 2 s.
const GATEWAY_ATTEMPT: Duration = Duration::from_secs(45);

/// How long after a charge attempt whose outcome stayed unknown (its activity gave up) the
/// same attempt is made again, unless the input says otherwise.
pub const UNSETTLED_RETRY: Duration = Duration::from_secs(15 * 60);

/// How long a charge attempt is retried, unless the input says otherwise.
const CHARGE_GIVE_UP: Duration = Duration::from_secs(30 * 60);

/// A period's charge. Retried with backoff for `give_up` (half an hour by default; the gateway
/// down, the database away): every retry reads back what the previous one recorded, so none
/// charges twice. A decline is an outcome, not a failure, and is not retried here (dunning
/// decides).
pub fn charge_call(give_up: Option<u32>) -> ActivityOptions {
    let give_up = give_up.map_or(CHARGE_GIVE_UP, |s| Duration::from_secs(u64::from(s)));
    ActivityOptions::with_close_timeouts(
        temporalio_sdk::ActivityCloseTimeouts::ScheduleAndStartToClose {
            schedule_to_close: give_up,
            start_to_close: GATEWAY_ATTEMPT,
        },
    )
    .heartbeat_timeout(Duration::from_secs(10))
    .cancellation_type(ActivityCancellationType::WaitCancellationCompleted)
    .retry_policy(
        RetryPolicy::builder()
            .initial_interval(Duration::from_millis(500))
            .backoff_coefficient(2.0)
            .maximum_interval(Duration::from_secs(60))
            .build(),
    )
    .build()
}

/// A short database write (the subscription's standing), run on the workflow's worker.
pub fn db_step() -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(Duration::from_secs(5))
        .schedule_to_close_timeout(Duration::from_secs(5 * 60))
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_millis(100))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(10))
                .build(),
        )
        .build()
}
