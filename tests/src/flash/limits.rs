//! What the machine allows, measured in the same run as the sale.
//!
//! * The database limit: the API's very hold transaction (`hold_and_record`: idempotency key,
//!   conditional seat update, booking, saga record) driven straight at PostgreSQL by as many
//!   clients as the sale had customers, on a copy of the sale's shows in a database of its own
//!   (so no saga relay ever sees these holds). Clients take disjoint seats: no conflicts, no
//!   HTTP, no JSON: an upper bound.
//! * The orchestration limit: [`BaselineWorkflow`], the booking's shape with no work in it, on
//!   the same Temporal server, started and paid the way the API starts and pays a booking.

use super::baseline::{BaselineWorkflow, NoopActivities};
use super::stats::{Latency, peak_rate};
use super::{Params, Target};
use crate::{TestApp, TestOptions};
use mtbp_api::routes::bookings::request_fingerprint;
use mtbp_domain::{BookingId, Contact, ShowId};
use mtbp_infra::config::Settings;
use mtbp_store::seats::{HoldLimits, HoldRecord, HoldRequest, RecordedHold, hold_and_record};
use mtbp_workflows::{BookingInput, HoldPolicy};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use temporalio_client::{
    WorkflowExecuteUpdateOptions, WorkflowIdConflictPolicy, WorkflowIdReusePolicy,
    WorkflowStartOptions,
};
use uuid::Uuid;

/// The hold transaction straight at PostgreSQL.
#[derive(Debug, Serialize)]
pub struct DatabaseLimit {
    /// Concurrent clients.
    pub clients: usize,
    /// Connections in their pool (as many as the API's).
    pub pool: u32,
    /// Holds made (every seat, once).
    pub holds: usize,
    /// Seconds it took.
    pub seconds: f64,
    /// holds ÷ seconds.
    pub holds_per_second: f64,
    /// Most holds in any one second.
    pub peak_holds_per_second: f64,
    /// One hold transaction, from the pool's checkout to commit.
    pub hold_latency: Latency,
}

/// An empty booking-shaped workflow on the same Temporal server.
#[derive(Debug, Serialize)]
pub struct OrchestrationLimit {
    /// Concurrent clients.
    pub clients: usize,
    /// Workflows started and paid.
    pub workflows: usize,
    /// Seconds it took.
    pub seconds: f64,
    /// workflows ÷ seconds.
    pub workflows_per_second: f64,
    /// Most workflows completed in any five seconds, per second.
    pub peak_workflows_per_second: f64,
    /// `pay` sent → answered, as the booking's `pay_latency`.
    pub latency: Latency,
    /// Workflows that ran their notification step (fully processed).
    pub processed: usize,
    /// Fully processed per second, from the first start to the last notification.
    pub processed_per_second: f64,
    /// Most workflows fully processed in any five seconds, per second.
    pub peak_processed_per_second: f64,
}

/// Seats to hold, a booking at a time: runs of 1..=max seats along each row, shuffled.
fn bookings_of(
    show: Uuid,
    seats: &[String],
    per_row: usize,
    max: usize,
    rng: &mut StdRng,
) -> Vec<(Uuid, Vec<String>)> {
    let mut out = Vec::new();
    for row in seats.chunks(per_row.max(1)) {
        let mut i = 0;
        while i < row.len() {
            let n = rng.random_range(1..=max.max(1)).min(row.len() - i);
            out.push((show, row[i..i + n].to_vec()));
            i += n;
        }
    }
    out
}

