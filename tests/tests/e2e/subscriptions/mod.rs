//! Subscriptions end to end: plans defined by operators, a customer subscribing with a saved
//! card, renewals charged once per period by the subscription's workflow (continue-as-new each
//! period), dunning of a card that starts to decline, cancel at the period's end, and the
//! member benefits the booking quote reads.

mod access;
mod billing;
mod early_access;
mod histories;

use chrono::Utc;
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::subscriptions::json::{Plan, Subscription};
use mtbp_domain::{AccountId, PaymentStatus, SubscriptionEnd, SubscriptionId, SubscriptionStatus};
use mtbp_store::subscriptions::{self, charges};
use mtbp_tests::api_client::{Answer, answer};
use mtbp_tests::stripe::{CARD_DECLINED, CARD_OK};
use mtbp_tests::{Principal, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// A plan of `seconds`-long periods with 10 % off tickets and no fee, made by the operator.
async fn plan(app: &TestApp, seconds: u32) -> Plan {
    plan_of(app, "second", seconds).await
}

/// A plan of periods of `count` `unit`s (10 % off tickets, no fee), made by the operator.
async fn plan_of(app: &TestApp, unit: &str, count: u32) -> Plan {
    let body = json!({
        "name": "Cinephile", "amount_minor": 14_900, "currency": "INR",
        "period": {"unit": unit, "count": count},
        "ticket_discount_bp": 1000, "fee_waived": true, "early_access_hours": 24,
    });
    let resp = app
        .admin
        .post("/subscription-plans", &body)
        .await
        .expect("post");
    match answer::<Plan>(resp).await.expect("answer") {
        Answer::Ok(StatusCode::CREATED, plan) => plan,
        other => panic!("plan not created: {other:?}"),
    }
}

/// A card tokenised at the gateway and saved by `who`; its `pm_…` id.
async fn saved_card(app: &TestApp, who: &Principal, number: &str) -> String {
    let pm = app.stripe.card(number).await.expect("card");
    let path = format!("/customers/{}/payment-methods", who.account_id);
    let resp = who
        .api
        .post(&path, &json!({"payment_method": pm}))
        .await
        .expect("save");
    assert_eq!(
        resp.status(),
        StatusCode::CREATED,
        "{:?}",
        resp.text().await
    );
    pm
}

async fn subscribe(who: &Principal, plan: &Plan, pm: &str) -> Answer<Subscription> {
    let body = json!({"plan_id": plan.plan_id, "payment_method": pm});
    let resp = who.api.post("/subscriptions", &body).await.expect("post");
    answer(resp).await.expect("answer")
}

async fn subscribed(who: &Principal, plan: &Plan, pm: &str) -> Subscription {
    match subscribe(who, plan, pm).await {
        Answer::Ok(StatusCode::CREATED, sub) => sub,
        other => panic!("not subscribed: {other:?}"),
    }
}

/// Waits up to `secs` for the stored subscription to satisfy `done`; returns it.
async fn wait_for(
    app: &TestApp,
    id: SubscriptionId,
    secs: u64,
    what: &str,
    done: impl Fn(&subscriptions::Subscription) -> bool,
) -> subscriptions::Subscription {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let row = subscriptions::get(&app.db, id)
            .await
            .expect("read")
            .expect("row");
        if done(&row) {
            return row;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not {what} in {secs}s: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every payment intent the gateway holds for the subscription. It lists every intent of the
/// (shared) gateway, which is slow: call it once per test, at the end.
async fn gateway_intents(app: &TestApp, id: SubscriptionId) -> Vec<Value> {
    app.stripe
        .intents_of_subscription(&id.to_string())
        .await
        .expect("intents")
}

/// The period indexes of the intents that took money, in order.
fn paid_periods(intents: &[Value]) -> Vec<u32> {
    let mut periods: Vec<u32> = intents
        .iter()
        .filter(|pi| pi["status"] == "succeeded")
        .filter_map(|pi| pi["metadata"]["period_index"].as_str()?.parse().ok())
        .collect();
    periods.sort_unstable();
    periods
}

/// The period indexes the charges table records as paid, each checked at the gateway by its
/// intent (one cheap read per period, where listing every intent is not).
async fn paid_recorded(app: &TestApp, id: SubscriptionId) -> Vec<i32> {
    let mut paid = Vec::new();
    for row in charges::of_subscription(&app.db, id)
        .await
        .expect("charges")
    {
        if row.status != PaymentStatus::Succeeded {
            continue;
        }
        let intent = row.gateway_payment_id.expect("intent");
        let at_gateway = app.stripe.payment_intent(&intent).await.expect("intent");
        assert_eq!(at_gateway["status"], "succeeded", "{at_gateway}");
        assert_eq!(
            at_gateway["metadata"]["subscription_id"],
            id.to_string().as_str()
        );
        paid.push(row.period_index);
    }
    paid
}

fn account(p: &Principal) -> AccountId {
    AccountId::from_uuid(p.account_id)
}

/// Cancels so the workflow winds down with the test.
async fn stop(app: &TestApp, who: &Principal, id: SubscriptionId) {
    let resp = who
        .api
        .delete(&format!("/subscriptions/{id}"))
        .await
        .expect("delete");
    assert_eq!(resp.status(), StatusCode::OK);
    let _ = app;
}
