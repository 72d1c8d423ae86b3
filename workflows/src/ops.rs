//! What operators see of every workflow: the search attributes they filter on (beside each
//! workflow's own status attribute), the amount bands, and the saga timeline a booking's query
//! answers with. Ids and figures only: no name, email or phone ever reaches an attribute, a memo
//! or a timeline.

use mtbp_domain::Money;
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};
use temporalio_common::search_attributes::{SearchAttributeKey, SearchAttributeUpdate, Timestamp};

/// `SagaStep` search attribute: the step a workflow is in, in the words of its query
/// (`"charging the payment"`, `"computing"`…). A KeywordList of one value (`SagaStep =
/// 'charging the payment'` matches it): the dev server's SQLite visibility has only ten Keyword
/// attributes, all taken, and a KeywordList filters the same way.
pub const SA_SAGA_STEP: SearchAttributeKey<Vec<String>> =
    SearchAttributeKey::keyword_list("SagaStep");
/// `StepStartedAt` search attribute (Datetime): when the workflow entered that step; with
/// `ExecutionStatus = 'Running'`, finds what sits in one step for longer than it should.
pub const SA_STEP_STARTED_AT: SearchAttributeKey<Timestamp> =
    SearchAttributeKey::datetime("StepStartedAt");
/// `AmountBand` search attribute (a KeywordList of one value, as `SagaStep`): `{currency}:{band}`
/// of what the workflow moves (a booking's total), see [`amount_band`].
pub const SA_AMOUNT_BAND: SearchAttributeKey<Vec<String>> =
    SearchAttributeKey::keyword_list("AmountBand");
/// `BookingId` search attribute (a KeywordList of one value, as `SagaStep`): the booking a
/// workflow other than the booking's own works on (a cancellation).
pub const SA_BOOKING_ID: SearchAttributeKey<Vec<String>> =
    SearchAttributeKey::keyword_list("BookingId");

/// The bands of [`amount_band`], in major units of the currency.
const BANDS: [(i64, &str); 5] = [
    (100, "0-99"),
    (500, "100-499"),
    (2_000, "500-1999"),
    (10_000, "2000-9999"),
    (50_000, "10000-49999"),
];

/// The band of an amount: `INR:500-1999` for ₹750, `INR:50000+` above the last band. Bands are
/// coarse on purpose: an attribute to find big payments by, not an amount to read.
pub fn amount_band(money: &Money) -> String {
    let major = money.amount_minor.max(0) / 100;
    let band = BANDS
        .iter()
        .find(|(below, _)| major < *below)
        .map_or("50000+", |(_, name)| name);
    format!("{}:{band}", money.currency)
}

/// A search-attribute timestamp of `ms` since the epoch.
pub fn timestamp(ms: i64) -> Timestamp {
    Timestamp::new(
        ms.div_euclid(1000),
        i32::try_from(ms.rem_euclid(1000) * 1_000_000).unwrap_or(0),
    )
}

/// `SagaStep` and `StepStartedAt` of a workflow entering `step` at `now_ms` (for workflows whose
/// status is their step: subscriptions, cancellations, settlements).
pub fn step_attributes(step: &str, now_ms: i64) -> [SearchAttributeUpdate; 2] {
    [
        SA_SAGA_STEP.value_set(vec![step.to_owned()]),
        SA_STEP_STARTED_AT.value_set(timestamp(now_ms)),
    ]
}

/// Milliseconds since the epoch of a workflow's clock (0 before the first activation).
pub fn epoch_ms(time: Option<SystemTime>) -> i64 {
    time.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// One step of a saga as its timeline shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineStep {
    /// The step, in the words of the `step` field (`"charging the payment"`).
    pub step: String,
    /// When it began (ms since the epoch, the workflow's clock).
    pub started_at_ms: i64,
    /// When the next step took over; `None` while it is the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at_ms: Option<i64>,
    /// How many times the saga has entered this step (an operator's retry enters it again).
    pub attempt: u32,
    /// What went wrong in it, if anything did (an activity's own words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A step that undoes another (a refund, a release), or an operator waiting.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compensation: bool,
    /// The operator who made the saga enter it, with their note (for operator actions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

/// A saga's steps in order, built as its `step` changes. Bounded: past [`Timeline::MAX`]
/// steps the oldest after the first are dropped (a long-lived subscription renews for years).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// The steps, oldest first.
    pub steps: Vec<TimelineStep>,
}

