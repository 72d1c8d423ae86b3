//! The mtbp worker: registers the workflows and activities and polls the task queue.
//!
//! Exposed as a library so the test harness can run a worker on a thread of its own, next to
//! the binary that production runs.

pub mod archiver;
pub mod ledger;
pub mod ops;
pub mod relay;
pub mod settlement;

use anyhow::Context;
use mtbp_activities::notify::{SnsTexts, StoredInvoices};
use mtbp_activities::{
    CancellationActivities, InvoiceActivities, NotifyActivities, OfferActivities,
    PaymentActivities, PaymentFaults, SeatActivities, SettlementActivities, SubscriptionActivities,
    TheaterActivities,
};
use mtbp_infra::config::{Settings, parse_or};
use mtbp_infra::gateway::StripeGateway;
use mtbp_infra::objects::ObjectStore;
use mtbp_infra::sms::SmsSender;
use mtbp_infra::theater::TheaterConnector;
use mtbp_infra::{db, process, temporal};
use mtbp_workflows::booking::after_payment_queue;
use mtbp_workflows::{
    AnnouncementWorkflow, BookingWorkflow, CancellationWorkflow, SettlementScheduleWorkflow,
    SettlementWorkflow, ShowCancellationWorkflow, SubscriptionWorkflow,
};
use std::sync::Arc;
use std::time::Duration;
use temporalio_sdk::runtime::PollerBehavior;
use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

/// Workflow-task polls a worker keeps open by default (the SDK's default is 5). A task that
/// finds no poll waiting is written to the server's backlog and read back (a database write and
/// read on the booking's path); with enough polls waiting it is handed over at once. With the
/// closed-loop bench (docs/PERFORMANCE.md) 16 did as well as 5 or better at 32 customers, within
/// the machine's noise; an idle poll costs next to nothing.
pub const WORKFLOW_POLLERS: usize = 16;
/// Activity-task polls a worker keeps open by default (the SDK's default is 5; the charge is
/// the one remote activity on a booking's path).
pub const ACTIVITY_POLLERS: usize = 16;

/// Invoice and notification activities a worker runs at once on the after-payment queue by
/// default. Each renders a PDF (a few milliseconds of CPU) or talks to SMTP; more than this
/// would take the cores the customers' charges need in a rush, and 8 at ~50 ms each drain
/// well over a hundred bookings a second (docs/PERFORMANCE.md).
pub const AFTER_PAYMENT_SLOTS: usize = 8;

/// Fault injection for crash tests of the steps after the payment: pauses that give a test a
/// deterministic moment to kill the worker. Zero (no pause) unless a test sets them; never set
/// in production.
#[derive(Clone, Copy, Debug, Default)]
pub struct AfterPaymentFaults {
    /// Pause after the invoices are numbered, before their PDFs are stored
    /// (`MTBP_FAULT_PAUSE_AFTER_NUMBERING_MS`).
    pub pause_after_numbering: Duration,
    /// Pause after a message went out, before its record is settled
    /// (`MTBP_FAULT_PAUSE_AFTER_SEND_MS`).
    pub pause_after_send: Duration,
    /// Pause after a settlement's payout is recorded, before its activity answers
    /// (`MTBP_FAULT_PAUSE_AFTER_PAYOUT_MS`).
    pub pause_after_payout: Duration,
}

impl AfterPaymentFaults {
    /// Reads the pauses from the environment (milliseconds; unset is zero).
    pub fn from_env() -> anyhow::Result<Self> {
        let ms = |name| parse_or(name, 0u64).map(Duration::from_millis);
        Ok(Self {
            pause_after_numbering: ms("MTBP_FAULT_PAUSE_AFTER_NUMBERING_MS")?,
            pause_after_send: ms("MTBP_FAULT_PAUSE_AFTER_SEND_MS")?,
            pause_after_payout: ms("MTBP_FAULT_PAUSE_AFTER_PAYOUT_MS")?,
        })
    }
}

