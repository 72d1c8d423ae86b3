//! Subscribing, reading and changing a subscription: the subscriber's own, operators', nobody
//! else's; bad input refused with nothing created.

use super::*;
use mtbp_domain::pricing::LineKind;
use mtbp_domain::pricing::quote::DiscountSource;

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
    assert_eq!(paid_recorded(&app, sub.subscription_id).await, [0]);

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

#[tokio::test]
async fn members_get_their_prices_in_quotes_at_once() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 4).await.expect("show");
    let plan = plan_of(&app, "day", 1).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let before = asha.api.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    let before = asha.api.booking(before).await.expect("booking");
    assert_eq!(
        before.total.amount_minor,
        app.total_of(&[("A1", "REGULAR", 20000)]),
        "not a member yet: list price, fee and GST"
    );

    let pm = saved_card(&app, &asha, CARD_OK).await;
    let sub = subscribed(&asha, &plan, &pm).await;
    let held = asha.api.hold_ok(show.show_id, &["A2"]).await.expect("hold");
    let member = asha.api.booking(held).await.expect("booking");
    let quote = member.quote.as_ref().expect("quote");
    let seat = quote
        .lines
        .iter()
        .find(|l| l.kind == LineKind::Seat)
        .expect("seat line");
    let cut: Vec<(&DiscountSource, i64)> = seat
        .discounts
        .iter()
        .map(|d| (&d.source, d.amount.amount_minor))
        .collect();
    let plan_name = DiscountSource::Member {
        plan: "Cinephile".into(),
    };
    assert_eq!(cut, [(&plan_name, 2000)], "10 % off the ticket");
    let fee = quote
        .lines
        .iter()
        .find(|l| l.kind == LineKind::Fee)
        .expect("the waived fee is shown");
    assert_eq!(fee.total.amount_minor, 0);
    // ₹180 after the member discount, 18 % GST on it, no fee.
    assert_eq!(member.total.amount_minor, 18000 + 1620 + 1620);
    assert_eq!(
        quote.totals.platform_funded.amount_minor,
        2000 + fee.list.amount_minor
    );

    let card = app.stripe.card(CARD_OK).await.expect("card");
    let paid = asha.api.pay(held, &card).await.expect("pay");
    assert_eq!(paid.status(), StatusCode::OK);
    let charges = app
        .stripe
        .succeeded_charges_of(&held.to_string())
        .await
        .expect("gateway");
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0]["amount"], member.total.amount_minor);
    stop(&app, &asha, sub.subscription_id).await;
}
