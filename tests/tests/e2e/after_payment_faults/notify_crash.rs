//! A worker process SIGKILLed after the confirmation reached the SMTP server but before its
//! record said so: the replacement's retry finds the message claimed and never settled, keeps
//! it as `unknown` (it may have gone out, and here it did) and sends nothing again. The
//! customer has exactly one confirmation, and the saga goes on to its end.

use super::*;
use mtbp_tests::maildev::Maildev;

#[tokio::test]
async fn a_worker_killed_after_the_confirmation_went_out_never_sends_it_twice() {
    let app = &process_app().await;
    let show = app.create_show(1, 4).await.expect("show");
    // This worker stops for two minutes after each message it hands over.
    let mut doomed = WorkerProcess::start(app, &[("MTBP_FAULT_PAUSE_AFTER_SEND_MS", "120000")]);
    let (booking, address, _) = paid_by_guest(app, show.show_id, &["A1"]).await;

    let maildev = Maildev::from_env();
    let mails = maildev
        .wait_for(&address, 1, 60, Duration::ZERO)
        .await
        .expect("maildev");
    assert_eq!(mails.len(), 1, "the confirmation went out: {mails:?}");
    let claimed = email_record(app, booking, "confirmation")
        .await
        .expect("the confirmation's record");
    assert_eq!(
        (claimed.status.as_str(), claimed.attempts),
        ("sending", 1),
        "sent, not recorded yet: {claimed:?}"
    );
    doomed.kill();

    // The killed attempt times out after its 150 s; the replacement retries it.
    let _replacement = WorkerProcess::start(app, &[]);
    let settled = eventually(
        240,
        "the retry settles the confirmation's record",
        || async move {
            email_record(app, booking, "confirmation")
                .await
                .filter(|r| r.status != "sending")
        },
    )
    .await;
    assert_eq!(
        settled.status, "unknown",
        "a message claimed by an attempt that died is never sent again: {settled:?}"
    );
    assert_eq!(
        settled.attempts, 1,
        "the retry did not try to send: {settled:?}"
    );
    wait_closed(app, booking, 30).await;

    let mails = maildev
        .wait_for(&address, 2, 3, Duration::ZERO)
        .await
        .expect("maildev");
    assert_eq!(mails.len(), 1, "exactly one confirmation: {mails:?}");
    assert_eq!(
        mails[0]["headers"]["message-id"],
        format!("<confirmation.{booking}@mtbp.localhost>")
    );
    assert_eq!(row_status(app, booking).await, "Invoiced");
}
