//! The SMTP server down for a minute: the customer's `pay` answers at once, the booking is
//! invoiced, the failed attempts are recorded, and the confirmation arrives once the server is
//! back, exactly once. The worker sends through an [`SmtpOutage`] of the test's own in front of
//! the stack's maildev, which keeps serving the other tests.

use super::*;
use mtbp_infra::config::parse_or;
use mtbp_tests::SmtpOutage;
use mtbp_tests::maildev::Maildev;

/// How long the SMTP server is away.
const OUTAGE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn with_smtp_down_for_a_minute_the_booking_completes_and_the_email_arrives_after() {
    let maildev_smtp = parse_or("MTBP_SMTP_PORT", 1025u16).expect("MTBP_SMTP_PORT");
    let outage = SmtpOutage::start(([127, 0, 0, 1], maildev_smtp).into(), OUTAGE)
        .await
        .expect("forwarder");
    let app = &TestApp::spawn_with(TestOptions {
        smtp_port: Some(outage.port),
        ..TestOptions::default()
    })
    .await;
    let show = app.create_show(1, 4).await.expect("show");
    let (booking, address, took) = paid_by_guest(app, show.show_id, &["A1"]).await;
    assert!(
        took < Duration::from_secs(10),
        "the customer never waits for the mail: pay took {took:?}"
    );

    let failed = eventually(30, "the failed attempt is recorded", || async move {
        email_record(app, booking, "confirmation")
            .await
            .filter(|r| r.status == "failed")
    })
    .await;
    assert!(failed.attempts >= 1, "{failed:?}");
    assert!(
        failed.last_error.as_deref().is_some_and(|e| !e.is_empty()),
        "{failed:?}"
    );
    wait_for_status(app, booking, BookingStatus::Invoiced, 30).await;

    // Nothing gets through while the server is away; the retries keep knocking.
    tokio::time::sleep_until(outage.back_at - Duration::from_secs(1)).await;
    let maildev = Maildev::from_env();
    let early = maildev.emails_to(&address).await.expect("maildev");
    assert!(early.is_empty(), "nothing during the outage: {early:?}");
    assert!(
        outage.closed() >= 2,
        "the first attempt and a retry met the outage ({} connections)",
        outage.closed()
    );
    assert_eq!(outage.relayed(), 0);

    // Back: the next retry (the backoff doubles from 5 s) delivers it, once.
    let mails = maildev
        .wait_for(&address, 1, 120, Duration::from_secs(3))
        .await
        .expect("maildev");
    assert_eq!(
        mails.len(),
        1,
        "one confirmation, after the outage: {mails:?}"
    );
    assert!(outage.relayed() >= 1, "it came through the forwarder");
    let sent = eventually(10, "the record says sent", || async move {
        email_record(app, booking, "confirmation")
            .await
            .filter(|r| r.status == "sent")
    })
    .await;
    assert!(
        sent.attempts > failed.attempts,
        "a later attempt delivered it: {sent:?}"
    );
    assert!(sent.provider_id.is_some(), "{sent:?}");
    wait_closed(app, booking, 30).await;
}
