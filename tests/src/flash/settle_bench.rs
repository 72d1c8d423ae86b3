//! The settlement bench (`./mtbp bench-settle`): settles one partner with N bookings (10,000 by
//! default) against a baseline in the same run that only signals N idle workflows.
//!
//! The bookings are copies of one real booking (held and paid through the API, so its quote is
//! the pricing function's), written with one statement each for bookings and payments (the
//! ledger's triggers write their charge lines). Their workflows are idle stand-ins with the
//! booking's ids and its `settlement_done` signal, so the settlement's signals cost what a
//! waiting booking's would; the baseline signals as many other idle workflows, with the same
//! concurrency, from a client. Both sets wait on workers in this process. The settlement runs
//! the real `SettlementWorkflow` on a worker built like production's.

use super::Target;
use crate::stripe::CARD_OK;
use anyhow::{Context, bail};
use futures::StreamExt;
use mtbp_activities::settlements::SIGNAL_CONCURRENCY;
use mtbp_domain::settlement::Contract;
use mtbp_domain::{AccountId, PartnerId};
use mtbp_infra::config::Settings;
use mtbp_workflows::booking::types::SettlementDone;
use mtbp_workflows::{SettlementInput, SettlementWorkflow};
use serde::Serialize;
use std::time::{Duration, Instant};
use temporalio_client::{WorkflowCountOptions, WorkflowSignalOptions, WorkflowStartOptions};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{SyncWorkflowContext, WorkflowContext, WorkflowResult};
use uuid::Uuid;

/// A booking's workflow with nothing left to do but wait for its settlement.
#[workflow]
#[derive(Default)]
pub struct IdleBookingWorkflow {
    settled: bool,
}

#[workflow_methods]
impl IdleBookingWorkflow {
    /// Waits for `settlement_done`.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.wait_condition(|s| s.settled).await?;
        Ok(())
    }

    /// The booking's settlement signal, by the same name.
    #[signal]
    pub fn settlement_done(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _req: SettlementDone) {
        self.settled = true;
    }
}

/// What one run measured.
#[derive(Debug, Serialize)]
pub struct SettleBench {
    /// Bookings settled (and idle workflows signalled in the baseline).
    pub bookings: usize,
    /// Signals in flight at once, in both.
    pub concurrency: usize,
    /// Seeding the bookings and their payments (two statements), seconds.
    pub seed_seconds: f64,
    /// The baseline: signal every idle workflow and wait until all are closed, seconds.
    pub baseline_seconds: f64,
    /// The settlement: start the workflow, until it is done and every booking's workflow is
    /// closed, seconds.
    pub settlement_seconds: f64,
    /// The settlement's steps before the signals (computing, the reports, the payout), seconds.
    pub before_signals_seconds: f64,
    /// `settlement_seconds / baseline_seconds` (the limit is 1.5).
    pub ratio: f64,
    /// The limit.
    pub limit: f64,
    /// The settlement's cost per booking, milliseconds.
    pub per_booking_ms: f64,
    /// The baseline's cost per signal, milliseconds.
    pub per_signal_ms: f64,
    /// What the settlement wrote: its lines' total kept and the payout.
    pub kept_minor: i64,
    /// What it paid out.
    pub payout_minor: i64,
}

