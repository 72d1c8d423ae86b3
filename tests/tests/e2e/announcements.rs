//! Announcements: a movie's first show in a city reaches exactly the subscribers who opted in
//! (city, and a genre or language of the movie; live subscription; email consent), in batches
//! (continue-as-new every few), once: a second first show never starts another announcement.

use mtbp_domain::{MovieId, SubscriptionId};
use mtbp_tests::TestApp;
use mtbp_tests::maildev::Maildev;
use mtbp_workflows::announcement::{start_options, workflow_id};
use mtbp_workflows::{AnnouncementInput, AnnouncementView, AnnouncementWorkflow};
use serde_json::{Value, json};
use std::time::Duration;
use temporalio_client::{WorkflowExecutionInfo, WorkflowFetchHistoryOptions, WorkflowHandle};
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
use uuid::Uuid;

/// A subscriber with the given announcement choices: (address, subscription).
async fn subscriber(
    app: &TestApp,
    plan: Uuid,
    prefs: (&[&str], &[&str], &[&str]),
    status: &str,
    consent: bool,
) -> (String, SubscriptionId) {
    let address = format!("fan-{}@example.com", Uuid::new_v4().simple());
    let customer = app.customer(&address).await.expect("customer");
    sqlx::query("update accounts set consent_email = $2 where account_id = $1")
        .bind(customer.account_id)
        .bind(consent)
        .execute(&app.db)
        .await
        .expect("consent");
    let id = Uuid::new_v4();
    let ended = (status == "ended").then_some("cancelled");
    sqlx::query(
        "insert into subscriptions (subscription_id, customer_id, plan_id, status,
                gateway_payment_method_id, gateway_customer_id, ended_reason)
         values ($1, $2, $3, $4, 'pm_test', 'cus_test', $5)",
    )
    .bind(id)
    .bind(customer.account_id)
    .bind(plan)
    .bind(status)
    .bind(ended)
    .execute(&app.db)
    .await
    .expect("subscription");
    let list = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    sqlx::query(
        "insert into subscription_announcements (subscription_id, cities, genres, languages)
         values ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(list(prefs.0))
    .bind(list(prefs.1))
    .bind(list(prefs.2))
    .execute(&app.db)
    .await
    .expect("preferences");
    (address, SubscriptionId::from_uuid(id))
}

async fn plan(app: &TestApp) -> Uuid {
    let plan = Uuid::new_v4();
    sqlx::query(
        "insert into subscription_plans (plan_id, name, amount_minor, currency, period_unit,
                period_count)
         values ($1, 'Fan club', 19900, 'INR', 'month', 1)",
    )
    .bind(plan)
    .execute(&app.db)
    .await
    .expect("plan");
    plan
}

/// Every run of the announcement, newest first, replayed against the current code; with
/// `MTBP_RECORD_HISTORY_DIR` set, the first and the last are saved for the replay tests.
async fn replay_runs(app: &TestApp, id: &str) -> usize {
    let mut run_id: Option<String> = None;
    let mut runs = Vec::new();
    loop {
        let info = WorkflowExecutionInfo::builder()
            .namespace(app.settings.temporal_namespace.clone())
            .workflow_id(id.to_owned())
            .maybe_run_id(run_id.clone())
            .build();
        let handle: WorkflowHandle<_, AnnouncementWorkflow> =
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
        let json = handle
            .fetch_history(WorkflowFetchHistoryOptions::default())
            .to_json()
            .await
            .expect("history");
        mtbp_workflows::replay::replay_history(&json)
            .await
            .unwrap_or_else(|e| panic!("a run of {id} does not replay: {e:?}"));
        runs.push(json);
        match previous {
            Some(p) => run_id = Some(p),
            None => break,
        }
    }
    if let Ok(dir) = std::env::var("MTBP_RECORD_HISTORY_DIR") {
        let first = runs.last().expect("a run");
        std::fs::write(format!("{dir}/announcement_first_run.json"), first).expect("write");
        std::fs::write(format!("{dir}/announcement_last_run.json"), &runs[0]).expect("write");
    }
    runs.len()
}

