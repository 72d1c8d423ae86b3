//! Notifications on the real stack: the notify activity's logic called directly after a booking
//! completed through the API, mail read back from maildev's `/api/email`, records from
//! `notifications`. A message arrives once however often the activity runs, never without
//! consent, and a definite SMTP failure is recorded and delivered by a later attempt.

use mtbp_activities::NotifyActivities;
use mtbp_activities::notify::{NotifyError, NotifyInput};
use mtbp_domain::{BookingId, Channel, NotificationKind, NotificationStatus};
use mtbp_store::notifications::{self, NotificationRecord};
use mtbp_tests::TestApp;
use mtbp_tests::maildev::{Maildev, OwnMaildev, free_port};
use mtbp_tests::stripe::CARD_OK;
use reqwest::StatusCode;
use std::time::Duration;
use uuid::Uuid;

/// An app whose worker leaves the invoice and notification steps alone: these tests call the
/// activities themselves, and the saga's own attempts wait in the queue instead of racing them
/// (the saga's path is tested in `after_payment`).
async fn activity_app() -> TestApp {
    TestApp::spawn_with(mtbp_tests::TestOptions {
        after_payment_worker: false,
        reminder_before: None,
        ..mtbp_tests::TestOptions::default()
    })
    .await
}

/// A customer who consents to `email` / `sms`, with `languages`, and a completed booking of
/// two seats: (booking, the customer's address, ticket code).
async fn completed_booking(
    app: &TestApp,
    email: bool,
    sms: bool,
    languages: &[&str],
) -> (BookingId, String, String) {
    let address = format!("notify-{}@example.com", Uuid::new_v4().simple());
    let customer = app.customer(&address).await.expect("customer");
    sqlx::query(
        "update accounts set consent_email = $2, consent_sms = $3, languages = $4,
                phone = '+919800000001'
          where account_id = $1",
    )
    .bind(customer.account_id)
    .bind(email)
    .bind(sms)
    .bind(languages.iter().map(|l| l.to_string()).collect::<Vec<_>>())
    .execute(&app.db)
    .await
    .expect("consent");
    let show = app.create_show(1, 4).await.expect("show");
    let booking = customer
        .api
        .hold_ok(show.show_id, &["A1", "A2"])
        .await
        .expect("hold");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let paid = customer.api.pay(booking, &card).await.expect("pay");
    assert_eq!(paid.status(), StatusCode::OK);
    let paid = customer.api.booking(booking).await.expect("booking");
    let code = paid.ticket_code.expect("ticket code");
    (BookingId::from_uuid(booking), address, code)
}

fn activities(app: &TestApp) -> NotifyActivities {
    NotifyActivities::new(app.db.clone(), &app.settings.notify).expect("notify activities")
}

async fn records(app: &TestApp, booking: BookingId) -> Vec<NotificationRecord> {
    notifications::of_booking(&app.db, booking)
        .await
        .expect("records")
}

fn confirm(booking_id: BookingId) -> NotifyInput {
    NotifyInput {
        booking_id,
        kind: NotificationKind::Confirmation,
    }
}

