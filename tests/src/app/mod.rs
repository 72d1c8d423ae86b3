//! `TestApp`: one isolated copy of the platform per test, on the shared local stack.
//!
//! Each test gets a fresh database (cloned from a migrated template), the API on a random
//! port, and — unless it asks otherwise — a worker on a task queue of its own, so tests run in
//! parallel without seeing each other's bookings.

use crate::{ApiClient, StripeClient};
use anyhow::Context;
use mtbp_activities::PaymentFaults;
use mtbp_api::auth::{AuthConfig, AuthUser, Role};
use mtbp_api::config::{ApiConfig, OperatorSeed};
use mtbp_domain::{AccountId, PartnerId};
use mtbp_infra::config::Settings;
use mtbp_workers::WorkerConfig;
use sqlx::PgPool;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use temporalio_client::Client;
use uuid::Uuid;

mod databases;
mod worker;

use databases::{create_database, with_database};
pub use worker::spawn_worker_thread;
use worker::start_worker_thread;

/// The key test apps sign access tokens with, so tests can forge and tamper with tokens.
pub const TEST_JWT_SECRET: &[u8] = b"test-only-signing-key-0123456789abcdef";

/// Knobs a test may turn.
#[derive(Clone, Debug)]
pub struct TestOptions {
    /// Hold length for bookings.
    pub hold_seconds: u32,
    /// How long seats stay held while paying.
    pub payment_window_seconds: u32,
    /// Seconds one hold extension adds.
    pub hold_extension_seconds: u32,
    /// How many extensions a hold may have.
    pub max_hold_extensions: u32,
    /// Hard cap on a hold's life.
    pub hold_cap_seconds: u32,
    /// Run an in-process worker (false when the test runs worker processes itself).
    pub in_process_worker: bool,
    /// The API's Temporal client carries the trace context (with the exporter installed):
    /// only the traces test's app, so the other apps of the process stay as they were.
    pub traces: bool,
    /// Fault injection for the in-process worker.
    pub faults: PaymentFaults,
    /// Life of access tokens.
    pub access_ttl: Duration,
    /// Sign-in attempts per email per minute.
    pub login_attempts_per_minute: u32,
    /// Operator account (email, password) ensured at start-up.
    pub operator: Option<(String, String)>,
    /// An external identity provider to accept tokens from.
    pub oidc: Option<mtbp_api::auth::oidc::OidcConfig>,
    /// How long `pay` waits for the saga before answering 202.
    pub pay_wait: Duration,
    /// The payment gateway the API and the worker use, if not the stack's (a [`SlowGateway`]
    /// in front of it, say).
    ///
    /// [`SlowGateway`]: crate::SlowGateway
    pub stripe_api_base: Option<String>,
    /// Show horizon, hold limits, minimum charges: the production defaults, except that one
    /// email may hold 1,000 times per show (tests book as one test customer).
    pub limits: mtbp_api::limits::InputLimits,
    /// Bounds against sign-in and sign-up floods.
    pub flood: mtbp_api::auth::limits::FloodLimits,
    /// Pricing rules other than the environment's (the demo's fee and GST by default).
    pub pricing: Option<mtbp_domain::pricing::PricingRules>,
    /// How long before the show the reminder goes out (`None`: the environment's; by default so
    /// long that no test booking gets one).
    pub reminder_before: Option<Duration>,
    /// The SMTP port the worker sends mail to, if not the stack's (a test's own forwarder in
    /// front of maildev, say).
    pub smtp_port: Option<u16>,
    /// The in-process worker serves the invoice and notification steps (off for tests that
    /// call those activities themselves: the saga's own attempts then wait in the queue).
    pub after_payment_worker: bool,
    /// Plan periods and dunning: periods of a second allowed and a short dunning, so tests
    /// watch renewals and retries happen.
    pub subscriptions: mtbp_api::config::SubscriptionSettings,
    /// Events: this app's own topics on the stack's broker (`t<id>.mtbp.<topic>.v1`), and an
    /// in-process relay publishing this test's outbox to them (with `events_relay`).
    pub events: bool,
    /// With `events`, run the relay in process (off for tests that run relay processes).
    pub events_relay: bool,
    /// With `events`, a broker other than the stack's (a test's own, to restart it).
    pub kafka_brokers: Option<String>,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            hold_seconds: 600,
            payment_window_seconds: 120,
            hold_extension_seconds: 300,
            max_hold_extensions: 2,
            hold_cap_seconds: 1200,
            in_process_worker: true,
            traces: false,
            faults: PaymentFaults::default(),
            access_ttl: Duration::from_secs(900),
            login_attempts_per_minute: 5,
            operator: None,
            oidc: None,
            pay_wait: Duration::from_secs(20),
            stripe_api_base: None,
            limits: mtbp_api::limits::InputLimits {
                holds_per_email: 1000,
                ..Default::default()
            },
            // Tests sign up many accounts from 127.0.0.1; `flood` tests turn the limit on.
            flood: mtbp_api::auth::limits::FloodLimits {
                sign_ups_per_address_per_hour: 0,
                ..mtbp_api::auth::limits::FloodLimits::default()
            },
            pricing: None,
            // No reminder unless a test asks for one: its workflows close once the customer is
            // told, so tests can wait for them to close and replay their histories.
            reminder_before: Some(Duration::from_secs(400 * 86_400)),
            smtp_port: None,
            after_payment_worker: true,
            events: false,
            events_relay: true,
            kafka_brokers: None,
            subscriptions: mtbp_api::config::SubscriptionSettings {
                min_plan_period_seconds: 1,
                dunning_seconds: vec![1, 2],
                first_charge_wait: Duration::from_secs(20),
                ..mtbp_api::config::SubscriptionSettings::default()
            },
        }
    }
}

