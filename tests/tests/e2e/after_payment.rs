//! The saga past the charge, on the real stack: a paid booking is invoiced (status `Invoiced`,
//! its PDFs in S3), its customer gets one confirmation with the invoice attached and, at the
//! configured time before the show, one reminder from the workflow's durable timer; a booking
//! made too close to the show gets no reminder. `pay` answers at `BookingCompleted` before any
//! of this.

use mtbp_domain::{BookingId, BookingStatus};
use mtbp_store::notifications;
use mtbp_tests::maildev::Maildev;
use mtbp_tests::stripe::CARD_OK;
use mtbp_tests::{TestApp, TestOptions};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long before the show these tests' reminders go out.
const REMIND_BEFORE: Duration = Duration::from_secs(3600);

async fn app() -> TestApp {
    TestApp::spawn_with(TestOptions {
        reminder_before: Some(REMIND_BEFORE),
        ..TestOptions::default()
    })
    .await
}

/// A show of the app starting `REMIND_BEFORE` plus `extra` from now.
async fn show_starting_in(app: &TestApp, extra: Duration) -> Uuid {
    let show = app.create_show(1, 4).await.expect("show");
    let secs = (REMIND_BEFORE + extra).as_secs_f64();
    sqlx::query(
        "update shows set starts_at = now() + make_interval(secs => $2) where show_id = $1",
    )
    .bind(show.show_id)
    .bind(secs)
    .execute(&app.db)
    .await
    .expect("show time");
    show.show_id
}

/// Holds A1 for a guest at a fresh address and pays; answers the booking and the address.
async fn paid_booking(app: &TestApp, show_id: Uuid) -> (Uuid, String) {
    let address = format!("after-{}@example.com", Uuid::new_v4().simple());
    let body = serde_json::json!({"show_id": show_id, "seats": ["A1"],
                                  "contact": {"name": "Asha Rao", "email": address}});
    let held: Value = app.api.create_as("/bookings", &body).await.expect("hold");
    let booking = mtbp_tests::api_client::id(&held, "booking_id").expect("id");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let paid = app.api.pay(booking, &card).await.expect("pay");
    assert_eq!(paid.status(), StatusCode::OK);
    let paid: Value = paid.json().await.expect("json");
    assert_eq!(
        paid["status"], "BookingCompleted",
        "pay answers at BookingCompleted, before the invoice and the email"
    );
    (booking, address)
}

/// Waits up to `secs` for the booking's row to reach `want`.
async fn wait_for_row_status(app: &TestApp, booking: Uuid, want: BookingStatus, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let status: String =
            sqlx::query_scalar("select status from bookings where booking_id = $1")
                .bind(booking)
                .fetch_one(&app.db)
                .await
                .expect("booking");
        if status == want.as_str() {
            return;
        }
        assert!(Instant::now() < deadline, "booking is {status}, not {want}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The booking's notifications as `kind/channel/status`.
async fn records(app: &TestApp, booking: Uuid) -> Vec<String> {
    let mut rows: Vec<String> = notifications::of_booking(&app.db, BookingId::from_uuid(booking))
        .await
        .expect("records")
        .into_iter()
        .map(|r| format!("{}/{}/{}", r.kind, r.channel, r.status))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn a_paid_booking_is_invoiced_confirmed_with_its_invoice_and_reminded_before_the_show() {
    let app = app().await;
    // The reminder falls due eight seconds after the show is made.
    let show = show_starting_in(&app, Duration::from_secs(8)).await;
    let (booking, address) = paid_booking(&app, show).await;

    wait_for_row_status(&app, booking, BookingStatus::Invoiced, 30).await;
    let invoice = app
        .admin
        .get(&format!("/bookings/{booking}/invoice"))
        .await
        .expect("invoice");
    assert_eq!(invoice.status(), StatusCode::OK);

    let maildev = Maildev::from_env();
    let mails = maildev
        .wait_for(&address, 1, 30, Duration::from_millis(500))
        .await
        .expect("maildev");
    assert_eq!(
        mails.len(),
        1,
        "one confirmation before the reminder: {mails:?}"
    );
    let attachments = mails[0]["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        attachments
            .iter()
            .any(|a| a["contentType"] == "application/pdf"),
        "the invoice is attached: {attachments:?}"
    );

    // The reminder: once, from the workflow's timer.
    let mails = maildev
        .wait_for(&address, 2, 40, Duration::from_secs(1))
        .await
        .expect("maildev");
    assert_eq!(
        mails.len(),
        2,
        "the confirmation and one reminder: {mails:?}"
    );
    let emails: Vec<String> = records(&app, booking)
        .await
        .into_iter()
        .filter(|r| r.contains("/email/"))
        .collect();
    assert_eq!(emails, ["confirmation/email/sent", "reminder/email/sent"]);
    crate::visibility::replay_closed(&app, booking, "after_payment_queue_reminded").await;
    let types = mtbp_tests::events::assert_outbox_matches_schemas(&app.db).await;
    assert!(types.contains_key("invoice.stored"), "{types:?}");
}

#[tokio::test]
async fn a_booking_made_within_the_reminder_time_gets_no_reminder() {
    let app = app().await;
    let show = show_starting_in(&app, Duration::ZERO).await;
    // Now the show is less than the reminder time away.
    sqlx::query("update shows set starts_at = now() + interval '30 minutes' where show_id = $1")
        .bind(show)
        .execute(&app.db)
        .await
        .expect("show time");
    let (booking, address) = paid_booking(&app, show).await;
    crate::visibility::replay_closed(&app, booking, "after_payment_queue_no_reminder").await;
    let mails = Maildev::from_env()
        .wait_for(&address, 1, 10, Duration::from_secs(1))
        .await
        .expect("maildev");
    assert_eq!(mails.len(), 1, "the confirmation only: {mails:?}");
    let kinds = records(&app, booking).await;
    assert!(
        kinds.iter().all(|k| !k.starts_with("reminder")),
        "{kinds:?}"
    );
    wait_for_row_status(&app, booking, BookingStatus::Invoiced, 5).await;
}