/// Everything a worker needs.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Shared settings.
    pub settings: Settings,
    /// Fault injection for crash tests (zero in production).
    pub faults: PaymentFaults,
    /// Fault injection for crash tests of the invoice and notify steps (zero in production).
    pub after_payment_faults: AfterPaymentFaults,
    /// Most workflows kept in the sticky cache.
    pub max_cached_workflows: usize,
    /// Serve the steps after the payment (invoices, notifications) too
    /// (`MTBP_WORKER_AFTER_PAYMENT`, on by default). Off, the worker leaves those activities to
    /// other workers on the queue: tests of the activities themselves run one like that, so the
    /// saga's own attempts stay queued and do not race theirs.
    pub after_payment: bool,
    /// Most workflow-task polls open at once (`MTBP_WORKFLOW_POLLERS`).
    pub workflow_pollers: usize,
    /// Most activity-task polls open at once (`MTBP_ACTIVITY_POLLERS`).
    pub activity_pollers: usize,
    /// Most invoice and notification activities at once on the after-payment queue
    /// (`MTBP_AFTER_PAYMENT_SLOTS`).
    pub after_payment_slots: usize,
    /// Serve the Temporal SDK's own metrics (on a loopback port of its own, appended to the
    /// worker's `/metrics`; `MTBP_SDK_METRICS`, on by default).
    pub sdk_metrics: bool,
}

impl WorkerConfig {
    /// Reads the config from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            settings: Settings::from_env()?,
            faults: PaymentFaults {
                pause_after_charge: Duration::from_millis(parse_or(
                    "MTBP_FAULT_PAUSE_AFTER_CHARGE_MS",
                    0u64,
                )?),
                pause_in_confirm: Duration::from_millis(parse_or(
                    "MTBP_FAULT_PAUSE_IN_CONFIRM_MS",
                    0u64,
                )?),
            },
            after_payment_faults: AfterPaymentFaults::from_env()?,
            max_cached_workflows: parse_or("MTBP_MAX_CACHED_WORKFLOWS", 2_000usize)?,
            after_payment: parse_or("MTBP_WORKER_AFTER_PAYMENT", true)?,
            workflow_pollers: parse_or("MTBP_WORKFLOW_POLLERS", WORKFLOW_POLLERS)?.max(2),
            activity_pollers: parse_or("MTBP_ACTIVITY_POLLERS", ACTIVITY_POLLERS)?.max(1),
            after_payment_slots: parse_or("MTBP_AFTER_PAYMENT_SLOTS", AFTER_PAYMENT_SLOTS)?.max(1),
            sdk_metrics: parse_or("MTBP_SDK_METRICS", true)?,
        })
    }
}

/// The worker of a process: the booking queue's, and the after-payment queue's beside it.
pub struct Workers {
    main: Worker,
    after_payment: Option<Worker>,
    /// Where the Temporal SDK serves its own metrics, when it does.
    pub sdk_metrics: Option<std::net::SocketAddr>,
}

impl From<Worker> for Workers {
    fn from(main: Worker) -> Self {
        Self {
            main,
            after_payment: None,
            sdk_metrics: None,
        }
    }
}

impl Workers {
    /// A function that asks every worker to shut down.
    pub fn shutdown_handle(&self) -> impl Fn() + Send + Sync + 'static + use<> {
        let main = self.main.shutdown_handle();
        let after = self.after_payment.as_ref().map(Worker::shutdown_handle);
        move || {
            main();
            if let Some(after) = &after {
                after();
            }
        }
    }

    /// Runs every worker until all of them shut down (on the current thread: not `Send`).
    pub async fn run(&mut self) -> anyhow::Result<()> {
        let Self {
            main,
            after_payment,
            ..
        } = self;
        match after_payment {
            Some(after) => {
                let (a, b) = tokio::join!(main.run(), after.run());
                a?;
                b?;
            }
            None => main.run().await?,
        }
        Ok(())
    }
}

