//! Activity option profiles of the booking saga, one helper per profile.

use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_sdk::{ActivityOptions, LocalActivityOptions, WorkflowCancellationToken};

/// A short database step run as a local activity on the workflow's worker: no server round
/// trip, retried quickly, bounded so a stuck database surfaces within a minute.
pub fn db_step() -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(Duration::from_secs(5))
        .schedule_to_close_timeout(Duration::from_secs(60))
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_millis(50))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(2))
                .build(),
        )
        .build()
}

/// A call to the payment gateway: a few attempts over two minutes. `start_to_close` is short
/// so a worker that dies mid-call is noticed quickly and the call retried elsewhere.
pub fn gateway_call() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(10))
        .schedule_to_start_timeout(Duration::from_secs(60))
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_millis(500))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(10))
                .maximum_attempts(8)
                .build(),
        )
        .build()
}

/// Retry for ever, backing off to a minute: a compensation must finish, and while it cannot,
/// ops see the pending activity and its last failure in the Temporal UI.
fn forever() -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(Duration::from_millis(200))
        .backoff_coefficient(2.0)
        .maximum_interval(Duration::from_secs(60))
        .build()
}

/// A compensating database step. It has its own cancellation token, so it still runs when the
/// workflow itself is being cancelled.
pub fn compensation_db_step() -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(Duration::from_secs(5))
        .retry_policy(forever())
        .cancellation_token(WorkflowCancellationToken::new())
        .build()
}

/// A compensating gateway call, also detached from workflow cancellation.
pub fn compensation_gateway_call() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(10))
        .retry_policy(forever())
        .cancellation_token(WorkflowCancellationToken::new())
        .build()
}
