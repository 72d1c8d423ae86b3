//! The steps after the payment when something breaks, on the real stack: a worker process
//! SIGKILLed between numbering the invoices and storing their PDFs, one killed after the
//! confirmation went out but before it was recorded, the SMTP server down for a minute, and
//! the refund notice a compensation sends. Whatever happens after the charge, `pay` has
//! answered at `BookingCompleted`.
//!
//! The kills land in windows the worker opens on purpose (`MTBP_FAULT_PAUSE_AFTER_NUMBERING_MS`,
//! `MTBP_FAULT_PAUSE_AFTER_SEND_MS`, test-only). The killed attempt is retried once its
//! start-to-close timeout passes (a minute for the invoice, 150 s for the notification), so
//! these tests take minutes.

mod invoice_crash;
mod notify_crash;
mod refund_notice;
mod settlement_crash;
mod smtp_outage;

use mtbp_domain::{BookingId, BookingStatus};
use mtbp_store::notifications::{self, NotificationRecord};
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{TestApp, TestOptions};
use mtbp_workflows::BookingWorkflow;
use reqwest::StatusCode;
use serde_json::Value;
use std::future::Future;
use std::process::Child;
use std::time::{Duration, Instant};
use temporalio_client::WorkflowFetchHistoryOptions;
use temporalio_common::protos::temporal::api::enums::v1::EventType;
use uuid::Uuid;

/// The real worker binary, built in this package (see `src/bin/test_worker.rs`).
const WORKER: &str = env!("CARGO_BIN_EXE_mtbp-test-worker");

/// An app without a worker of its own: the test runs worker processes and kills them.
async fn process_app() -> TestApp {
    TestApp::spawn_with(TestOptions {
        in_process_worker: false,
        ..TestOptions::default()
    })
    .await
}

/// A worker process on the app's task queue; SIGKILLed and reaped when dropped, so a failing
/// test leaves none behind.
struct WorkerProcess(Child);

impl WorkerProcess {
    /// Starts the worker binary with `env` (fault injection) on top of the app's settings.
    fn start(app: &TestApp, env: &[(&str, &str)]) -> Self {
        Self(
            app.spawn_worker_process_with(WORKER, env)
                .expect("worker process"),
        )
    }

    /// SIGKILL: the process dies at once, in the middle of whatever it was doing.
    fn kill(&mut self) {
        self.0.kill().expect("SIGKILL");
        let _ = self.0.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A fresh address no other test mails to.
fn fresh_address() -> String {
    format!("faults-{}@example.com", Uuid::new_v4().simple())
}

/// Holds `seats` for a guest at `address` (transactional email only) through `app.api`, which
/// keeps the guest token; answers the booking.
async fn guest_hold(app: &TestApp, show_id: Uuid, seats: &[&str], address: &str) -> Uuid {
    let resp = app
        .api
        .hold_for(show_id, seats, None, address)
        .await
        .expect("hold");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let held: Value = resp.json().await.expect("json");
    mtbp_tests::api_client::id(&held, "booking_id").expect("booking id")
}

/// Holds `seats` for a guest at a fresh address and pays with a good card; asserts `pay`
/// answered `BookingCompleted`. Answers the booking, the address and how long `pay` took.
async fn paid_by_guest(app: &TestApp, show_id: Uuid, seats: &[&str]) -> (Uuid, String, Duration) {
    let address = fresh_address();
    let booking = guest_hold(app, show_id, seats, &address).await;
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let started = Instant::now();
    let resp = app.api.pay(booking, &card).await.expect("pay");
    let took = started.elapsed();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(
        body["status"], "BookingCompleted",
        "pay answers at BookingCompleted, before the invoice and the email"
    );
    (booking, address, took)
}

/// Polls `check` every 200 ms until it answers `Some`, for up to `secs` seconds. (`check`
/// makes a fresh future each time: an `async move` block over references and ids.)
async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "not within {secs} s: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The booking's status as its row says.
async fn row_status(app: &TestApp, booking: Uuid) -> String {
    sqlx::query_scalar("select status from bookings where booking_id = $1")
        .bind(booking)
        .fetch_one(&app.db)
        .await
        .expect("booking")
}

/// Waits up to `secs` for the booking's row to reach `want`.
async fn wait_for_status(app: &TestApp, booking: Uuid, want: BookingStatus, secs: u64) {
    let what = format!("booking {booking} reaches {want}");
    eventually(secs, &what, || async move {
        (row_status(app, booking).await == want.as_str()).then_some(())
    })
    .await;
}

/// The booking's email record of `kind` (`confirmation`, `refund`…), if there is one.
async fn email_record(app: &TestApp, booking: Uuid, kind: &str) -> Option<NotificationRecord> {
    notifications::of_booking(&app.db, BookingId::from_uuid(booking))
        .await
        .expect("records")
        .into_iter()
        .find(|r| r.kind == kind && r.channel == "email")
}

/// Waits up to `secs` for the booking's workflow to complete.
async fn wait_closed(app: &TestApp, booking: Uuid, secs: u64) {
    let handle = &app
        .temporal
        .get_workflow_handle::<BookingWorkflow>(BookingId::from_uuid(booking).workflow_id());
    let id = &BookingId::from_uuid(booking).workflow_id();
    eventually(secs, "the booking's workflow completes", || async move {
        // A paid booking's saga ends at its partner's settlement.
        app.settle_if_waiting(id).await;
        let events = handle
            .fetch_history(WorkflowFetchHistoryOptions::default())
            .into_events()
            .await
            .unwrap_or_default();
        events
            .last()
            .is_some_and(|e| e.event_type == EventType::WorkflowExecutionCompleted as i32)
            .then_some(())
    })
    .await;
}