/// Builds the workers; run them with [`Workers::run`] on the current thread (not `Send`).
pub async fn build_worker(config: &WorkerConfig) -> anyhow::Result<Workers> {
    // The recorder first: what happens before the first scrape is counted too.
    mtbp_infra::ops::metrics();
    let s = &config.settings;
    let pool = db::connect(&s.database_url, s.db_pool)
        .await
        .context("connecting to PostgreSQL")?;
    let gateway = StripeGateway::new(&s.stripe_api_base, &s.stripe_secret_key)?;
    let client = temporal::connect_traced(
        &s.temporal_address,
        &s.temporal_namespace,
        "mtbp-worker",
        s.traces,
    )
    .await
    .context("connecting to Temporal")?;
    let objects = ObjectStore::new(&s.aws);
    // Made here as well as by the local stack, so a fresh store works at once. Not fatal: the
    // invoice step retries until the store answers, and bookings go on meanwhile.
    if let Err(e) = objects.ensure_bucket().await {
        tracing::warn!(bucket = objects.bucket(), error = %e, "documents bucket not ready");
    }
    // Notifications: the retry policy is the caller's (`mtbp_workflows::notify::notify_call`:
    // backoff from 5 s to 10 min, for 6 hours). Texts go through SNS; the confirmation attaches
    // the invoice the invoice step stored.
    let notify = || -> anyhow::Result<NotifyActivities> {
        Ok(NotifyActivities::new(pool.clone(), &s.notify)
            .context("notifications")?
            .with_texts(Arc::new(SnsTexts(SmsSender::new(&s.aws))))
            .with_invoices(Arc::new(StoredInvoices::new(pool.clone(), objects.clone())))
            .with_pause_after_send(config.after_payment_faults.pause_after_send))
    };
    let invoices = || {
        InvoiceActivities::new(pool.clone(), objects.clone(), s.platform.clone())
            .with_pause_after_numbering(config.after_payment_faults.pause_after_numbering)
    };
    let theaters = TheaterConnector::new(Duration::from_secs(5))?;
    let theater = || TheaterActivities::new(pool.clone(), theaters.clone());
    let (runtime, sdk_metrics) = runtime(config.sdk_metrics)?;
    let options = WorkerOptions::new(s.task_queue.clone())
        .max_cached_workflows(config.max_cached_workflows)
        .workflow_task_poller_behavior(PollerBehavior::SimpleMaximum(config.workflow_pollers))
        .activity_task_poller_behavior(PollerBehavior::SimpleMaximum(config.activity_pollers))
        .graceful_shutdown_period(Duration::from_secs(10))
        .activity_inbound_interceptor(ops::StepMetrics)
        .register_workflow::<BookingWorkflow>()?
        .register_workflow::<mtbp_workflows::BookingRepairWorkflow>()?
        .register_workflow::<SubscriptionWorkflow>()?
        .register_workflow::<AnnouncementWorkflow>()?
        .register_workflow::<CancellationWorkflow>()?
        .register_workflow::<ShowCancellationWorkflow>()?
        .register_workflow::<SettlementWorkflow>()?
        .register_workflow::<SettlementScheduleWorkflow>()?
        .register_activities(
            SettlementActivities::new(
                pool.clone(),
                objects.clone(),
                Arc::new(settlement::TemporalBookings(client.clone())),
            )
            .with_pause_after_payout(config.after_payment_faults.pause_after_payout),
        )
        .register_activities(CancellationActivities::new(
            pool.clone(),
            gateway.clone(),
            Arc::new(s.pricing.clone()),
        ))
        .register_activities(theater())
        .register_activities(SeatActivities::with_confirm_pause(
            pool.clone(),
            config.faults.pause_in_confirm,
        ))
        .register_activities(OfferActivities::new(
            pool.clone(),
            Arc::new(s.pricing.clone()),
        ))
        .register_activities(SubscriptionActivities::new(pool.clone(), gateway.clone()))
        .register_activities(PaymentActivities::new(pool.clone(), gateway, config.faults));
    // On the booking queue too: announcements and subscriptions notify there, and bookings
    // whose histories predate the after-payment queue invoice and notify there.
    let options = if config.after_payment {
        options
            .register_activities(notify()?)
            .register_activities(invoices())
    } else {
        options
    }
    .build();
    let main = Worker::new(&runtime, client.clone(), options)?;
    let after_payment = if config.after_payment {
        let slots = config.after_payment_slots;
        let tuner = TunerHolder::builder()
            .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(1))
            .activity_task_slot_supplier(FixedSizeSlotSupplier::new(slots))
            .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(1))
            .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
            .build();
        let options = WorkerOptions::new(after_payment_queue(&s.task_queue))
            .tuner(tuner)
            .activity_task_poller_behavior(PollerBehavior::SimpleMaximum(slots.min(8)))
            .graceful_shutdown_period(Duration::from_secs(10))
            .activity_inbound_interceptor(ops::StepMetrics)
            .register_activities(notify()?)
            .register_activities(invoices())
            .register_activities(theater())
            .build();
        Some(Worker::new(&runtime, client, options)?)
    } else {
        None
    };
    Ok(Workers {
        main,
        after_payment,
        sdk_metrics,
    })
}

