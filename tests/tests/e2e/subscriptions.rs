//! Subscriptions end to end: plans defined by operators, a customer subscribing with a saved
//! card, renewals charged once per period by the subscription's workflow (continue-as-new each
//! period), dunning of a card that starts to decline, cancel at the period's end, and the
//! member benefits the booking quote reads.

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

/// The gateway's succeeded intents of the subscription, per period index.
async fn paid_at_gateway(app: &TestApp, id: SubscriptionId) -> Vec<u32> {
    let intents = app
        .stripe
        .intents_of_subscription(&id.to_string())
        .await
        .expect("intents");
    let mut periods: Vec<u32> = intents
        .iter()
        .filter(|pi| pi["status"] == "succeeded")
        .filter_map(|pi| pi["metadata"]["period_index"].as_str()?.parse().ok())
        .collect();
    periods.sort_unstable();
    periods
}

fn account(p: &Principal) -> AccountId {
    AccountId::from_uuid(p.account_id)
}

#[tokio::test]
async fn a_customer_subscribes_with_a_saved_card_and_gets_member_benefits_at_once() {
    let app = TestApp::spawn().await;
    let plan = plan_of(&app, "day", 1).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let pm = saved_card(&app, &asha, CARD_OK).await;
    assert!(
        subscriptions::membership(&app.db, account(&asha), Utc::now())
            .await
            .expect("membership")
            .is_none()
    );

    let sub = subscribed(&asha, &plan, &pm).await;
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert!(sub.benefits_active);
    assert_eq!(sub.period_index, 0);
    let (start, end) = (
        sub.current_period_start.expect("start"),
        sub.current_period_end.expect("end"),
    );
    assert_eq!((end - start).num_seconds(), 86_400);
    let member = subscriptions::membership(&app.db, account(&asha), Utc::now())
        .await
        .expect("membership")
        .expect("a member now");
    assert_eq!(
        (
            member.plan.as_str(),
            member.ticket_discount_bp,
            member.fee_waived
        ),
        ("Cinephile", 1000, true)
    );
    assert_eq!(paid_at_gateway(&app, sub.subscription_id).await, [0]);

    // Read back by its subscriber; listed; one live subscription per plan.
    let read: Subscription = mtbp_tests::api_client::answer(
        asha.api
            .get(&format!("/subscriptions/{}", sub.subscription_id))
            .await
            .expect("get"),
    )
    .await
    .expect("answer")
    .ok()
    .expect("read");
    assert_eq!(read.subscription_id, sub.subscription_id);
    let listed: Vec<Subscription> = answer(
        asha.api
            .get(&format!("/subscriptions?customerId={}", asha.account_id))
            .await
            .expect("list"),
    )
    .await
    .expect("answer")
    .ok()
    .expect("listed");
    assert_eq!(listed.len(), 1);
    match subscribe(&asha, &plan, &pm).await {
        Answer::Refused(StatusCode::CONFLICT, e) => {
            assert_eq!(e.code, ErrorCode::AlreadySubscribed)
        }
        other => panic!("a second live subscription: {other:?}"),
    }

    // Announcements: cleaned, stored, shown.
    let prefs = json!({"cities": [" Pune ", "pune", "Mumbai"], "genres": ["Drama"], "languages": ["Marathi"]});
    let path = format!("/subscriptions/{}/announcements", sub.subscription_id);
    let set: Subscription = answer(asha.api.put(&path, &prefs).await.expect("put"))
        .await
        .expect("answer")
        .ok()
        .expect("set");
    assert_eq!(set.announcements.cities, ["Pune", "Mumbai"]);
    assert_eq!(set.announcements.languages, ["Marathi"]);
    stop(&app, &asha, sub.subscription_id).await;
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

#[tokio::test]
async fn another_customers_subscription_is_out_of_reach() {
    let app = TestApp::spawn().await;
    let plan = plan_of(&app, "day", 1).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let ravi = app.customer("ravi@example.com").await.expect("customer");
    let pm = saved_card(&app, &asha, CARD_OK).await;
    let sub = subscribed(&asha, &plan, &pm).await;
    let one = format!("/subscriptions/{}", sub.subscription_id);
    assert_eq!(
        ravi.api.get(&one).await.expect("get").status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ravi.api.delete(&one).await.expect("delete").status(),
        StatusCode::FORBIDDEN
    );
    let prefs = json!({"cities": ["Pune"]});
    assert_eq!(
        ravi.api
            .put(&format!("{one}/announcements"), &prefs)
            .await
            .expect("put")
            .status(),
        StatusCode::FORBIDDEN
    );
    let list = format!("/subscriptions?customerId={}", asha.account_id);
    assert_eq!(
        ravi.api.get(&list).await.expect("list").status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api.get(&one).await.expect("get").status(),
        StatusCode::UNAUTHORIZED
    );
    let unknown = format!("/subscriptions/{}", uuid::Uuid::new_v4());
    assert_eq!(
        ravi.api.get(&unknown).await.expect("get").status(),
        StatusCode::NOT_FOUND
    );
    // Asha's card does not pay for Ravi.
    match subscribe(&ravi, &plan, &pm).await {
        Answer::Refused(StatusCode::UNPROCESSABLE_ENTITY, _) => {}
        other => panic!("another customer's card was accepted: {other:?}"),
    }
    // Operators see it; nothing of it changed.
    assert_eq!(
        app.admin.get(&one).await.expect("get").status(),
        StatusCode::OK
    );
    let row = subscriptions::get(&app.db, sub.subscription_id)
        .await
        .expect("read")
        .expect("row");
    assert_eq!(row.status, SubscriptionStatus::Active);
    assert!(!row.cancel_at_period_end);
    stop(&app, &asha, sub.subscription_id).await;
}

#[tokio::test]
async fn each_period_is_charged_exactly_once_and_renewed() {
    let app = TestApp::spawn().await;
    let plan = plan(&app, 2).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let pm = saved_card(&app, &asha, CARD_OK).await;
    let sub = subscribed(&asha, &plan, &pm).await;
    let id = sub.subscription_id;
    wait_for(&app, id, 30, "in its third period", |s| s.period_index >= 2).await;
    stop(&app, &asha, id).await;
    let ended = wait_for(&app, id, 30, "ended", |s| {
        s.status == SubscriptionStatus::Ended
    })
    .await;
    assert_eq!(ended.ended_reason, Some(SubscriptionEnd::Cancelled));

    let rows = charges::of_subscription(&app.db, id)
        .await
        .expect("charges");
    let paid = usize::try_from(ended.period_index).expect("index") + 1;
    assert!(paid >= 3, "{rows:?}");
    assert_eq!(
        rows.len(),
        paid,
        "no period after the cancel was opened: {rows:?}"
    );
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.period_index, i32::try_from(i).expect("index"));
        assert_eq!(row.status, PaymentStatus::Succeeded);
        assert_eq!(row.attempts, 1);
        assert_eq!(row.amount_minor, 14_900);
    }
    // Periods follow each other: each starts where the previous one ended, or later.
    for pair in rows.windows(2) {
        assert!(pair[1].period_start >= pair[0].period_end, "{pair:?}");
    }
    let at_gateway = paid_at_gateway(&app, id).await;
    let expected: Vec<u32> = (0..u32::try_from(paid).expect("count")).collect();
    assert_eq!(
        at_gateway, expected,
        "the gateway took each period exactly once"
    );
}

