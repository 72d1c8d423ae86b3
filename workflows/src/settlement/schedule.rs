//! The Temporal Schedule of a partner's settlements, shaped from its contract: what the
//! `workers schedules` command and the contract API keep in step (no I/O here: the callers
//! send it with `mtbp_infra::temporal::ensure_schedule`).

use super::{ScheduleInput, SettlementScheduleWorkflow};
use mtbp_domain::settlement::Contract;
use mtbp_domain::{PartnerId, SettlementPeriod};
use std::time::Duration;
use temporalio_client::schedules::{
    ScheduleAction, ScheduleCalendarSpec, ScheduleIntervalSpec, ScheduleSpec,
};

/// Runs missed while the server was down are still started within this window (each run
/// settles every period due, so one late run catches all of them up).
pub const CATCHUP_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);

/// Minutes after a period's cut-off its run starts, so that payments committing at the
/// boundary are in (short periods wait a second).
pub const GRACE_MINUTES: u8 = 5;

/// When the schedule fires: just after each period of the contract ends, in its time zone.
pub fn spec(contract: &Contract) -> ScheduleSpec {
    if let Some(seconds) = contract.period_seconds.filter(|s| *s > 0) {
        let every = Duration::from_secs(seconds.into());
        let offset = (seconds >= 3).then(|| Duration::from_secs(1));
        return ScheduleSpec::builder()
            .intervals(vec![ScheduleIntervalSpec::new(every, offset)])
            .build();
    }
    let (day_of_month, day_of_week) = match contract.period {
        SettlementPeriod::Daily => ("*", "*"),
        // Temporal counts the week from Sunday (0): Monday is 1.
        SettlementPeriod::Weekly => ("*", "1"),
        SettlementPeriod::Monthly => ("1", "*"),
    };
    let calendar = ScheduleCalendarSpec::builder()
        .second("0")
        .minute(GRACE_MINUTES.to_string())
        .hour(contract.cutoff_hour.to_string())
        .day_of_month(day_of_month)
        .day_of_week(day_of_week)
        .comment("just after the contract's cut-off")
        .build();
    ScheduleSpec::builder()
        .calendars(vec![calendar])
        .timezone_name(contract.time_zone.clone())
        .build()
}

/// What the schedule starts: the partner's `SettlementScheduleWorkflow` on `task_queue`.
pub fn action(partner: PartnerId, task_queue: &str) -> ScheduleAction {
    ScheduleAction::start_workflow(
        SettlementScheduleWorkflow::run,
        ScheduleInput {
            partner_id: partner,
        },
        task_queue,
        format!("settlement-run-{partner}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weekly_contract_fires_on_mondays_after_its_cutoff_in_its_zone() {
        let c = Contract {
            cutoff_hour: 6,
            ..Contract::default()
        };
        let s = spec(&c);
        assert_eq!(s.timezone_name, "Asia/Kolkata");
        let cal = &s.calendars[0];
        assert_eq!((cal.hour.as_str(), cal.minute.as_str()), ("6", "5"));
        assert_eq!(cal.day_of_week, "1");
        assert!(s.intervals.is_empty());
    }

    #[test]
    fn a_short_period_fires_every_period_a_second_in() {
        let c = Contract {
            period_seconds: Some(4),
            ..Contract::default()
        };
        let s = spec(&c);
        assert!(s.calendars.is_empty());
        assert_eq!(s.intervals[0].every, Duration::from_secs(4));
        assert_eq!(s.intervals[0].offset, Some(Duration::from_secs(1)));
    }
}
