//! Settlement runs on the real stack: a partner on a period of a few seconds, so the Temporal
//! Schedule really fires. Its runs settle every booking once, write the reports to S3, pay once
//! whatever is started again, end the bookings' workflows at `SettlementDone`, carry a refund
//! made after a settlement into the next period, and stop (paused) for operators.

use crate::theaters::{cancel, customer, paid, partner_show, policy, wait_cancellation_done};
use chrono::Utc;
use mtbp_domain::settlement::{schedule_id, settlement_workflow_id};
use mtbp_domain::{BookingId, PartnerId};
use mtbp_store::ledger;
use mtbp_tests::TestApp;
use mtbp_tests::pricing::insert_offer;
use mtbp_workflows::{SettlementInput, SettlementWorkflow};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use temporalio_client::WorkflowStartOptions;
use uuid::Uuid;

/// Puts `partner` on a period of `seconds` (commission 10 %, the partner keeps a quarter of
/// the convenience fee and half the cancellation fees); the schedule follows at once.
pub(crate) async fn short_contract(app: &TestApp, partner: Uuid, seconds: u32) {
    let resp = app
        .admin
        .put(
            &format!("/partners/{partner}/contract"),
            &json!({"period": "daily", "time_zone": "Asia/Kolkata", "cutoff_hour": 0,
                    "commission_bp": 1000, "addon_commission_bp": 1000,
                    "partner_fee_share_bp": 2500, "partner_cancellation_fee_bp": 5000,
                    "minimum_payout_minor": 0, "period_seconds": seconds}),
        )
        .await
        .expect("contract");
    assert_eq!(resp.status(), StatusCode::OK, "{:?}", resp.text().await);
}

/// Removes `partner`'s schedule at the end of a test (its task queue dies with the test).
pub(crate) async fn drop_schedule(app: &TestApp, partner: Uuid) {
    let handle = app
        .temporal
        .get_schedule_handle(schedule_id(PartnerId::from_uuid(partner)));
    let _ = handle.delete(Default::default()).await;
}