#[tokio::test]
async fn a_card_declining_at_renewal_is_dunned_then_the_subscription_ends() {
    let app = TestApp::spawn().await;
    let plan = plan(&app, 2).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let good = saved_card(&app, &asha, CARD_OK).await;
    let bad = saved_card(&app, &asha, CARD_DECLINED).await;
    let sub = subscribed(&asha, &plan, &good).await;
    let id = sub.subscription_id;
    // The card on file goes bad (localstripe cards never change, so the subscription is moved
    // to a saved card that declines every charge).
    sqlx::query(
        "update subscriptions set gateway_payment_method_id = $2 where subscription_id = $1",
    )
    .bind(id.as_uuid())
    .bind(&bad)
    .execute(&app.db)
    .await
    .expect("swap card");

    let past_due = wait_for(&app, id, 20, "past due", |s| {
        s.status == SubscriptionStatus::PastDue
    })
    .await;
    assert_eq!(
        past_due.period_index, 0,
        "the declined period is not recorded as paid"
    );
    assert!(
        subscriptions::membership(&app.db, account(&asha), Utc::now())
            .await
            .expect("membership")
            .is_none(),
        "past due gives no member prices"
    );
    let ended = wait_for(&app, id, 30, "ended", |s| {
        s.status == SubscriptionStatus::Ended
    })
    .await;
    assert_eq!(ended.ended_reason, Some(SubscriptionEnd::PaymentFailed));
    let rows = charges::of_subscription(&app.db, id)
        .await
        .expect("charges");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1].status, PaymentStatus::Failed);
    assert_eq!(rows[1].attempts, 3, "the first try and two dunning retries");
    assert_eq!(paid_at_gateway(&app, id).await, [0]);
    let tries = app
        .stripe
        .intents_of_subscription(&id.to_string())
        .await
        .expect("intents")
        .iter()
        .filter(|pi| pi["metadata"]["period_index"] == "1")
        .count();
    assert_eq!(tries, 3, "one intent per attempt");
}