/// Runs the bench with `bookings` bookings; `target` is the running stack.
pub async fn run(target: &Target, bookings: usize) -> anyhow::Result<SettleBench> {
    let n = bookings.max(10);
    let settings = Settings::from_env()?;
    let tag = Uuid::new_v4().simple().to_string();
    let idle_queue = format!("settle-bench-idle-{tag}");
    let base_queue = format!("settle-bench-base-{tag}");
    let settle_queue = format!("settle-bench-{tag}");

    // One real booking: its quote is the template.
    let show = target.operator.create_show(1, 4).await.context("a show")?;
    let resp = target
        .api
        .hold_for(
            show.show_id,
            &["A1"],
            None,
            &format!("settle-bench-{tag}@example.com"),
        )
        .await?;
    let held: serde_json::Value = resp.json().await?;
    let template = crate::api_client::id(&held, "booking_id").context("booking id")?;
    let card = target.stripe.card(CARD_OK).await?;
    let paid = target.api.pay(template, &card).await?;
    if !paid.status().is_success() {
        bail!("the template booking was not paid: {}", paid.status());
    }
    let partner = PartnerId::from_uuid(Uuid::new_v4());
    sqlx::query(
        "insert into partners (partner_id, name, contact_email, status)
         values ($1, 'Settlement Bench Cinemas', 'bench@example.com', 'active')",
    )
    .bind(partner.as_uuid())
    .execute(&target.db)
    .await?;
    sqlx::query("update theaters set partner_id = $2 where theater_id = $1")
        .bind(show.theater_id)
        .bind(partner.as_uuid())
        .execute(&target.db)
        .await?;
    let contract = Contract {
        period_seconds: Some(10),
        ..Contract::default()
    };
    mtbp_store::contracts::set_contract(
        &target.db,
        partner,
        &contract,
        AccountId::from_uuid(Uuid::nil()),
    )
    .await?
    .context("the bench partner")?;

    // The bookings and their payments, set-based.
    let seeded = Instant::now();
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "insert into bookings (booking_id, show_id, status, amount_minor, currency,
                               hold_expires_at, quote, offer_code)
         select gen_random_uuid(), b.show_id, 'Invoiced', b.amount_minor, b.currency, now(),
                b.quote, b.offer_code
           from bookings b, generate_series(1, $2) where b.booking_id = $1
         returning booking_id",
    )
    .bind(template)
    .bind(i32::try_from(n).unwrap_or(i32::MAX))
    .fetch_all(&target.db)
    .await?;
    sqlx::query(
        "insert into payments (booking_id, gateway, gateway_payment_id, amount_minor, currency,
                               status)
         select booking_id, 'bench', 'pi_bench_' || booking_id, amount_minor, currency,
                'succeeded'
           from bookings where booking_id = any($1)",
    )
    .bind(&ids)
    .execute(&target.db)
    .await?;
    let seed_seconds = seeded.elapsed().as_secs_f64();
    let period = contract.period_at(chrono::Utc::now())?;

    // Workers: the idle stand-ins (two queues, one per set) and a production-shaped one.
    let stop_idle = idle_worker(&settings, idle_queue.clone())?;
    let stop_base = idle_worker(&settings, base_queue.clone())?;
    let mut config = mtbp_workers::WorkerConfig::from_env()?;
    config.settings.task_queue = settle_queue.clone();
    let stop_settle = crate::app::spawn_worker_thread(move || async move {
        mtbp_workers::build_worker(&config).await
    })?;

    // The idle workflows: the bookings' own ids, and as many for the baseline.
    let started = |queue: String, ids: Vec<String>| {
        let temporal = target.temporal.clone();
        async move {
            futures::stream::iter(ids)
                .map(|id| {
                    let (temporal, queue) = (temporal.clone(), queue.clone());
                    async move {
                        let options = WorkflowStartOptions::new(queue, id).build();
                        temporal
                            .start_workflow(IdleBookingWorkflow::run, (), options)
                            .await
                            .map(|_| ())
                    }
                })
                .buffer_unordered(SIGNAL_CONCURRENCY)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<()>, _>>()
        }
    };
    let booking_ids: Vec<String> = ids
        .iter()
        .map(|b| mtbp_domain::BookingId::from_uuid(*b).workflow_id())
        .collect();
    let base_ids: Vec<String> = (0..n)
        .map(|i| format!("settle-bench-base-{tag}-{i}"))
        .collect();
    started(idle_queue.clone(), booking_ids).await?;
    started(base_queue.clone(), base_ids.clone()).await?;
    // Every idle workflow has run its first task and waits.
    wait_idle(target, &idle_queue, n).await?;
    wait_idle(target, &base_queue, n).await?;

    // The baseline: signal them all and wait until they are closed.
    let t0 = Instant::now();
    futures::stream::iter(base_ids)
        .map(|id| {
            let temporal = target.temporal.clone();
            async move {
                temporal
                    .get_workflow_handle::<IdleBookingWorkflow>(id)
                    .signal(
                        IdleBookingWorkflow::settlement_done,
                        SettlementDone {
                            settlement_id: "baseline".into(),
                        },
                        WorkflowSignalOptions::default(),
                    )
                    .await
            }
        })
        .buffer_unordered(SIGNAL_CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<()>, _>>()?;
    wait_closed(target, &base_queue, Duration::from_secs(600)).await?;
    let baseline_seconds = t0.elapsed().as_secs_f64();

    // The settlement, once its period has ended.
    let wait = (period.end - chrono::Utc::now()).num_milliseconds().max(0) as u64;
    tokio::time::sleep(Duration::from_millis(wait + 200)).await;
    let input = SettlementInput {
        partner_id: partner,
        period: period.id.clone(),
        resume: None,
    };
    let t1 = Instant::now();
    let handle = target
        .temporal
        .start_workflow(
            SettlementWorkflow::run,
            input.clone(),
            WorkflowStartOptions::new(settle_queue.clone(), input.workflow_id()).build(),
        )
        .await?;
    let mut before_signals_seconds = 0.0;
    let view = loop {
        let s = mtbp_store::settlements::get(
            &target.db,
            mtbp_domain::settlement::settlement_id(partner, &period.id),
        )
        .await?;
        if before_signals_seconds == 0.0
            && s.as_ref()
                .is_some_and(|s| s.status == "paid" || s.status == "done")
        {
            before_signals_seconds = t1.elapsed().as_secs_f64();
        }
        if s.as_ref().is_some_and(|s| s.status == "done") {
            break handle.get_result(Default::default()).await?;
        }
        if t1.elapsed() > Duration::from_secs(900) {
            bail!("the settlement did not finish in 15 minutes");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    wait_closed(target, &idle_queue, Duration::from_secs(600)).await?;
    let settlement_seconds = t1.elapsed().as_secs_f64();
    stop_idle();
    stop_base();
    stop_settle();
    if view.told != n as u64 {
        bail!("the settlement told {} of {n} bookings", view.told);
    }
    let s = mtbp_store::settlements::get(&target.db, view.settlement_id)
        .await?
        .context("the settlement")?;
    Ok(SettleBench {
        bookings: n,
        concurrency: SIGNAL_CONCURRENCY,
        seed_seconds,
        baseline_seconds,
        settlement_seconds,
        before_signals_seconds,
        ratio: settlement_seconds / baseline_seconds.max(1e-9),
        limit: 1.5,
        per_booking_ms: settlement_seconds * 1000.0 / n as f64,
        per_signal_ms: baseline_seconds * 1000.0 / n as f64,
        kept_minor: s.kept_minor,
        payout_minor: s.payout_minor,
    })
}

fn idle_worker(settings: &Settings, queue: String) -> anyhow::Result<Box<dyn Fn() + Send + Sync>> {
    let settings = settings.clone();
    crate::app::spawn_worker_thread(move || async move {
        let client = mtbp_infra::temporal::connect(
            &settings.temporal_address,
            &settings.temporal_namespace,
            "mtbp-settle-bench",
        )
        .await?;
        let runtime = temporalio_sdk::Runtime::from_current_tokio(Default::default())?;
        let options = temporalio_sdk::WorkerOptions::new(queue)
            .max_cached_workflows(2_000)
            .register_workflow::<IdleBookingWorkflow>()?
            .build();
        Ok(temporalio_sdk::Worker::new(&runtime, client, options)?.into())
    })
}

async fn running(target: &Target, queue: &str) -> anyhow::Result<usize> {
    let q = format!("TaskQueue = '{queue}' AND ExecutionStatus = 'Running'");
    Ok(target
        .temporal
        .count_workflows(q, WorkflowCountOptions::default())
        .await?
        .count())
}

/// Waits until `n` workflows run on `queue` and the worker has taken their first tasks (the
/// queue's backlog is empty for a moment).
async fn wait_idle(target: &Target, queue: &str, n: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    while running(target, queue).await? < n {
        if Instant::now() > deadline {
            bail!("the idle workflows on {queue} did not all start");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A first task takes well under a millisecond each; give the worker time for all of them.
    tokio::time::sleep(Duration::from_millis(2_000 + n as u64 / 2)).await;
    Ok(())
}

async fn wait_closed(target: &Target, queue: &str, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while running(target, queue).await? > 0 {
        if Instant::now() > deadline {
            bail!("workflows on {queue} still running");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The run's lines for people, with what it means for a day of 1,000,000 bookings.
pub fn summary(b: &SettleBench) -> String {
    let day = 1_000_000.0;
    format!(
        "settlement of {n} bookings: {s:.1} s ({pb:.2} ms a booking; {before:.1} s before the \
         signals: lines, ledger, CSV and PDF, payout)\n\
         baseline, {n} idle workflows signalled: {b0:.1} s ({ps:.2} ms a signal)\n\
         ratio {r:.2} (limit {l:.1}) — {verdict}\n\
         seeding {n} bookings and payments: {seed:.1} s\n\
         a day of 1,000,000 bookings at this rate: {hours:.1} h of this machine; the signals are \
         the Temporal server's work, which a cluster spreads over its history shards",
        n = b.bookings,
        s = b.settlement_seconds,
        pb = b.per_booking_ms,
        before = b.before_signals_seconds,
        b0 = b.baseline_seconds,
        ps = b.per_signal_ms,
        r = b.ratio,
        l = b.limit,
        verdict = if b.ratio <= b.limit { "within" } else { "OVER" },
        seed = b.seed_seconds,
        hours = b.per_booking_ms * day / 3_600_000.0,
    )
}