/// Holds every seat of a copy of the sale's shows (more shows of the same size when the sale
/// has fewer than `limit_seats` seats), straight at PostgreSQL.
pub async fn database_limit(params: &Params) -> anyhow::Result<DatabaseLimit> {
    let app = TestApp::spawn_with(TestOptions {
        in_process_worker: false,
        hold_seconds: params.hold_seconds,
        ..TestOptions::default()
    })
    .await;
    let mut rng = StdRng::seed_from_u64(params.seed);
    let mut work = Vec::new();
    let per_show = params.rows * usize::from(params.per_row);
    let shows = params
        .shows
        .max(params.limit_seats.div_ceil(per_show.max(1)));
    for _ in 0..shows {
        let show = app.create_show(params.rows, params.per_row).await?;
        let per_row = usize::from(params.per_row);
        work.extend(bookings_of(
            show.show_id,
            &show.seats,
            per_row,
            params.max_seats,
            &mut rng,
        ));
    }
    // No API, no relay: nothing but these clients touches this database from here on.
    app.stop_api();
    work.shuffle(&mut rng);
    let holds = work.len();
    let pool_size = Settings::from_env()?.db_pool;
    let pool = mtbp_infra::db::connect(&app.settings.database_url, pool_size).await?;
    let queue = Arc::new(Mutex::new(work));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(holds)));
    let failures = Arc::new(AtomicUsize::new(0));
    let policy = HoldPolicy::default();
    let contact = Contact::parse("Test Customer", "customer@example.com", None)
        .map_err(|e| anyhow::anyhow!("contact: {e:?}"))?;
    // The API's limits with their production defaults.
    let limits = Arc::new(mtbp_api::limits::InputLimits::default());
    let rules = Arc::new(app.settings.pricing.clone());
    let started = Instant::now();
    let clients: Vec<_> = (0..params.customers)
        .map(|_| {
            let (queue, latencies, failures) = (queue.clone(), latencies.clone(), failures.clone());
            let limits = limits.clone();
            let rules = rules.clone();
            let (pool, contact, hold_seconds) =
                (pool.clone(), contact.clone(), params.hold_seconds);
            tokio::spawn(async move {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.pop());
                    let Some((show, seats)) = next else { break };
                    let key = Uuid::new_v4().to_string();
                    let request = HoldRequest {
                        booking_id: BookingId::from_idempotency_key(&key),
                        show_id: ShowId::from_uuid(show),
                        seats,
                        hold_seconds,
                        contact: mtbp_domain::Contact {
                            email: format!("fan-{key}@example.com"),
                            ..contact.clone()
                        },
                        customer_id: None,
                        platform_seats: false,
                    };
                    let fingerprint = request_fingerprint(
                        request.show_id,
                        &request.seats,
                        None,
                        &request.contact,
                        None,
                    );
                    // As the API does: the show's facts and the offers that may apply are read
                    // before the hold's transaction, and the seats taken are priced inside it.
                    let Ok(plan) = pricing_plan(&pool, &rules, &request).await else {
                        failures.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    let record = HoldRecord {
                        idempotency: Some((key, fingerprint)),
                        best: None,
                        // As the API's hold from the sale's customers: the per-email limit
                        // checked (each a customer of their own), loopback exempt from the
                        // per-address one.
                        client_addr: Some(std::net::Ipv4Addr::LOCALHOST.into()),
                        limits: HoldLimits {
                            per_email: limits.holds_per_email,
                            per_address: None,
                        },
                        min_charges: &limits.min_charges,
                        pricing: &plan,
                    };
                    let t = Instant::now();
                    let held = match hold_and_record(&pool, &request, record).await {
                        Ok(RecordedHold::Held(pending)) => {
                            let input = BookingInput::after_hold(
                                &pending.request,
                                &pending.hold,
                                pending.theater_id,
                                policy,
                            );
                            let input = serde_json::to_value(&input).unwrap_or_default();
                            pending.record(&input).await.is_ok()
                        }
                        _ => false,
                    };
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    if held {
                        let at = started.elapsed().as_secs_f64();
                        if let Ok(mut l) = latencies.lock() {
                            l.push((at, ms));
                        }
                    } else {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    pool.close().await;
    anyhow::ensure!(
        failures.load(Ordering::Relaxed) == 0,
        "{} of {holds} holds on disjoint seats failed in the database-limit run",
        failures.load(Ordering::Relaxed)
    );
    let samples: Vec<(f64, f64)> = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    drop(app);
    Ok(DatabaseLimit {
        clients: params.customers,
        pool: pool_size,
        holds,
        seconds,
        holds_per_second: holds as f64 / seconds.max(1e-3),
        peak_holds_per_second: peak_rate(&samples.iter().map(|s| s.0).collect::<Vec<_>>(), 1.0),
        hold_latency: Latency::of(samples.iter().map(|s| s.1).collect()),
    })
}

/// Starts and pays `count` empty booking-shaped workflows from as many clients as the sale had.
pub async fn orchestration_limit(
    params: &Params,
    target: &Target,
    count: usize,
) -> anyhow::Result<OrchestrationLimit> {
    let count = count.max(20);
    let settings = Settings::from_env()?;
    let task_queue = format!("baseline-{}", Uuid::new_v4().simple());
    let queue = task_queue.clone();
    let started = Instant::now();
    let processed = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let noop = NoopActivities::new(started, processed.clone());
    let stop = crate::app::spawn_worker_thread(move || async move {
        let client = mtbp_infra::temporal::connect(
            &settings.temporal_address,
            &settings.temporal_namespace,
            "mtbp-baseline-worker",
        )
        .await?;
        let runtime = temporalio_sdk::Runtime::from_current_tokio(Default::default())?;
        let options = temporalio_sdk::WorkerOptions::new(queue)
            .max_cached_workflows(2_000)
            .register_workflow::<BaselineWorkflow>()?
            .register_activities(noop)
            .build();
        Ok(temporalio_sdk::Worker::new(&runtime, client, options)?.into())
    })?;
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let clients: Vec<_> = (0..params.customers)
        .map(|i| {
            let (next, latencies) = (next.clone(), latencies.clone());
            let (temporal, task_queue) = (target.temporal.clone(), task_queue.clone());
            let params = params.clone();
            let hold_seconds = params.hold_seconds;
            let mut rng = StdRng::seed_from_u64(params.seed.wrapping_add(i as u64));
            tokio::spawn(async move {
                // Arrivals start workflows; each is paid on a task of its own after the same
                // think time as a customer's, as the sale does.
                let mut payments = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let options = WorkflowStartOptions::new(
                        task_queue.clone(),
                        format!("baseline-{}", Uuid::new_v4()),
                    )
                    .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
                    .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
                    .build();
                    let handle = temporal
                        .start_workflow(BaselineWorkflow::run, hold_seconds, options)
                        .await?;
                    let think = params.think(&mut rng);
                    let latencies = latencies.clone();
                    payments.push(tokio::spawn(async move {
                        tokio::time::sleep(think).await;
                        let t = Instant::now();
                        handle
                            .execute_update(
                                BaselineWorkflow::pay,
                                (),
                                WorkflowExecuteUpdateOptions::default(),
                            )
                            .await?;
                        let done = (
                            started.elapsed().as_secs_f64(),
                            t.elapsed().as_secs_f64() * 1000.0,
                        );
                        if let Ok(mut l) = latencies.lock() {
                            l.push(done);
                        }
                        anyhow::Ok(())
                    }));
                }
                for p in payments {
                    p.await??;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    let mut outcome = Ok(());
    for c in clients {
        if let Err(e) = c.await? {
            outcome = Err(e);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    // The steps after the answer: wait (bounded) for every paid workflow's notification.
    let paid = latencies.lock().map(|l| l.len()).unwrap_or_default();
    let wait_until = Instant::now() + Duration::from_secs(60);
    while processed.lock().map(|p| p.len()).unwrap_or_default() < paid
        && Instant::now() < wait_until
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop();
    outcome?;
    let samples: Vec<(f64, f64)> = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    let processed: Vec<f64> = processed.lock().map(|p| p.clone()).unwrap_or_default();
    let last_processed = processed.iter().copied().fold(0.0, f64::max);
    Ok(OrchestrationLimit {
        clients: params.customers,
        workflows: count,
        seconds,
        workflows_per_second: count as f64 / seconds.max(1e-3),
        peak_workflows_per_second: peak_rate(&samples.iter().map(|s| s.0).collect::<Vec<_>>(), 5.0),
        latency: Latency::of(samples.iter().map(|s| s.1).collect()),
        processed: processed.len(),
        processed_per_second: processed.len() as f64 / last_processed.max(1e-3),
        peak_processed_per_second: peak_rate(&processed, 5.0),
    })
}

/// The pricing plan of a guest's hold without a code, read as the API reads it.
async fn pricing_plan<'a>(
    pool: &mtbp_store::PgPool,
    rules: &'a mtbp_domain::pricing::PricingRules,
    request: &HoldRequest,
) -> anyhow::Result<mtbp_store::seats::PricingPlan<'a>> {
    let now = chrono::Utc::now();
    let show = mtbp_store::pricing::show_facts(pool, request.show_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no show {}", request.show_id))?
        .facts;
    let candidates =
        mtbp_store::offers::candidates(pool, show.partner_id, None, None, request.booking_id, now)
            .await?;
    Ok(mtbp_store::seats::PricingPlan {
        rules,
        show,
        customer: mtbp_domain::pricing::CustomerFacts::default(),
        candidates,
        addons: Vec::new(),
        offer_code: None,
        now,
    })
}