#[tokio::test]
async fn a_cancelled_subscription_keeps_its_benefits_to_the_period_end_and_is_not_charged_again() {
    let app = TestApp::spawn().await;
    let plan = plan(&app, 4).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let pm = saved_card(&app, &asha, CARD_OK).await;
    let sub = subscribed(&asha, &plan, &pm).await;
    let id = sub.subscription_id;
    let resp = asha
        .api
        .delete(&format!("/subscriptions/{id}"))
        .await
        .expect("delete");
    let cancelled: Subscription = answer(resp).await.expect("answer").ok().expect("cancelled");
    assert_eq!(cancelled.status, SubscriptionStatus::Cancelling);
    assert!(cancelled.cancel_at_period_end);
    assert!(
        cancelled.benefits_active,
        "benefits last to the period's end"
    );
    assert!(
        subscriptions::membership(&app.db, account(&asha), Utc::now())
            .await
            .expect("membership")
            .is_some()
    );
    // Cancelling again answers the same.
    let again = asha
        .api
        .delete(&format!("/subscriptions/{id}"))
        .await
        .expect("delete");
    assert_eq!(again.status(), StatusCode::OK);

    let ended = wait_for(&app, id, 20, "ended", |s| {
        s.status == SubscriptionStatus::Ended
    })
    .await;
    assert_eq!(ended.ended_reason, Some(SubscriptionEnd::Cancelled));
    assert!(ended.ended_at >= ended.current_period_end, "{ended:?}");
    // Another period's length later, still nothing more was charged.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        charges::of_subscription(&app.db, id)
            .await
            .expect("charges")
            .len(),
        1
    );
    assert_eq!(paid_at_gateway(&app, id).await, [0]);
    assert!(
        subscriptions::membership(&app.db, account(&asha), Utc::now())
            .await
            .expect("membership")
            .is_none()
    );
    match answer::<Value>(
        asha.api
            .delete(&format!("/subscriptions/{id}"))
            .await
            .expect("delete"),
    )
    .await
    .expect("answer")
    {
        Answer::Refused(StatusCode::CONFLICT, e) => {
            assert_eq!(e.code, ErrorCode::SubscriptionEnded)
        }
        other => panic!("an ended subscription cancelled again: {other:?}"),
    }
}

#[tokio::test]
async fn a_card_declined_at_sign_up_is_refused_and_nothing_runs() {
    let app = TestApp::spawn().await;
    let plan = plan_of(&app, "day", 1).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let bad = saved_card(&app, &asha, CARD_DECLINED).await;
    let refused = match subscribe(&asha, &plan, &bad).await {
        Answer::Refused(StatusCode::PAYMENT_REQUIRED, e) => e,
        other => panic!("a declined card subscribed: {other:?}"),
    };
    assert_eq!(refused.code, ErrorCode::CardDeclined);
    let listed = subscriptions::of_customer(&app.db, account(&asha))
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, SubscriptionStatus::Ended);
    assert_eq!(listed[0].ended_reason, Some(SubscriptionEnd::PaymentFailed));
    assert!(
        subscriptions::membership(&app.db, account(&asha), Utc::now())
            .await
            .expect("membership")
            .is_none()
    );
    // Another card: subscribed.
    let good = saved_card(&app, &asha, CARD_OK).await;
    let sub = subscribed(&asha, &plan, &good).await;
    stop(&app, &asha, sub.subscription_id).await;
}