/// Waits until each of `bookings` has a line in a settlement that is done; answers, per
/// booking, the lines' settlements (period order) and kept amounts.
pub(crate) async fn wait_settled(
    app: &TestApp,
    bookings: &[Uuid],
    lines_each: i64,
    secs: u64,
) -> Vec<(Uuid, Uuid, i64)> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let rows: Vec<(Uuid, Uuid, i64)> = sqlx::query_as(
            "select l.booking_id, l.settlement_id, l.kept_minor
               from settlement_lines l join settlements s using (settlement_id)
              where l.booking_id = any($1) and s.status = 'done'
              order by s.period_end, l.booking_id",
        )
        .bind(bookings)
        .fetch_all(&app.db)
        .await
        .expect("lines");
        let all = bookings.iter().all(|b| {
            rows.iter().filter(|r| r.0 == *b).count() >= usize::try_from(lines_each).unwrap_or(1)
        });
        if all {
            return rows;
        }
        assert!(
            Instant::now() < deadline,
            "not every booking settled {lines_each} time(s) within {secs} s: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The partner's payouts: (settlement, amount), and how many payout movements the ledger has.
pub(crate) async fn payouts(app: &TestApp, partner: Uuid) -> (Vec<(Uuid, i64)>, i64) {
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(
        "select settlement_id, amount_minor from payouts where partner_id = $1
          order by created_at",
    )
    .bind(partner)
    .fetch_all(&app.db)
    .await
    .expect("payouts");
    let moves: i64 = sqlx::query_scalar(
        "select count(distinct txn_id) from ledger_entries
          where movement = 'payout' and partner_id = $1",
    )
    .bind(partner)
    .fetch_one(&app.db)
    .await
    .expect("payout movements");
    (rows, moves)
}

/// Waits until `booking`'s workflow completed (by its real settlement).
pub(crate) async fn wait_booking_closed(app: &TestApp, booking: Uuid, secs: u64) {
    let id = BookingId::from_uuid(booking).workflow_id();
    crate::visibility::wait_completed(app, &id, secs, false).await;
}

/// An operator's `pause` or `resume` of `partner`'s schedule with `note`; answers the schedule.
async fn set_schedule(app: &TestApp, partner: Uuid, verb: &str, note: &str) -> Value {
    let resp = app
        .admin
        .post(
            &format!("/partners/{partner}/settlement-schedule/{verb}"),
            &json!({ "note": note }),
        )
        .await
        .expect(verb);
    assert_eq!(resp.status(), StatusCode::OK, "{verb}");
    resp.json().await.expect("json")
}

/// The stored status of settlement `id`.
pub(crate) async fn settlement_status(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("select status from settlements where settlement_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("settlement status")
}

/// The stored status of `booking`.
pub(crate) async fn status_of(app: &TestApp, booking: Uuid) -> String {
    sqlx::query_scalar("select status from bookings where booking_id = $1")
        .bind(booking)
        .fetch_one(&app.db)
        .await
        .expect("status")
}

#[tokio::test]
async fn a_short_period_schedule_settles_each_booking_once_and_ends_its_saga() {
    let app = TestApp::spawn().await;
    // Thirty hours before the show: cancelling is free (the 24 h window).
    let (partner, show) = partner_show(&app, 30.0, policy(true)).await;
    let partner_id = partner.partner_id.expect("partner id");
    let who = customer(&app).await;
    let code = format!("SETTLE-{}", &Uuid::new_v4().simple().to_string()[..8]).to_uppercase();
    insert_offer(
        &app.db,
        Some(&code),
        &mtbp_domain::pricing::Benefit::PercentOff {
            percent_bp: 1_000,
            max_off_minor: None,
        },
        |_| {},
    )
    .await
    .expect("offer");
    let first = paid(&app, &who, show.show_id, &["A1", "A2"], Some(&code)).await;
    let second = paid(&app, &who, show.show_id, &["A3"], None).await;
    let since = Utc::now() - chrono::Duration::minutes(1);

    short_contract(&app, partner_id, 3).await;
    let lines = wait_settled(&app, &[first, second], 1, 90).await;
    // Each booking is on exactly one done settlement, for what the gateway kept.
    for b in [first, second] {
        let mine: Vec<_> = lines.iter().filter(|l| l.0 == b).collect();
        assert_eq!(mine.len(), 1, "{lines:?}");
        let charged: i64 =
            sqlx::query_scalar("select amount_minor from payments where booking_id = $1")
                .bind(b)
                .fetch_one(&app.db)
                .await
                .expect("payment");
        assert_eq!(mine[0].2, charged, "the line is what the gateway kept");
        assert_eq!(status_of(&app, b).await, "SettlementDone");
        wait_booking_closed(&app, b, 30).await;
    }
    let settled = lines[0].1;
    // The histories replay against the current code (and are recorded for the replay tests):
    // the booking's saga to `SettlementDone`, the settlement, and the schedule's run.
    crate::visibility::replay_closed(&app, first, "booking_settlement_expected").await;

    // The run's report is in S3, as CSV and PDF, for the partner's staff.
    let detail: Value = partner
        .api
        .get_json(&format!("/settlements/{settled}"))
        .await
        .expect("detail");
    assert_eq!(detail["status"], "done", "{detail}");
    assert_eq!(
        detail["workflow_id"],
        settlement_workflow_id(
            PartnerId::from_uuid(partner_id),
            detail["period"].as_str().expect("period")
        )
    );
    let workflow_id = detail["workflow_id"].as_str().expect("workflow id");
    crate::visibility::replay_workflow(&app, workflow_id, "settlement_done", true).await;
    let schedule: Value = partner
        .api
        .get_json(&format!("/partners/{partner_id}/settlement-schedule"))
        .await
        .expect("the schedule");
    assert_eq!(schedule["paused"], false, "{schedule}");
    assert!(
        !schedule["next_runs"]
            .as_array()
            .expect("next runs")
            .is_empty(),
        "{schedule}"
    );
    let run = schedule["recent_runs"]
        .as_array()
        .and_then(|r| r.iter().find_map(|r| r["workflow_id"].as_str()))
        .expect("a recent run")
        .to_owned();
    crate::visibility::replay_workflow(&app, &run, "settlement_schedule_run", true).await;
    let links: Value = partner
        .api
        .get_json(&format!("/settlements/{settled}/report"))
        .await
        .expect("report");
    let http = reqwest::Client::new();
    let csv = http
        .get(links["csv_url"].as_str().expect("csv url"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("csv text");
    assert!(csv.starts_with("booking_id,"), "{csv}");
    for l in lines.iter().filter(|l| l.1 == settled) {
        assert!(csv.contains(&l.0.to_string()), "the CSV lists {}", l.0);
    }
    let pdf = http
        .get(links["pdf_url"].as_str().expect("pdf url"))
        .send()
        .await
        .expect("pdf")
        .bytes()
        .await
        .expect("pdf bytes");
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let page: Value = partner
        .api
        .get_json("/settlements")
        .await
        .expect("the partner's list");
    assert!(
        page["settlements"]
            .as_array()
            .expect("list")
            .iter()
            .all(|s| s["partner_id"] == json!(partner_id)),
        "{page}"
    );

    // Started again, by hand and by the schedule, twice at once: nothing is paid twice.
    let (before, moves_before) = payouts(&app, partner_id).await;
    assert!(!before.is_empty(), "the period paid the partner");
    assert_eq!(i64::try_from(before.len()).unwrap_or(0), moves_before);
    let period = detail["period"].as_str().expect("period").to_owned();
    let again = SettlementInput {
        partner_id: PartnerId::from_uuid(partner_id),
        period: period.clone(),
        resume: None,
    };
    let handle = app
        .temporal
        .start_workflow(
            SettlementWorkflow::run,
            again.clone(),
            WorkflowStartOptions::new(app.settings.task_queue.clone(), again.workflow_id()).build(),
        )
        .await
        .expect("a second run of a settled period");
    let view = handle
        .get_result(Default::default())
        .await
        .expect("it ends");
    assert_eq!(view.status, "done");
    for _ in 0..2 {
        let resp = app
            .admin
            .post(
                &format!("/partners/{partner_id}/settlement-schedule/trigger"),
                &json!({}),
            )
            .await
            .expect("trigger");
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (after, moves_after) = payouts(&app, partner_id).await;
    let paid_for = |rows: &[(Uuid, i64)], id: Uuid| rows.iter().filter(|r| r.0 == id).count();
    for (id, _) in &before {
        assert_eq!(paid_for(&after, *id), 1, "settlement {id} is paid once");
    }
    assert_eq!(i64::try_from(after.len()).unwrap_or(0), moves_after);

    // A refund after the settlement is a negative line of a later period.
    let (s, body) = cancel(&who, second, json!({}), false).await;
    assert!(s.is_success(), "{s} {body}");
    wait_cancellation_done(&app, second, 1, 60).await;
    let lines = wait_settled(&app, &[second], 2, 60).await;
    let mine: Vec<_> = lines.iter().filter(|l| l.0 == second).collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert_ne!(mine[0].1, mine[1].1, "in another settlement");
    assert!(mine[1].2 < 0, "the refund is netted: {mine:?}");
    assert_eq!(
        mine[0].2 + mine[1].2,
        0,
        "a free cancellation gives it all back"
    );

    // Everything the partner's customers paid is settled: nothing is left unsettled, and the
    // gateway's charges less refunds are what was paid out, owed, earned and taxed.
    let until = Utc::now() + chrono::Duration::minutes(1);
    let balances = ledger::balances(
        &app.db,
        Some(PartnerId::from_uuid(partner_id)),
        since,
        until,
    )
    .await
    .expect("balances");
    let of = |account: &str| crate::settlement::account_sum(&balances, account);
    assert_eq!(of("unsettled"), 0, "{balances:?}");
    let (all_payouts, _) = payouts(&app, partner_id).await;
    let paid_out: i64 = all_payouts.iter().map(|p| p.1).sum();
    let (charged, refunded) = crate::settlement::gateway_kept(&app, &[first, second]).await;
    assert_eq!(
        charged - refunded,
        paid_out - of("platform_revenue") - of("tax_payable") - of("partner_payable"),
        "the gateway's charges less refunds = payouts + revenue + taxes + still owed: {balances:?}"
    );
    assert_eq!(of("gateway"), charged - refunded - paid_out, "{balances:?}");
    for c in ledger::check(&app.db, since, until).await.expect("check") {
        assert!(c.ok(), "{c:?}");
    }

    // Operators pause the schedule (it says who and why) and resume it.
    let paused = set_schedule(&app, partner_id, "pause", "bank details being checked").await;
    assert_eq!(paused["paused"], true, "{paused}");
    assert!(
        paused["note"]
            .as_str()
            .is_some_and(|n| n.contains("bank details"))
    );
    let resp = partner
        .api
        .post(
            &format!("/partners/{partner_id}/settlement-schedule/resume"),
            &json!({"note": "me"}),
        )
        .await
        .expect("resume");
    assert_eq!(
        resp.status(),
        StatusCode::FORBIDDEN,
        "partners do not run their schedule"
    );
    let resp = app
        .admin
        .post(
            &format!("/partners/{partner_id}/settlement-schedule/backfill"),
            &json!({"from": Utc::now(), "to": Utc::now() - chrono::Duration::hours(1)}),
        )
        .await
        .expect("backfill");
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a backwards range"
    );
    drop_schedule(&app, partner_id).await;
}

#[tokio::test]
async fn a_failing_run_pauses_the_partner_until_an_operator_resumes_it() {
    let app = TestApp::spawn().await;
    let (partner, show) = partner_show(&app, 30.0, policy(true)).await;
    let partner_id = partner.partner_id.expect("partner id");
    let who = customer(&app).await;
    paid(&app, &who, show.show_id, &["A1"], None).await;
    // A second show of the partner's sold in dollars: one settlement cannot pay both.
    let dollars = partner
        .api
        .create_show_with(&app.admin, 1, 4)
        .await
        .expect("a second show");
    sqlx::query(
        "update shows set currency = 'USD', starts_at = now() + interval '30 hours',
                          ends_at = now() + interval '32 hours',
                          busy_until = now() + interval '33 hours'
          where show_id = $1",
    )
    .bind(dollars.show_id)
    .execute(&app.db)
    .await
    .expect("dollars");
    paid(&app, &who, dollars.show_id, &["A1"], None).await;
    short_contract(&app, partner_id, 3).await;

    // The run fails, visibly: the settlement says why, Temporal finds it by its search
    // attributes, and the partner's schedule paused itself.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (failed, error): (Uuid, String) = loop {
        let row: Option<(Uuid, Option<String>)> = sqlx::query_as(
            "select settlement_id, error from settlements
              where partner_id = $1 and status = 'failed' limit 1",
        )
        .bind(partner_id)
        .fetch_optional(&app.db)
        .await
        .expect("settlements");
        if let Some((id, error)) = row {
            break (id, error.unwrap_or_default());
        }
        if Instant::now() > deadline {
            let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
                "select period, status, error from settlements where partner_id = $1",
            )
            .bind(partner_id)
            .fetch_all(&app.db)
            .await
            .expect("settlements");
            let schedule = app
                .admin
                .get_json(&format!("/partners/{partner_id}/settlement-schedule"))
                .await;
            panic!("no run failed: {rows:?} {schedule:?}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(error.contains("USD") && error.contains("INR"), "{error}");
    let query = format!(
        "WorkflowType = 'SettlementWorkflow' AND PartnerId = '{partner_id}' \
         AND SettlementStatus = 'failed'"
    );
    until(30, "ops find the failed settlement", || async {
        failed_runs(&app, &query).await >= 1
    })
    .await;
    until(30, "the schedule pauses itself", || async {
        schedule_of(&app, partner_id).await["paused"] == true
    })
    .await;
    let listed: Value = app
        .admin
        .get_json(&format!(
            "/settlements?partner_id={partner_id}&status=failed"
        ))
        .await
        .expect("failed settlements");
    assert_eq!(
        listed["settlements"][0]["settlement_id"],
        json!(failed),
        "{listed}"
    );
    assert!(
        !payouts(&app, partner_id)
            .await
            .0
            .iter()
            .any(|p| p.0 == failed),
        "the failed period paid nothing"
    );
    let bad = app
        .admin
        .get(&format!("/settlements?partner_id={partner_id}&status=lost"))
        .await
        .expect("bad status");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Resumed without a fix, the next run settles the failed period first, fails the same
    // way, and the schedule pauses again: a failing partner is never paid by accident.
    let resumed = set_schedule(
        &app,
        partner_id,
        "resume",
        "retrying once before the bank is asked",
    )
    .await;
    assert_eq!(resumed["paused"], false, "{resumed}");
    until(
        60,
        "the failed period runs again and pauses the schedule",
        || async {
            failed_runs(&app, &query).await >= 2
                && schedule_of(&app, partner_id).await["paused"] == true
        },
    )
    .await;
    let status = settlement_status(&app, failed).await;
    assert_eq!(status, "failed");
    assert!(
        !payouts(&app, partner_id)
            .await
            .0
            .iter()
            .any(|p| p.0 == failed),
        "the failed period paid nothing"
    );
    drop_schedule(&app, partner_id).await;
}

/// `partner`'s settlement schedule, as the API describes it.
async fn schedule_of(app: &TestApp, partner: Uuid) -> Value {
    app.admin
        .get_json(&format!("/partners/{partner}/settlement-schedule"))
        .await
        .expect("schedule")
}

/// How many workflows Temporal's visibility finds for `query`.
async fn failed_runs(app: &TestApp, query: &str) -> usize {
    app.temporal
        .count_workflows(query.to_owned(), Default::default())
        .await
        .expect("count")
        .count()
}

/// Polls `check` every 300 ms until it holds, for up to `secs` seconds.
async fn until<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(Instant::now() < deadline, "within {secs} s: {what}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
