//! What a booking costs in round trips to the Temporal server, split into before the customer's
//! answer (the `pay` update's completion in the history) and after it:
//! - from a sample of the run's booking histories: workflow tasks (`WorkflowTaskScheduled`),
//!   remote activity tasks (`ActivityTaskScheduled`; local activities run inside a workflow
//!   task and cost none), search-attribute upserts, and whether the saga was started before
//!   the `pay` was sent (by the relay) or on its path;
//! - from the API's own counts (`GET /health` → `temporal_calls`, read before and after the
//!   run): the calls the API made to the server per booking, those a request waited for and
//!   those the relay made in the background.

use super::Target;
use super::closed_loop::Timed;
use crate::ApiClient;
use anyhow::Context;
use mtbp_domain::BookingId;
use mtbp_workflows::BookingWorkflow;
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use temporalio_client::WorkflowFetchHistoryOptions;
use temporalio_common::protos::temporal::api::enums::v1::EventType;
use temporalio_common::protos::temporal::api::history::v1::HistoryEvent;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

/// The API's calls to Temporal since it started (`GET /health` → `temporal_calls`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiCalls {
    /// Saga starts a request waited for (an API from before Update-with-Start).
    pub start: u64,
    /// Update-with-Start calls.
    pub update_with_start: u64,
    /// Updates sent to running sagas.
    pub update: u64,
    /// Polls for an update's outcome.
    pub poll_update: u64,
    /// Starts by the relay, off the request's path.
    pub relay_start: u64,
}

impl ApiCalls {
    fn minus(&self, before: &Self) -> Self {
        Self {
            start: self.start.saturating_sub(before.start),
            update_with_start: self
                .update_with_start
                .saturating_sub(before.update_with_start),
            update: self.update.saturating_sub(before.update),
            poll_update: self.poll_update.saturating_sub(before.poll_update),
            relay_start: self.relay_start.saturating_sub(before.relay_start),
        }
    }
}

/// Round trips per booking (means over the sample, or over the run for the API's calls).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Trips {
    /// Histories read.
    pub sampled: usize,
    /// Workflow tasks before the customer's answer.
    pub workflow_tasks_before: f64,
    /// Workflow tasks after it.
    pub workflow_tasks_after: f64,
    /// Remote activity tasks before the answer.
    pub activity_tasks_before: f64,
    /// Remote activity tasks after it.
    pub activity_tasks_after: f64,
    /// Search-attribute upserts before the answer.
    pub upserts_before: f64,
    /// Search-attribute upserts after it.
    pub upserts_after: f64,
    /// History events in all.
    pub events: f64,
    /// Share of sampled sagas started before their `pay` was sent (by the relay).
    pub started_before_pay: f64,
    /// The API's calls a `pay` waited for, per completed booking.
    pub api_calls_on_path: f64,
    /// The API's background calls (relay starts) per completed booking.
    pub api_calls_off_path: f64,
    /// The API's calls over the run, by kind.
    pub api_calls: ApiCalls,
}

impl Trips {
    /// Server round trips the customer waits for: workflow tasks, activity tasks and API calls
    /// before the answer.
    pub fn on_path(&self) -> f64 {
        self.workflow_tasks_before + self.activity_tasks_before + self.api_calls_on_path
    }
}

/// The API's counts now.
pub async fn api_calls(api: &ApiClient) -> anyhow::Result<ApiCalls> {
    let health = api.get_json("/health").await?;
    serde_json::from_value(health["temporal_calls"].clone())
        .context("GET /health has no temporal_calls (an API older than the counts?)")
}