#[tokio::test]
async fn bad_input_is_refused_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let good_plan = json!({
        "name": "Basic", "amount_minor": 9_900, "currency": "INR",
        "period": {"unit": "month", "count": 1},
    });
    assert_eq!(
        asha.api
            .post("/subscription-plans", &good_plan)
            .await
            .expect("post")
            .status(),
        StatusCode::FORBIDDEN
    );
    let bad_plans = [
        json!({"name": " ", "amount_minor": 0, "currency": "rupees",
               "period": {"unit": "month", "count": 0}, "ticket_discount_bp": 10_001}),
        json!({"name": "X", "amount_minor": 100, "currency": "INR",
               "period": {"unit": "fortnight", "count": 1}}),
        json!({"name": "X", "amount_minor": 100, "currency": "INR",
               "period": {"unit": "day", "count": 1}, "early_access_hours": 721}),
        json!({"name": "X", "amount_minor": 100, "currency": "INR",
               "period": {"unit": "day", "count": 1}, "surprise": true}),
    ];
    for body in &bad_plans {
        let resp = app
            .admin
            .post("/subscription-plans", body)
            .await
            .expect("post");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let first = match answer::<Value>(
        app.admin
            .post("/subscription-plans", &bad_plans[0])
            .await
            .expect("post"),
    )
    .await
    .expect("answer")
    {
        Answer::Refused(_, e) => e,
        other => panic!("{other:?}"),
    };
    let fields: Vec<String> = first
        .fields
        .unwrap_or_default()
        .into_iter()
        .map(|f| f.field)
        .collect();
    for f in [
        "name",
        "amount_minor",
        "currency",
        "period.count",
        "ticket_discount_bp",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} not named in {fields:?}");
    }
    let plans: Vec<Plan> = answer(app.api.get("/subscription-plans").await.expect("get"))
        .await
        .expect("answer")
        .ok()
        .expect("plans");
    assert!(plans.is_empty(), "no plan was created: {plans:?}");

    let plan = plan_of(&app, "day", 1).await;
    let unsaved = app.stripe.card(CARD_OK).await.expect("card");
    let bodies = [
        json!({"plan_id": uuid::Uuid::new_v4(), "payment_method": unsaved}),
        json!({"plan_id": plan.plan_id, "payment_method": unsaved}),
        json!({"plan_id": plan.plan_id, "payment_method": "not a card!"}),
        json!({"plan_id": plan.plan_id}),
        json!({"plan_id": "nope", "payment_method": unsaved}),
    ];
    for body in &bodies {
        let resp = asha.api.post("/subscriptions", body).await.expect("post");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let pm = saved_card(&app, &asha, CARD_OK).await;
    let update = app
        .admin
        .put(
            &format!("/subscription-plans/{}", plan.plan_id),
            &bad_plans[0],
        )
        .await
        .expect("put");
    assert_eq!(update.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_plan = format!("/subscription-plans/{}", uuid::Uuid::new_v4());
    assert_eq!(
        app.admin
            .put(&unknown_plan, &good_plan)
            .await
            .expect("put")
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        subscriptions::of_customer(&app.db, account(&asha))
            .await
            .expect("list")
            .is_empty()
    );

    // Bad announcement preferences change nothing.
    let sub = subscribed(&asha, &plan, &pm).await;
    let path = format!("/subscriptions/{}/announcements", sub.subscription_id);
    let long = "x".repeat(61);
    for body in [
        json!({"cities": [""]}),
        json!({"genres": [long]}),
        json!({"towns": ["Pune"]}),
    ] {
        assert_eq!(
            asha.api.put(&path, &body).await.expect("put").status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
    }
    let read: Subscription = answer(
        asha.api
            .get(&format!("/subscriptions/{}", sub.subscription_id))
            .await
            .expect("get"),
    )
    .await
    .expect("answer")
    .ok()
    .expect("read");
    assert!(read.announcements.cities.is_empty() && read.announcements.genres.is_empty());
    stop(&app, &asha, sub.subscription_id).await;
}