impl Timeline {
    /// Most steps kept.
    pub const MAX: usize = 64;

    /// The saga entered `step` at `now_ms`: the current step ends, unless it is this one.
    pub fn enter(&mut self, step: &str, now_ms: i64, compensation: bool) {
        if self
            .steps
            .last()
            .is_some_and(|s| s.step == step && s.ended_at_ms.is_none())
        {
            return;
        }
        if let Some(current) = self.steps.last_mut() {
            current.ended_at_ms.get_or_insert(now_ms);
        }
        let attempt = 1 + self.steps.iter().filter(|s| s.step == step).count();
        self.steps.push(TimelineStep {
            step: step.to_owned(),
            started_at_ms: now_ms,
            ended_at_ms: None,
            attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
            error: None,
            compensation,
            operator: None,
        });
        if self.steps.len() > Self::MAX {
            self.steps.remove(1);
        }
    }

    /// The current step went wrong: why, in the activity's words (the latest error stands).
    pub fn fail(&mut self, error: &str) {
        if let Some(current) = self.steps.last_mut() {
            current.error = Some(error.chars().take(500).collect());
        }
    }

    /// An operator acted: a step of its own, closed at once, saying who and why.
    pub fn operator(&mut self, action: &str, who: &str, now_ms: i64) {
        self.enter(action, now_ms, false);
        if let Some(current) = self.steps.last_mut() {
            current.operator = Some(who.chars().take(300).collect());
        }
    }

    /// The saga ended at `now_ms`: its last step closes.
    pub fn close(&mut self, now_ms: i64) {
        if let Some(current) = self.steps.last_mut() {
            current.ended_at_ms.get_or_insert(now_ms);
        }
    }

    /// When the current step began.
    pub fn current_since_ms(&self) -> Option<i64> {
        self.steps.last().map(|s| s.started_at_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mtbp_domain::Currency;

    fn inr(minor: i64) -> Money {
        Money {
            amount_minor: minor,
            currency: Currency::parse("INR").expect("INR"),
        }
    }

    #[test]
    fn amounts_fall_in_coarse_bands() {
        assert_eq!(amount_band(&inr(0)), "INR:0-99");
        assert_eq!(amount_band(&inr(75_000)), "INR:500-1999");
        assert_eq!(amount_band(&inr(199_999)), "INR:500-1999");
        assert_eq!(amount_band(&inr(200_000)), "INR:2000-9999");
        assert_eq!(amount_band(&inr(9_000_000)), "INR:50000+");
        assert_eq!(amount_band(&inr(-5)), "INR:0-99");
    }

    #[test]
    fn a_timeline_closes_each_step_when_the_next_begins() {
        let mut t = Timeline::default();
        t.enter("waiting for payment", 1_000, false);
        t.enter("waiting for payment", 1_500, false);
        t.enter("charging the payment", 2_000, false);
        t.fail("card declined");
        t.enter("refunding the payment", 3_000, true);
        t.operator("operator: retry", "op-1: gateway back", 4_000);
        t.enter("refunding the payment", 4_000, true);
        t.close(5_000);
        let steps: Vec<_> = t
            .steps
            .iter()
            .map(|s| (s.step.as_str(), s.started_at_ms, s.ended_at_ms, s.attempt))
            .collect();
        assert_eq!(
            steps,
            vec![
                ("waiting for payment", 1_000, Some(2_000), 1),
                ("charging the payment", 2_000, Some(3_000), 1),
                ("refunding the payment", 3_000, Some(4_000), 1),
                ("operator: retry", 4_000, Some(4_000), 1),
                ("refunding the payment", 4_000, Some(5_000), 2),
            ]
        );
        assert_eq!(t.steps[1].error.as_deref(), Some("card declined"));
        assert!(t.steps[2].compensation && !t.steps[1].compensation);
        assert_eq!(t.steps[3].operator.as_deref(), Some("op-1: gateway back"));
    }

    #[test]
    fn a_timeline_keeps_its_first_step_and_the_latest_ones() {
        let mut t = Timeline::default();
        for i in 0..200 {
            t.enter(&format!("step {i}"), i, false);
        }
        assert_eq!(t.steps.len(), Timeline::MAX);
        assert_eq!(t.steps[0].step, "step 0");
        assert_eq!(t.steps[Timeline::MAX - 1].step, "step 199");
    }
}
