//! Activity option profiles of the booking saga, one helper per profile.

use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_sdk::{
    ActivityCancellationType, ActivityCloseTimeouts, ActivityOptions, LocalActivityOptions,
    WaitConditionOptions, WorkflowCancellationToken,
};

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

/// The charge as scheduled before the money-safety patch (histories written then): a few
/// attempts over two minutes, an attempt that neither heartbeats nor stops when cancelled.
pub fn gateway_call() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(10))
        .schedule_to_start_timeout(Duration::from_secs(60))
        .retry_policy(gateway_retries(Duration::from_secs(10), 8))
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

/// The refund as scheduled before the money-safety patch (histories written then): detached
/// from workflow cancellation, retried for ever. Newer histories use [`refund_call`].
pub fn compensation_gateway_call() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(10))
        .retry_policy(forever())
        .cancellation_token(WorkflowCancellationToken::new())
        .build()
}

/// How long one charge or refund attempt may take: longer than every gateway call it can make
/// in a row (at most four, 8 s each with the client's own timeout), so an attempt never times
/// out while a call it made is still on the wire.
const GATEWAY_ATTEMPT: Duration = Duration::from_secs(45);
/// A gateway attempt heartbeats every 2 s; one silent for this long is lost (its worker died)
/// and retried elsewhere, without waiting for the whole attempt's timeout.
const GATEWAY_HEARTBEAT: Duration = Duration::from_secs(10);

/// Retries of a gateway call from half a second, doubling up to `max_interval`; `attempts`
/// of them at most (0: no limit but the activity's timeouts).
fn gateway_retries(max_interval: Duration, attempts: u32) -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(Duration::from_millis(500))
        .backoff_coefficient(2.0)
        .maximum_interval(max_interval)
        .maximum_attempts(attempts)
        .build()
}

/// The charge: attempts that heartbeat and stop when cancelled, and a workflow that waits for
/// that stop (`WaitCancellationCompleted`) before it compensates, so no attempt keeps charging
/// behind the compensation's back.
pub fn charge_call() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(GATEWAY_ATTEMPT)
        .heartbeat_timeout(GATEWAY_HEARTBEAT)
        .schedule_to_start_timeout(Duration::from_secs(60))
        .cancellation_type(ActivityCancellationType::WaitCancellationCompleted)
        .retry_policy(gateway_retries(Duration::from_secs(10), 8))
        .build()
}

/// The refund compensation: detached from workflow cancellation, retried with backoff for up
/// to half an hour; after that (or at once, for a refusal) the booking waits for an operator.
pub fn refund_call() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: Duration::from_secs(30 * 60),
        start_to_close: GATEWAY_ATTEMPT,
    })
    .heartbeat_timeout(GATEWAY_HEARTBEAT)
    // Bounded by the half hour above, not by a number of attempts.
    .retry_policy(gateway_retries(Duration::from_secs(60), 0))
    .cancellation_token(WorkflowCancellationToken::new())
    .build()
}

/// The seat confirmation: detached from workflow cancellation, so a cancel that arrives while
/// the seats are being booked waits for the confirm's real outcome instead of abandoning it.
pub fn confirm_step() -> LocalActivityOptions {
    let mut options = db_step();
    options.cancellation_token = Some(WorkflowCancellationToken::new());
    options
}

/// A wait that outlives workflow cancellation: an update handler that answers with the
/// booking's real final state once the compensations ran (not "wait cancelled"), and a
/// compensation that still waits for its operator after a cancel from the Temporal UI.
pub fn detached_wait() -> WaitConditionOptions {
    WaitConditionOptions::builder()
        .cancellation_token(WorkflowCancellationToken::new())
        .build()
}

/// Issuing the invoice: numbering, the PDFs and their upload in one attempt of a minute (the
/// S3 client's own calls time out within 10 s); retried for a quarter of an hour before the
/// customer is told without the document.
pub fn invoice_call() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: Duration::from_secs(15 * 60),
        start_to_close: Duration::from_secs(60),
    })
    .retry_policy(gateway_retries(Duration::from_secs(60), 0))
    .build()
}

/// The invoice again, once the customer has been told: retried until it is issued, backing
/// off to ten minutes (ops see the pending activity and its last failure in the Temporal UI).
pub fn invoice_retry_call() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(60))
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_secs(1))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(600))
                .build(),
        )
        .build()
}

/// Sharing with the theater: an attempt of 20 s (each box office call times out within 3 s),
/// retried with backoff to a minute for as long as the theater is down: the customer has the
/// ticket, the theater must get the sale.
pub fn share_call() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(20))
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_secs(1))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(60))
                .build(),
        )
        .build()
}

/// Releasing a live theater's lock after a compensation: retried for ten minutes (the lock
/// lapses by itself at the theater by then anyway).
pub fn release_call() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: Duration::from_secs(600),
        start_to_close: Duration::from_secs(20),
    })
    .retry_policy(gateway_retries(Duration::from_secs(30), 0))
    .cancellation_token(WorkflowCancellationToken::new())
    .build()
}

/// An operator's task (resend, re-share, retry after the payment): three attempts within a
/// minute, so the operator who asked gets an answer while they wait, and may ask again.
pub fn operator_call() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: Duration::from_secs(60),
        start_to_close: Duration::from_secs(20),
    })
    .retry_policy(
        RetryPolicy::builder()
            .initial_interval(Duration::from_secs(1))
            .backoff_coefficient(2.0)
            .maximum_interval(Duration::from_secs(5))
            .maximum_attempts(3)
            .build(),
    )
    .build()
}