/// A signed-in caller made for a test: its account and a client acting as it.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The account.
    pub account_id: Uuid,
    /// For partner staff: the partner.
    pub partner_id: Option<Uuid>,
    /// Email of the account.
    pub email: String,
    /// A client signed in as the account.
    pub api: ApiClient,
}

/// A running, isolated platform for one test.
pub struct TestApp {
    /// Client of this app's API, anonymous.
    pub api: ApiClient,
    /// Client signed in as an operator.
    pub admin: ApiClient,
    /// The operator's account id.
    pub admin_id: Uuid,
    auth: AuthConfig,
    /// Client of the payment gateway.
    pub stripe: StripeClient,
    /// This test's database.
    pub db: PgPool,
    /// Temporal client.
    pub temporal: Client,
    /// The API's state, for requests sent in-process through `mtbp_api::router`.
    pub state: mtbp_api::state::AppState,
    /// Settings the API and workers of this app use (database, task queue…).
    pub settings: Settings,
    /// With `TestOptions::events`: the broker and this app's own topic names.
    pub kafka: Option<mtbp_infra::kafka::KafkaSettings>,
    relay_stop: Option<tokio::sync::watch::Sender<bool>>,
    worker_shutdown: Option<Box<dyn Fn() + Send + Sync>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.relay_stop.take() {
            let _ = stop.send(true);
        }
        if let Some(stop) = self.worker_shutdown.take() {
            stop();
        }
        self.server.abort();
    }
}