/// The SDK runtime, with its metrics exported on a loopback port of their own when asked.
fn runtime(sdk_metrics: bool) -> anyhow::Result<(Runtime, Option<std::net::SocketAddr>)> {
    use temporalio_common::telemetry::{
        PrometheusExporterOptions, TelemetryOptions, start_prometheus_metric_exporter,
    };
    if !sdk_metrics {
        return Ok((Runtime::from_current_tokio(Default::default())?, None));
    }
    let exporter = start_prometheus_metric_exporter(
        PrometheusExporterOptions::builder()
            .socket_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .counters_total_suffix(true)
            .use_seconds_for_durations(true)
            .unit_suffix(true)
            .build(),
    )?;
    let telemetry = TelemetryOptions::builder()
        .metrics(exporter.meter.clone() as Arc<_>)
        .build();
    let options = temporalio_sdk::runtime::RuntimeOptions::builder()
        .telemetry_options(telemetry)
        .build()
        .map_err(|e| anyhow::anyhow!("the SDK runtime: {e}"))?;
    Ok((
        Runtime::from_current_tokio(options)?,
        Some(exporter.bound_addr),
    ))
}

/// What a worker process runs (`MTBP_WORKER_ROLES`, comma-separated; all three by default):
/// the workflows and activities, the event relay, the analytics archiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Roles {
    /// Workflows and activities on the task queues.
    pub workflows: bool,
    /// The outbox relay to Kafka.
    pub relay: bool,
    /// The analytics archiver (Kafka → S3).
    pub archiver: bool,
}

impl Roles {
    /// Parses `workflows,relay,archiver` (any subset, any order).
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut roles = Self {
            workflows: false,
            relay: false,
            archiver: false,
        };
        for role in text.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            match role {
                "workflows" => roles.workflows = true,
                "relay" => roles.relay = true,
                "archiver" => roles.archiver = true,
                other => anyhow::bail!(
                    "MTBP_WORKER_ROLES: unknown role {other:?} (workflows, relay, archiver)"
                ),
            }
        }
        if !(roles.workflows || roles.relay || roles.archiver) {
            anyhow::bail!("MTBP_WORKER_ROLES names no role (workflows, relay, archiver)");
        }
        Ok(roles)
    }
}

/// The ops endpoints on `MTBP_WORKER_ADDR` (`127.0.0.1:8081`; `off` for none) and, for a
/// workflows worker, the database gauges every 5 s. Not fatal: a worker without its ops port
/// still works (and says why in its log).
async fn start_ops(
    config: &WorkerConfig,
    roles: Roles,
    kafka: &mtbp_infra::kafka::KafkaSettings,
    sdk_metrics: Option<std::net::SocketAddr>,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    match try_start_ops(config, roles, kafka, sdk_metrics, stop.clone()).await {
        Ok(tasks) => tasks,
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "worker ops endpoints not started");
            Vec::new()
        }
    }
}

async fn try_start_ops(
    config: &WorkerConfig,
    roles: Roles,
    kafka: &mtbp_infra::kafka::KafkaSettings,
    sdk_metrics: Option<std::net::SocketAddr>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let s = &config.settings;
    let addr = mtbp_infra::config::var_or("MTBP_WORKER_ADDR", "127.0.0.1:8081");
    if addr == "off" {
        return Ok(Vec::new());
    }
    let db = db::connect(&s.database_url, 2)
        .await
        .context("connecting to PostgreSQL (ops)")?;
    // Compensation failures counted from zero, so the first one is an increase an alert sees.
    for step in ["refund_payment", "close_booking", "release_theater_lock"] {
        metrics::counter!("mtbp_saga_step_failures_total", "step" => step, "kind" => "compensation")
            .increment(0);
    }
    let state = ops::OpsState {
        db: db.clone(),
        temporal: temporal::connect(&s.temporal_address, &s.temporal_namespace, "mtbp-ops")
            .await
            .context("connecting to Temporal (ops)")?,
        gateway: StripeGateway::new(&s.stripe_api_base, &s.stripe_secret_key)?,
        objects: ObjectStore::new(&s.aws),
        smtp: format!("{}:{}", s.notify.smtp_host, s.notify.smtp_port),
        kafka: (kafka.enabled() && (roles.relay || roles.archiver)).then(|| {
            kafka
                .brokers
                .split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        }),
        sdk_metrics,
        http: reqwest::Client::new(),
    };
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("binding MTBP_WORKER_ADDR {addr}"))?;
    tracing::info!(address = %addr, "worker ops endpoints listening (/health, /ready, /metrics)");
    let mut tasks = vec![tokio::spawn(ops::serve(listener, state, stop.clone()))];
    if roles.workflows {
        tasks.push(tokio::spawn(ops::gauges(db, Duration::from_secs(5), stop)));
    }
    Ok(tasks)
}