#[tokio::test]
async fn a_confirmation_arrives_once_in_the_customers_language_with_its_qr_code() {
    let app = activity_app().await;
    let (booking, address, code) = completed_booking(&app, true, false, &["ta", "hi"]).await;
    let notify = activities(&app);

    let first = notify
        .notify_booking(confirm(booking))
        .await
        .expect("notified");
    let again = notify
        .notify_booking(confirm(booking))
        .await
        .expect("again");
    assert_eq!(first, again, "a retry answers the same");
    let email = first.channels.iter().find(|c| c.channel == Channel::Email);
    assert_eq!(email.map(|c| c.status), Some(NotificationStatus::Sent));

    let mails = Maildev::from_env()
        .wait_for(&address, 1, 10, Duration::from_secs(1))
        .await
        .expect("maildev");
    assert_eq!(mails.len(), 1, "exactly one confirmation: {mails:?}");
    let mail = &mails[0];
    let subject = mail["subject"].as_str().unwrap_or_default();
    assert!(
        subject.contains(&code) && subject.contains("टिकट"),
        "{subject}"
    );
    let text = mail["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("A1, A2") && text.contains("The Test Picture"),
        "{text}"
    );
    assert!(
        text.contains("Test Cinema") && text.contains("Bengaluru"),
        "{text}"
    );
    let html = mail["html"].as_str().unwrap_or_default();
    assert!(html.contains("<img") && html.contains(&code), "{html}");
    let attachments = mail["attachments"].as_array().cloned().unwrap_or_default();
    assert!(
        attachments
            .iter()
            .any(|a| a["contentType"] == "image/png" && a["contentDisposition"] == "inline"),
        "the QR code rides inline: {attachments:?}"
    );
    assert_eq!(
        mail["headers"]["message-id"],
        format!("<confirmation.{booking}@mtbp.localhost>")
    );

    let recs = records(&app, booking).await;
    let email = recs
        .iter()
        .find(|r| r.channel == "email")
        .expect("email record");
    assert_eq!(
        (email.status.as_str(), email.attempts),
        ("sent", 1),
        "{email:?}"
    );
    assert_eq!(email.template.as_deref(), Some("confirmation/email.hi"));
    assert!(email.provider_id.is_some());
    let sms = recs
        .iter()
        .find(|r| r.channel == "sms")
        .expect("sms record");
    assert_eq!(sms.status, "skipped", "no SMS consent: {sms:?}");
}

#[tokio::test]
async fn nothing_is_sent_without_consent_and_a_guest_gets_transactional_email_only() {
    let app = activity_app().await;
    let (booking, address, _) = completed_booking(&app, false, false, &[]).await;
    let notify = activities(&app);
    let done = notify
        .notify_booking(confirm(booking))
        .await
        .expect("notified");
    assert!(
        done.channels
            .iter()
            .all(|c| c.status == NotificationStatus::Skipped),
        "{done:?}"
    );
    let mails = Maildev::from_env()
        .wait_for(&address, 1, 2, Duration::ZERO)
        .await
        .expect("maildev");
    assert!(mails.is_empty(), "no consent, no mail: {mails:?}");
    assert!(
        records(&app, booking)
            .await
            .iter()
            .all(|r| r.status == "skipped")
    );

    // A guest: the address given at the hold, email only.
    let guest_address = format!("guest-{}@example.com", Uuid::new_v4().simple());
    let show = app.create_show(1, 2).await.expect("show");
    let guest = app.api.anonymous();
    let resp = guest
        .hold_for(show.show_id, &["A1"], None, &guest_address)
        .await
        .expect("hold");
    let held: serde_json::Value = resp.json().await.expect("json");
    let guest_booking: Uuid = serde_json::from_value(held["booking_id"].clone()).expect("id");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    assert_eq!(
        guest.pay(guest_booking, &card).await.expect("pay").status(),
        StatusCode::OK
    );
    let guest_booking = BookingId::from_uuid(guest_booking);
    let done = notify
        .notify_booking(confirm(guest_booking))
        .await
        .expect("notified");
    let statuses: Vec<_> = done
        .channels
        .iter()
        .map(|c| (c.channel, c.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (Channel::Email, NotificationStatus::Sent),
            (Channel::Sms, NotificationStatus::Skipped)
        ]
    );
    let mails = Maildev::from_env()
        .wait_for(&guest_address, 1, 10, Duration::from_millis(500))
        .await
        .expect("maildev");
    assert_eq!(mails.len(), 1);
}