impl TestApp {
    /// Stands in for the partner's settlement of a paid booking whose saga waits for it (tests
    /// not about settlement, which wait for the workflow to close): sends the settlement's
    /// `settlement_done` signal, as `SettlementWorkflow` does. `true` if it was waiting.
    pub async fn settle_if_waiting(&self, workflow_id: &str) -> bool {
        use mtbp_workflows::BookingWorkflow;
        use mtbp_workflows::booking::types::SettlementDone;
        use temporalio_client::{WorkflowQueryOptions, WorkflowSignalOptions};
        let handle = self
            .temporal
            .get_workflow_handle::<BookingWorkflow>(workflow_id.to_owned());
        let Ok(view) = handle
            .query(BookingWorkflow::status, (), WorkflowQueryOptions::default())
            .await
        else {
            return false;
        };
        if view.step != "waiting for settlement" {
            return false;
        }
        handle
            .signal(
                BookingWorkflow::settlement_done,
                SettlementDone {
                    settlement_id: "test-settlement".into(),
                },
                WorkflowSignalOptions::default(),
            )
            .await
            .is_ok()
    }

    /// Spawns an app with default options.
    pub async fn spawn() -> Self {
        Self::spawn_with(TestOptions::default()).await
    }

    /// Spawns an app; panics with a clear message if the stack is not up.
    pub async fn spawn_with(options: TestOptions) -> Self {
        match Self::try_spawn(options).await {
            Ok(app) => app,
            Err(e) => panic!(
                "could not start a test app ({e:#}); is the local stack up? run `./mtbp test` \
                 or `deploy/local/stack.sh up`"
            ),
        }
    }

