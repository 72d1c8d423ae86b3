//! Activity options of notifications, shared by every workflow that notifies (the booking
//! saga's confirmation, cancellation, refund and reminder steps, and announcements).

use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_sdk::{ActivityCloseTimeouts, ActivityOptions};

/// One attempt: every SMTP step has its own timeout (`MTBP_SMTP_TIMEOUT_SECONDS`, 10 s by
/// default), a message takes at most about six steps, and two channels are tried in turn.
const ATTEMPT: Duration = Duration::from_secs(150);

/// The notify and announcement-batch activities: retried with backoff from 5 s, doubling to at
/// most 10 minutes between attempts, for up to 6 hours (the SMTP server or SNS away for a
/// while). A message's record is claimed before it is sent, so no retry sends it twice; after
/// `MAX_SEND_ATTEMPTS` definite failures of one message the activity answers anyway.
pub fn notify_call() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: Duration::from_secs(6 * 3600),
        start_to_close: ATTEMPT,
    })
    .retry_policy(
        RetryPolicy::builder()
            .initial_interval(Duration::from_secs(5))
            .backoff_coefficient(2.0)
            .maximum_interval(Duration::from_secs(600))
            .build(),
    )
    .build()
}

/// A short read (an announcement's audience page, a reminder's due time).
pub fn read_call() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: Duration::from_secs(30 * 60),
        start_to_close: Duration::from_secs(30),
    })
    .retry_policy(
        RetryPolicy::builder()
            .initial_interval(Duration::from_secs(1))
            .backoff_coefficient(2.0)
            .maximum_interval(Duration::from_secs(60))
            .build(),
    )
    .build()
}