/// Reads up to `sample` histories of `done` (spread over the run) and the API's calls between
/// `before` and `after`, into round trips per booking.
pub async fn measure(
    target: &Target,
    done: &[Timed],
    sample: usize,
    before: &ApiCalls,
    after: &ApiCalls,
) -> anyhow::Result<Trips> {
    let calls = after.minus(before);
    let completed = done.len().max(1) as f64;
    let mut trips = Trips {
        api_calls_on_path: (calls.start
            + calls.update_with_start
            + calls.update
            + calls.poll_update) as f64
            / completed,
        api_calls_off_path: calls.relay_start as f64 / completed,
        api_calls: calls,
        ..Trips::default()
    };
    let stride = (done.len() / sample.max(1)).max(1);
    let mut counts = Vec::new();
    for timed in done.iter().step_by(stride).take(sample) {
        let id = BookingId::from_uuid(timed.booking_id).workflow_id();
        let events = closed_history(target, &id).await?;
        counts.push(count(&events, timed.pay_sent));
    }
    let n = counts.len().max(1) as f64;
    let mean = |f: fn(&Counted) -> f64| counts.iter().map(f).sum::<f64>() / n;
    trips.sampled = counts.len();
    trips.workflow_tasks_before = mean(|c| c.wft[0]);
    trips.workflow_tasks_after = mean(|c| c.wft[1]);
    trips.activity_tasks_before = mean(|c| c.activities[0]);
    trips.activity_tasks_after = mean(|c| c.activities[1]);
    trips.upserts_before = mean(|c| c.upserts[0]);
    trips.upserts_after = mean(|c| c.upserts[1]);
    trips.events = mean(|c| c.events);
    trips.started_before_pay = mean(|c| f64::from(u8::from(c.started_before_pay)));
    Ok(trips)
}

/// The history once the workflow has closed or is parked on its reminder's timer (a timer
/// started after the customer's answer): waits up to 30 s, since a saga may still be finishing
/// its steps after the answer.
async fn closed_history(target: &Target, workflow_id: &str) -> anyhow::Result<Vec<HistoryEvent>> {
    let handle = target
        .temporal
        .get_workflow_handle::<BookingWorkflow>(workflow_id.to_owned());
    let until = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let events = handle
            .fetch_history(WorkflowFetchHistoryOptions::default())
            .into_events()
            .await
            .with_context(|| format!("history of {workflow_id}"))?;
        let closed = events.last().is_some_and(|e| {
            e.event_type == EventType::WorkflowExecutionCompleted as i32
                || e.event_type == EventType::WorkflowExecutionFailed as i32
        });
        let answered = events
            .iter()
            .position(|e| e.event_type == EventType::WorkflowExecutionUpdateCompleted as i32);
        let parked = answered.is_some_and(|at| {
            events[at..]
                .iter()
                .any(|e| e.event_type == EventType::TimerStarted as i32 || waits_for_settlement(e))
        });
        if closed || parked || std::time::Instant::now() >= until {
            return Ok(events);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether `e` moved the saga to its last step, the wait for the partner's settlement.
pub(crate) fn waits_for_settlement(e: &HistoryEvent) -> bool {
    match &e.attributes {
        Some(Attributes::UpsertWorkflowSearchAttributesEventAttributes(a)) => a
            .search_attributes
            .as_ref()
            .and_then(|s| s.indexed_fields.get("BookingStep"))
            .is_some_and(|p| String::from_utf8_lossy(&p.data).contains("waiting for settlement")),
        _ => false,
    }
}

/// One history's counts, `[before the answer, after it]`.
struct Counted {
    wft: [f64; 2],
    activities: [f64; 2],
    upserts: [f64; 2],
    events: f64,
    started_before_pay: bool,
}

fn count(events: &[HistoryEvent], pay_sent: SystemTime) -> Counted {
    // The customer's answer: the `pay` update's completion (its id is `pay-{quote seq}`).
    let answered = events
        .iter()
        .position(|e| match &e.attributes {
            Some(Attributes::WorkflowExecutionUpdateCompletedEventAttributes(a)) => a
                .meta
                .as_ref()
                .is_some_and(|m| m.update_id.starts_with("pay-")),
            _ => false,
        })
        .unwrap_or(events.len());
    let mut c = Counted {
        wft: [0.0; 2],
        activities: [0.0; 2],
        upserts: [0.0; 2],
        events: events.len() as f64,
        started_before_pay: false,
    };
    for (i, e) in events.iter().enumerate() {
        let side = usize::from(i > answered);
        match EventType::try_from(e.event_type) {
            Ok(EventType::WorkflowTaskScheduled) => c.wft[side] += 1.0,
            Ok(EventType::ActivityTaskScheduled) => c.activities[side] += 1.0,
            Ok(EventType::UpsertWorkflowSearchAttributes) => c.upserts[side] += 1.0,
            Ok(EventType::WorkflowExecutionStarted) => {
                let at = e.event_time.as_ref().map(|t| {
                    UNIX_EPOCH
                        + Duration::new(
                            u64::try_from(t.seconds).unwrap_or(0),
                            u32::try_from(t.nanos).unwrap_or(0),
                        )
                });
                c.started_before_pay = at.is_some_and(|at| at < pay_sent);
            }
            _ => {}
        }
    }
    c
}