    async fn try_spawn(options: TestOptions) -> anyhow::Result<Self> {
        init_test_tracing();
        let base = Settings::from_env()?;
        let db_name = format!("mtbp_test_{}", Uuid::new_v4().simple());
        create_database(&base.database_url, &db_name).await?;
        let mut settings = base.clone();
        settings.database_url = with_database(&base.database_url, &db_name);
        settings.task_queue = format!("test-{}", Uuid::new_v4().simple());
        settings.db_pool = 8;
        if let Some(base) = &options.stripe_api_base {
            settings.stripe_api_base = base.clone();
        }
        if let Some(rules) = &options.pricing {
            settings.pricing = rules.clone();
        }
        settings.traces = options.traces;
        if let Some(before) = options.reminder_before {
            settings.notify.reminder_before = before;
        }
        if let Some(port) = options.smtp_port {
            settings.notify.smtp_port = port;
        }

        let config = ApiConfig {
            settings: settings.clone(),
            bind: "127.0.0.1:0".parse()?,
            hold_seconds: options.hold_seconds,
            payment_window_seconds: options.payment_window_seconds,
            hold_extension_seconds: options.hold_extension_seconds,
            max_hold_extensions: options.max_hold_extensions,
            hold_cap_seconds: options.hold_cap_seconds,
            cleaning_minutes: 15,
            saga_relay_grace: Duration::from_secs(1),
            pay_wait: options.pay_wait,
            temporal_ui_url: "http://127.0.0.1:8233".into(),
            auth: AuthConfig {
                secret: TEST_JWT_SECRET.to_vec(),
                issuer: "mtbp".into(),
                audience: "mtbp-api".into(),
                access_ttl: options.access_ttl,
                refresh_ttl: Duration::from_secs(3600),
                login_attempts_per_minute: options.login_attempts_per_minute,
                oidc: options.oidc.clone(),
            },
            operator: options
                .operator
                .clone()
                .map(|(email, password)| OperatorSeed { email, password }),
            data_key: Some("5a".repeat(32)),
            limits: options.limits.clone(),
            flood: options.flood.clone(),
            subscriptions: options.subscriptions.clone(),
            // Tests settle periods of a few seconds, so that real schedule firings run.
            settlement_short_periods: true,
        };
        let auth = config.auth.clone();
        let state = mtbp_api::build_state(config).await?;
        let db = state.db.clone();
        let temporal = state.temporal.clone();
        let in_process = state.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let _ = mtbp_api::serve(listener, state, std::future::pending()).await;
        });

        let worker_shutdown = if options.in_process_worker {
            Some(start_worker_thread(WorkerConfig {
                settings: settings.clone(),
                faults: options.faults,
                after_payment_faults: mtbp_workers::AfterPaymentFaults::default(),
                max_cached_workflows: 500,
                after_payment: options.after_payment_worker,
                workflow_pollers: mtbp_workers::WORKFLOW_POLLERS,
                activity_pollers: mtbp_workers::ACTIVITY_POLLERS,
                after_payment_slots: mtbp_workers::AFTER_PAYMENT_SLOTS,
                sdk_metrics: false,
            })?)
        } else {
            None
        };
        let kafka = match options.events {
            true => {
                let mut kafka = mtbp_infra::kafka::KafkaSettings::from_env()?;
                if let Some(brokers) = &options.kafka_brokers {
                    kafka.brokers = brokers.clone();
                }
                anyhow::ensure!(
                    kafka.enabled(),
                    "events tests need the broker: MTBP_KAFKA_BROKERS is not set"
                );
                kafka.topic_prefix =
                    format!("t{}.mtbp.", &Uuid::new_v4().simple().to_string()[..12]);
                kafka.partitions = 3;
                kafka.ensure_topics().await?;
                Some(kafka)
            }
            false => None,
        };
        let relay_stop = match (&kafka, options.events_relay) {
            (Some(kafka), true) => {
                let (stop, stopped) = tokio::sync::watch::channel(false);
                let config = crate::events::relay_config(kafka.clone());
                let counts = std::sync::Arc::new(mtbp_workers::relay::RelayCounts::default());
                tokio::spawn(mtbp_workers::relay::run(
                    db.clone(),
                    config,
                    counts,
                    stopped,
                ));
                Some(stop)
            }
            _ => None,
        };
        let api = ApiClient::new(address);
        let admin_id = Uuid::new_v4();
        insert_account(
            &db,
            admin_id,
            "admin",
            &format!("ops-{admin_id}@example.com"),
            None,
        )
        .await?;
        let admin = api.with_token(mint(&auth, admin_id, Role::Admin, None)?);
        Ok(Self {
            api,
            admin,
            admin_id,
            auth,
            stripe: StripeClient::from_env(),
            db,
            temporal,
            state: in_process,
            settings,
            kafka,
            relay_stop,
            worker_shutdown,
            server,
        })
    }

    /// Stops this app's API (and its saga relay); the database stays.
    pub fn stop_api(&self) {
        self.server.abort();
    }

    /// A show (theater, screen, movie) created by the operator: a venue the platform runs.
    pub async fn create_show(
        &self,
        rows: usize,
        per_row: u16,
    ) -> anyhow::Result<crate::ShowFixture> {
        self.admin.create_show(rows, per_row).await
    }

    /// A customer account, made straight in the database, signed in.
    pub async fn customer(&self, email: &str) -> anyhow::Result<Principal> {
        self.principal("customer", email, None).await
    }

    /// A broker account, signed in.
    pub async fn broker(&self, email: &str) -> anyhow::Result<Principal> {
        self.principal("broker", email, None).await
    }

    /// An active partner with one staff account, signed in.
    pub async fn partner(&self, name: &str) -> anyhow::Result<Principal> {
        let partner_id = Uuid::new_v4();
        sqlx::query(
            "insert into partners (partner_id, name, contact_email, status)
             values ($1, $2, 'partner@example.com', 'active')",
        )
        .bind(partner_id)
        .bind(name)
        .execute(&self.db)
        .await?;
        let email = format!("staff-{}@example.com", Uuid::new_v4().simple());
        self.principal("partner", &email, Some(partner_id)).await
    }

    async fn principal(
        &self,
        role: &str,
        email: &str,
        partner_id: Option<Uuid>,
    ) -> anyhow::Result<Principal> {
        let account_id = Uuid::new_v4();
        insert_account(&self.db, account_id, role, email, partner_id).await?;
        let role = Role::parse(role).context("role")?;
        let token = mint(&self.auth, account_id, role, partner_id)?;
        Ok(Principal {
            account_id,
            partner_id,
            email: email.to_owned(),
            api: self.api.with_token(token),
        })
    }

    /// Starts the worker binary at `bin` as a child process on this app's task queue.
    pub fn spawn_worker_process(
        &self,
        bin: &str,
        pause_after_charge_ms: u64,
    ) -> anyhow::Result<Child> {
        let pause = pause_after_charge_ms.to_string();
        self.spawn_worker_process_with(bin, &[("MTBP_FAULT_PAUSE_AFTER_CHARGE_MS", &pause)])
    }

    /// Starts the worker binary at `bin` as a child process on this app's task queue, with
    /// `env` on top of this app's settings (fault injection such as
    /// `MTBP_FAULT_PAUSE_AFTER_NUMBERING_MS`, say).
    pub fn spawn_worker_process_with(
        &self,
        bin: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Child> {
        let s = &self.settings;
        Command::new(bin)
            .env("DATABASE_URL", &s.database_url)
            .env("TEMPORAL_ADDRESS", &s.temporal_address)
            .env("MTBP_TASK_QUEUE", &s.task_queue)
            .env("STRIPE_API_BASE", &s.stripe_api_base)
            .env("STRIPE_SECRET_KEY", &s.stripe_secret_key)
            .env("MTBP_DB_POOL", "4")
            .envs(crate::pricing::env_of(&s.pricing))
            .env("MTBP_SMTP_HOST", &s.notify.smtp_host)
            .env("MTBP_SMTP_PORT", s.notify.smtp_port.to_string())
            .env(
                "MTBP_REMINDER_BEFORE",
                format!("{}s", s.notify.reminder_before.as_secs()),
            )
            // Workflows only, unless the test asks for the relay or the archiver: a worker
            // process must not publish this test's outbox to the stack's own topics.
            .env("MTBP_WORKER_ROLES", "workflows")
            // The stack's schedules are the stack worker's to keep, not a test queue's.
            .env("MTBP_RECONCILE_SCHEDULES", "false")
            // No ops port unless the test asks for one: many workers run at once.
            .env("MTBP_WORKER_ADDR", "off")
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the worker binary")
    }
}