#[tokio::test]
async fn an_attempt_killed_after_sending_is_never_sent_again() {
    let app = activity_app().await;
    let (booking, address, _) = completed_booking(&app, true, false, &[]).await;
    // The first attempt sends, then "crashes" before it can record the send.
    let slow = activities(&app).with_pause_after_send(Duration::from_secs(30));
    let attempt = tokio::spawn(async move { slow.notify_booking(confirm(booking)).await });
    let maildev = Maildev::from_env();
    let mails = maildev
        .wait_for(&address, 1, 15, Duration::ZERO)
        .await
        .expect("maildev");
    assert_eq!(mails.len(), 1, "the first attempt sent");
    attempt.abort();
    let _ = attempt.await;
    let recs = records(&app, booking).await;
    assert!(
        recs.iter()
            .any(|r| r.channel == "email" && r.status == "sending")
    );

    // The retry finds the message claimed by an attempt that never settled it: unknown, kept.
    let done = activities(&app)
        .notify_booking(confirm(booking))
        .await
        .expect("retried");
    let email = done.channels.iter().find(|c| c.channel == Channel::Email);
    assert_eq!(email.map(|c| c.status), Some(NotificationStatus::Unknown));
    let mails = maildev
        .wait_for(&address, 2, 2, Duration::ZERO)
        .await
        .expect("maildev");
    assert_eq!(mails.len(), 1, "never sent twice: {mails:?}");
}

#[tokio::test]
async fn with_smtp_down_the_failure_is_recorded_and_a_later_attempt_delivers() {
    let app = activity_app().await;
    let (booking, address, _) = completed_booking(&app, true, false, &[]).await;
    let port = free_port().expect("port");
    let mut settings = app.settings.notify.clone();
    settings.smtp_port = port;
    settings.smtp_timeout = Duration::from_secs(2);
    let notify = NotifyActivities::new(app.db.clone(), &settings).expect("activities");

    // Nothing listens on the port: a definite failure, recorded, and the activity fails so
    // Temporal retries it with backoff.
    let err = notify.notify_booking(confirm(booking)).await;
    assert!(
        matches!(
            err,
            Err(NotifyError::Retry {
                channel: Channel::Email,
                ..
            })
        ),
        "{err:?}"
    );
    let recs = records(&app, booking).await;
    let email = recs.iter().find(|r| r.channel == "email").expect("record");
    assert_eq!(
        (email.status.as_str(), email.attempts),
        ("failed", 1),
        "{email:?}"
    );
    assert!(email.last_error.is_some());

    // The server is back: the next attempt sends it, once.
    let maildev = OwnMaildev::start(port).await.expect("own maildev");
    let done = notify
        .notify_booking(confirm(booking))
        .await
        .expect("delivered");
    let sent = done.channels.iter().find(|c| c.channel == Channel::Email);
    assert_eq!(sent.map(|c| c.status), Some(NotificationStatus::Sent));
    let mails = maildev
        .api
        .wait_for(&address, 1, 10, Duration::from_millis(500))
        .await
        .expect("maildev");
    assert_eq!(mails.len(), 1);
    let email = records(&app, booking).await;
    let email = email.iter().find(|r| r.channel == "email").expect("record");
    assert_eq!((email.status.as_str(), email.attempts), ("sent", 2));
}

#[tokio::test]
async fn the_reminder_is_due_before_the_show_and_not_for_a_show_too_close() {
    let app = activity_app().await;
    let (booking, _, _) = completed_booking(&app, true, false, &[]).await;
    let notify = activities(&app);
    let now = chrono::Utc::now();
    let due = notify.reminder_due(booking, now).await.expect("due");
    let starts: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "select s.starts_at from bookings b join shows s using (show_id) where booking_id = $1",
    )
    .bind(booking.as_uuid())
    .fetch_one(&app.db)
    .await
    .expect("show");
    let before = chrono::Duration::from_std(app.settings.notify.reminder_before).expect("offset");
    assert_eq!(due, Some(starts - before));
    let late = notify
        .reminder_due(booking, starts - before + chrono::Duration::seconds(1))
        .await
        .expect("due");
    assert_eq!(late, None, "too close to the show: no reminder");
}
