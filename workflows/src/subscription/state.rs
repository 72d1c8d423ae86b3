//! Pure decisions of the subscription workflow: what follows a declined charge, and how long
//! to wait for a period's end.

use std::time::Duration;

/// What to do after attempt `attempt` of a renewal was declined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterDecline {
    /// Try again after this long (dunning).
    RetryAfter(Duration),
    /// Every retry was declined: the subscription ends.
    GiveUp,
}

/// Dunning: attempt `n` (1-based) declined is retried after `dunning[n - 1]` seconds, while
/// there are retries left. The first period is never dunned: a customer whose card is refused
/// at sign-up is told at once and nothing starts.
pub fn after_decline(period_index: u32, attempt: u32, dunning_seconds: &[u32]) -> AfterDecline {
    if period_index == 0 {
        return AfterDecline::GiveUp;
    }
    let retry = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
    match dunning_seconds.get(retry) {
        Some(&secs) => AfterDecline::RetryAfter(Duration::from_secs(u64::from(secs))),
        None => AfterDecline::GiveUp,
    }
}

/// How long from `now_ms` until `end_ms` (zero if it has passed).
pub fn until(end_ms: i64, now_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(end_ms.saturating_sub(now_ms)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declined_renewal_is_retried_after_each_dunning_delay_then_given_up() {
        let dunning = [60, 120];
        assert_eq!(
            after_decline(1, 1, &dunning),
            AfterDecline::RetryAfter(Duration::from_secs(60))
        );
        assert_eq!(
            after_decline(1, 2, &dunning),
            AfterDecline::RetryAfter(Duration::from_secs(120))
        );
        assert_eq!(after_decline(1, 3, &dunning), AfterDecline::GiveUp);
    }

    #[test]
    fn the_first_period_is_never_dunned() {
        assert_eq!(after_decline(0, 1, &[60]), AfterDecline::GiveUp);
    }

    #[test]
    fn no_dunning_configured_gives_up_at_the_first_decline() {
        assert_eq!(after_decline(4, 1, &[]), AfterDecline::GiveUp);
    }

    #[test]
    fn a_period_end_in_the_past_is_due_at_once() {
        assert_eq!(until(1_000, 2_000), Duration::ZERO);
        assert_eq!(until(2_500, 2_000), Duration::from_millis(500));
    }
}
