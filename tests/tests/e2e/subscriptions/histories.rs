//! Subscription workflow histories: every run of a subscription (one per period, chained by
//! continue-as-new) replays against the current code, and with `MTBP_RECORD_HISTORY_DIR` set
//! the first period's run and the two endings (cancelled, dunned out) are saved for the
//! committed replay tests in `workflows/tests/`.

use super::*;
use mtbp_workflows::SubscriptionWorkflow;
use temporalio_client::{WorkflowExecutionInfo, WorkflowFetchHistoryOptions, WorkflowHandle};
use temporalio_common::protos::temporal::api::enums::v1::EventType;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

/// One run's history as JSON, and the run it continued from (if any).
async fn run_history(
    app: &TestApp,
    id: SubscriptionId,
    run_id: Option<String>,
) -> (Vec<u8>, Option<String>) {
    let info = WorkflowExecutionInfo::builder()
        .namespace(app.settings.temporal_namespace.clone())
        .workflow_id(id.workflow_id())
        .maybe_run_id(run_id)
        .build();
    let handle: WorkflowHandle<_, SubscriptionWorkflow> =
        WorkflowHandle::new(app.temporal.clone(), info);
    let events = handle
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .into_events()
        .await
        .expect("history");
    let previous = events.first().and_then(|e| match &e.attributes {
        Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => {
            Some(a.continued_execution_run_id.clone()).filter(|r| !r.is_empty())
        }
        _ => None,
    });
    let closed = events.last().is_some_and(|e| {
        e.event_type == EventType::WorkflowExecutionCompleted as i32
            || e.event_type == EventType::WorkflowExecutionContinuedAsNew as i32
    });
    assert!(closed, "run of {id} not closed");
    let json = handle
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .to_json()
        .await
        .expect("to json");
    (json, previous)
}

/// Every run of the ended subscription `id`, first to last, each replayed; saves the first and
/// the last as `{first}.json` / `{last}.json` when recording.
pub(super) async fn replay_runs(
    app: &TestApp,
    id: SubscriptionId,
    first: Option<&str>,
    last: Option<&str>,
) -> usize {
    let (mut json, mut previous) = run_history(app, id, None).await;
    let mut runs = vec![json];
    while let Some(run) = previous.take() {
        (json, previous) = run_history(app, id, Some(run)).await;
        runs.push(json);
    }
    runs.reverse();
    for (i, run) in runs.iter().enumerate() {
        mtbp_workflows::replay::replay_history(run)
            .await
            .unwrap_or_else(|e| panic!("run {i} of {id} does not replay: {e:?}"));
    }
    if let Ok(dir) = std::env::var("MTBP_RECORD_HISTORY_DIR") {
        if let Some(first) = first {
            std::fs::write(format!("{dir}/{first}.json"), &runs[0]).expect("write history");
        }
        if let Some(last) = last {
            let last_run = runs.last().expect("a run");
            std::fs::write(format!("{dir}/{last}.json"), last_run).expect("write history");
        }
    }
    runs.len()
}

#[tokio::test]
async fn subscription_histories_replay_against_the_current_workflow_code() {
    let app = TestApp::spawn().await;
    let plan = plan(&app, 2).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let ravi = app.customer("ravi@example.com").await.expect("customer");
    let asha_card = saved_card(&app, &asha, CARD_OK).await;
    let ravi_card = saved_card(&app, &ravi, CARD_OK).await;
    let ravi_bad = saved_card(&app, &ravi, CARD_DECLINED).await;

    // Asha renews once, then cancels during her second period.
    let cancelled = subscribed(&asha, &plan, &asha_card).await.subscription_id;
    // Ravi's card goes bad after his first period.
    let dunned = subscribed(&ravi, &plan, &ravi_card).await.subscription_id;
    sqlx::query(
        "update subscriptions set gateway_payment_method_id = $2 where subscription_id = $1",
    )
    .bind(dunned.as_uuid())
    .bind(&ravi_bad)
    .execute(&app.db)
    .await
    .expect("swap card");
    wait_for(&app, cancelled, 20, "renewed", |s| s.period_index >= 1).await;
    stop(&app, &asha, cancelled).await;
    wait_for(&app, cancelled, 20, "ended", |s| {
        s.status == SubscriptionStatus::Ended
    })
    .await;
    wait_for(&app, dunned, 30, "ended", |s| {
        s.status == SubscriptionStatus::Ended
    })
    .await;
    // The ending is recorded by the run's last activity; give the run a moment to complete.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let runs = replay_runs(
        &app,
        cancelled,
        Some("subscription_first_period"),
        Some("subscription_cancelled"),
    )
    .await;
    assert!(runs >= 2, "one run per period: {runs}");
    let runs = replay_runs(&app, dunned, None, Some("subscription_dunned")).await;
    assert_eq!(runs, 2, "the first period, then the dunned renewal");
}