/// Brings every partner's settlement schedule in step with its contract, logging the outcome.
async fn reconcile_schedules(s: Settings) {
    let pool = db::connect(&s.database_url, 2).await;
    let client =
        temporal::connect(&s.temporal_address, &s.temporal_namespace, "mtbp-schedules").await;
    let (Ok(pool), Ok(client)) = (pool, client) else {
        tracing::warn!("settlement schedules not reconciled: no database or Temporal");
        return;
    };
    match settlement::reconcile(&pool, &client, &s.task_queue).await {
        Ok(done) => tracing::info!(
            created = done.created,
            updated = done.updated,
            removed = done.deleted,
            short = done.short,
            "settlement schedules in step with the contracts"
        ),
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "settlement schedules not reconciled"),
    }
}

/// Runs a worker from the environment until SIGINT / SIGTERM: the body of `mtbp-worker`. Its
/// roles (`MTBP_WORKER_ROLES`): the workflows, the event relay and the analytics archiver; the
/// last two only with a broker (`MTBP_KAFKA_BROKERS`).
pub async fn run_until_signal() -> anyhow::Result<()> {
    process::init_tracing("info,temporalio_sdk_core=warn,sqlx=warn,rdkafka=warn");
    mtbp_infra::telemetry::init("mtbp-worker")?;
    let config = WorkerConfig::from_env()?;
    let roles = Roles::parse(&mtbp_infra::config::var_or(
        "MTBP_WORKER_ROLES",
        "workflows,relay,archiver",
    ))?;
    let kafka = mtbp_infra::kafka::KafkaSettings::from_env()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut background = Vec::new();
    if (roles.relay || roles.archiver) && !kafka.enabled() {
        tracing::warn!("no MTBP_KAFKA_BROKERS: events stay in the outbox, nothing is archived");
    }
    if roles.relay && kafka.enabled() {
        let s = &config.settings;
        let pool = db::connect(&s.database_url, 4)
            .await
            .context("connecting to PostgreSQL (relay)")?;
        let relay_config = relay::RelayConfig::from_env(kafka.clone())?;
        let counts = Arc::new(relay::RelayCounts::default());
        background.push(tokio::spawn(relay::run(
            pool,
            relay_config,
            counts,
            stop_rx.clone(),
        )));
    }
    if roles.archiver && kafka.enabled() {
        let objects = ObjectStore::new(&config.settings.aws);
        let archiver_config = archiver::ArchiverConfig::from_env(kafka.clone())?;
        let counts = Arc::new(archiver::ArchiverCounts::default());
        background.push(tokio::spawn(archiver::run(
            objects,
            archiver_config,
            counts,
            stop_rx.clone(),
        )));
    }
    if roles.workflows {
        let mut worker = build_worker(&config).await?;
        background.extend(start_ops(&config, roles, &kafka, worker.sdk_metrics, &stop_rx).await);
        // Every partner's settlement schedule in step with its contract (the contract API
        // keeps them so too), beside the worker's polls rather than before them; not fatal:
        // `mtbp-worker schedules` can be run again.
        if parse_or("MTBP_RECONCILE_SCHEDULES", true)? {
            tokio::spawn(reconcile_schedules(config.settings.clone()));
        }
        let shutdown = worker.shutdown_handle();
        tokio::spawn(async move {
            process::shutdown_signal().await;
            tracing::info!("shutting down the worker");
            shutdown();
        });
        tracing::info!(
            task_queue = %config.settings.task_queue,
            after_payment = config.after_payment,
            "worker started"
        );
        worker.run().await?;
    } else {
        background.extend(start_ops(&config, roles, &kafka, None, &stop_rx).await);
        process::shutdown_signal().await;
        tracing::info!("shutting down");
    }
    let _ = stop_tx.send(true);
    for task in background {
        let _ = tokio::time::timeout(Duration::from_secs(15), task).await;
    }
    mtbp_infra::telemetry::shutdown();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Roles;

    #[test]
    fn roles_are_any_subset_and_nothing_else() {
        let all = Roles::parse("workflows,relay,archiver").expect("all");
        assert!(all.workflows && all.relay && all.archiver);
        let relay = Roles::parse(" relay ").expect("relay");
        assert!(!relay.workflows && relay.relay && !relay.archiver);
        assert!(Roles::parse("").is_err());
        assert!(Roles::parse("workflows,cron").is_err());
    }
}