#[tokio::test]
async fn an_announcement_reaches_exactly_the_opted_in_subscribers_once() {
    let app = TestApp::spawn().await;
    let plan = plan(&app).await;
    let movie: Value = app
        .admin
        .create(
            "/movies",
            &json!({"title": "Monsoon Song", "duration_minutes": 130,
                    "languages": ["Hindi"], "genres": ["Musical", "Drama"]}),
        )
        .await
        .expect("movie");
    let movie_id: Uuid = serde_json::from_value(movie["movie_id"].clone()).expect("id");
    let movie_id = MovieId::from_uuid(movie_id);
    let active = "active";
    let mut wanted = Vec::new();
    for prefs in [
        (&["bengaluru"][..], &["drama"][..], &[][..]),
        (&["Bengaluru"][..], &[][..], &["hindi"][..]),
        (&["Mumbai", "Bengaluru"][..], &["Musical"][..], &[][..]),
    ] {
        wanted.push(subscriber(&app, plan, prefs, active, true).await.0);
    }
    let mut unwanted = Vec::new();
    for (prefs, status, consent) in [
        ((&["Mumbai"][..], &["Drama"][..], &[][..]), active, true),
        (
            (&["Bengaluru"][..], &["Comedy"][..], &["Tamil"][..]),
            active,
            true,
        ),
        ((&["Bengaluru"][..], &["Drama"][..], &[][..]), active, false),
        ((&["Bengaluru"][..], &["Drama"][..], &[][..]), "ended", true),
        ((&[][..], &["Drama"][..], &["Hindi"][..]), active, true),
    ] {
        unwanted.push(subscriber(&app, plan, prefs, status, consent).await.0);
    }

    // Batches of one, two per run: continue-as-new twice.
    let input = AnnouncementInput {
        batch_size: 1,
        pause_seconds: 0,
        batches_per_run: 2,
        ..AnnouncementInput::new(movie_id, "Bengaluru".into())
    };
    let id = workflow_id(movie_id, "Bengaluru");
    let options = start_options(&input, &app.settings.task_queue);
    app.temporal
        .start_workflow(AnnouncementWorkflow::run, input, options)
        .await
        .expect("started");
    let maildev = Maildev::from_env();
    for address in &wanted {
        let got = maildev
            .wait_for(address, 1, 30, Duration::ZERO)
            .await
            .expect("maildev");
        assert_eq!(got.len(), 1, "{address}: {got:?}");
        assert!(
            got[0]["subject"]
                .as_str()
                .unwrap_or_default()
                .contains("Monsoon Song")
        );
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let view = loop {
        let info = WorkflowExecutionInfo::builder()
            .namespace(app.settings.temporal_namespace.clone())
            .workflow_id(id.clone())
            .build();
        let handle: WorkflowHandle<_, AnnouncementWorkflow> =
            WorkflowHandle::new(app.temporal.clone(), info);
        match handle.get_result(Default::default()).await {
            Ok(view) => break view,
            Err(e) if std::time::Instant::now() > deadline => panic!("no result: {e:?}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    };
    let expected = AnnouncementView {
        batches: 4,
        runs: 3,
        sent: 3,
        skipped: 5,
        unsettled: 0,
    };
    // Four in the audience (one without consent: skipped), SMS skipped for all (no sender);
    // two batches a run, and a third run finds the audience exhausted.
    assert_eq!(view, expected);
    assert_eq!(replay_runs(&app, &id).await, 3);

    // The movie's first show in Bengaluru: the announcement's id is taken, nobody hears twice.
    // (The fixture's own movie, a drama, gets its first show there too: its announcement,
    // started by the API, reaches the drama fan only.)
    let show = app.create_show(1, 2).await.expect("show");
    let _ = app
        .admin
        .create(
            "/shows",
            &json!({"movie_id": movie_id, "screen_id": show.screen_id,
                    "starts_at": chrono::Utc::now() + chrono::Duration::days(2),
                    "language": "Hindi"}),
        )
        .await
        .expect("first show");
    let about = |mails: &[Value], title: &str| {
        mails
            .iter()
            .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains(title)))
            .count()
    };
    let drama_fan = maildev
        .wait_for(&wanted[0], 2, 30, Duration::from_secs(2))
        .await
        .expect("maildev");
    assert_eq!(about(&drama_fan, "The Test Picture"), 1, "{drama_fan:?}");
    for address in wanted.iter().chain(&unwanted) {
        let got = maildev.emails_to(address).await.expect("maildev");
        let want = usize::from(wanted.contains(address));
        assert_eq!(about(&got, "Monsoon Song"), want, "{address}: {got:?}");
    }
    for address in &wanted[1..] {
        let got = maildev.emails_to(address).await.expect("maildev");
        assert_eq!(
            about(&got, "The Test Picture"),
            0,
            "not a drama fan: {got:?}"
        );
    }
}
