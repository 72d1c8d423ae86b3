//! A payment the saga gives back (it landed after the hold was lost to another customer): the
//! customer is told, once, by the `refund` notification with the amount that went back, after
//! `pay` has answered `refunded`. No confirmation is sent for a booking that never stood.

use super::*;
use mtbp_activities::PaymentFaults;
use mtbp_api::error::ErrorCode;
use mtbp_tests::api_client::error_code;
use mtbp_tests::maildev::Maildev;

#[tokio::test]
async fn a_payment_the_saga_refunds_is_told_to_the_customer_once_with_the_amount() {
    let app = &TestApp::spawn_with(TestOptions {
        // As in `booking_saga`: the charge outlasts the payment window, and a rival takes the
        // seat meanwhile.
        hold_seconds: 4,
        payment_window_seconds: 1,
        faults: PaymentFaults {
            pause_after_charge: Duration::from_secs(7),
            ..PaymentFaults::default()
        },
        ..TestOptions::default()
    })
    .await;
    let show = app.create_show(1, 2).await.expect("show");
    let address = fresh_address();
    let booking = guest_hold(app, show.show_id, &["A1"], &address).await;
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let api = app.api.clone();
    let paying = tokio::spawn(async move { api.pay(booking, &card).await });
    tokio::time::sleep(Duration::from_millis(5_000)).await;
    app.api
        .anonymous()
        .hold_ok(show.show_id, &["A1"])
        .await
        .expect("the rival holds A1");

    let resp = paying.await.expect("join").expect("pay");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(resp).await.expect("code"), ErrorCode::Refunded);
    let charges = app
        .stripe
        .succeeded_charges_of(&booking.to_string())
        .await
        .expect("gateway");
    assert_eq!(charges.len(), 1);
    let refunds = app.stripe.refunds_of(&charges[0]).await.expect("refunds");
    assert_eq!(refunds.len(), 1, "refunded once");
    let refunded = refunds[0]["amount"].as_i64().expect("amount");
    let amount = format!("₹{}.{:02}", refunded / 100, refunded % 100);

    let mails = Maildev::from_env()
        .wait_for(&address, 1, 30, Duration::from_secs(2))
        .await
        .expect("maildev");
    assert_eq!(
        mails.len(),
        1,
        "one refund notice, no confirmation: {mails:?}"
    );
    let mail = &mails[0];
    let subject = mail["subject"].as_str().unwrap_or_default();
    assert!(
        subject.starts_with("Refund of") && subject.contains(&amount),
        "{subject} names {amount}"
    );
    let text = mail["text"].as_str().unwrap_or_default();
    assert!(
        text.contains(&format!("We have refunded {amount}")) && text.contains("A1"),
        "{text}"
    );
    assert_eq!(
        mail["headers"]["message-id"],
        format!("<refund.{booking}@mtbp.localhost>")
    );
    let refund = email_record(app, booking, "refund")
        .await
        .expect("the refund's record");
    assert_eq!(
        (refund.status.as_str(), refund.attempts),
        ("sent", 1),
        "{refund:?}"
    );
    assert_eq!(refund.template.as_deref(), Some("refund/email.en"));
    assert!(email_record(app, booking, "confirmation").await.is_none());
    assert_eq!(row_status(app, booking).await, "Refunded");
    crate::visibility::replay_closed(app, booking, "refund_notice_hold_lost").await;
    // The refund's events fit their schemas (the e2e suite checks every type somewhere).
    let types = mtbp_tests::events::assert_outbox_matches_schemas(&app.db).await;
    assert!(types.contains_key("payment.refunded"), "{types:?}");
    assert!(types.contains_key("analytics.ticket_refunded"), "{types:?}");
}