async fn insert_account(
    db: &PgPool,
    account_id: Uuid,
    role: &str,
    email: &str,
    partner_id: Option<Uuid>,
) -> anyhow::Result<()> {
    sqlx::query(
        "insert into accounts (account_id, role, email, name, partner_id)
         values ($1, $2, $3, 'Test Account', $4)",
    )
    .bind(account_id)
    .bind(role)
    .bind(email)
    .bind(partner_id)
    .execute(db)
    .await?;
    Ok(())
}

fn mint(
    auth: &AuthConfig,
    account_id: Uuid,
    role: Role,
    partner_id: Option<Uuid>,
) -> anyhow::Result<String> {
    let user = AuthUser {
        account_id: AccountId::from_uuid(account_id),
        role,
        partner_id: partner_id.map(PartnerId::from_uuid),
    };
    mtbp_api::auth::tokens::access_token(auth, &user).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Logs go to the test's captured output (shown when a test fails), filtered by `RUST_LOG`;
/// with `MTBP_SUITE_LOG` set (`./mtbp test` does), every process's info lines also go there as
/// JSON, the format the binaries log in, for the suite's audit of what was logged.
fn init_test_tracing() {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,temporalio_sdk_core=error"));
    let captured = tracing_subscriber::fmt::layer()
        .with_test_writer()
        .with_filter(filter);
    let suite = std::env::var("MTBP_SUITE_LOG").ok().and_then(|path| {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(
            tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(std::sync::Mutex::new(file))
                .with_filter(tracing_subscriber::EnvFilter::new(
                    "info,temporalio_sdk_core=warn,sqlx=warn,rdkafka=warn,tower_http=warn",
                )),
        )
    });
    let _ = tracing_subscriber::registry()
        .with(captured)
        .with(suite)
        .try_init();
}
