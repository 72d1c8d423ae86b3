//! What the gateway is asked for: each period once, dunning of a declining card, nothing
//! after a cancel, nothing started after a declined first charge.

use super::*;

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
    let at_gateway = paid_periods(&gateway_intents(&app, id).await);
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
    let intents = gateway_intents(&app, id).await;
    assert_eq!(paid_periods(&intents), [0]);
    let tries = intents
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
    assert_eq!(paid_recorded(&app, id).await, [0]);
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
async fn a_retried_or_concurrent_charge_attempt_never_charges_a_period_twice() {
    use mtbp_activities::SubscriptionActivities;
    use mtbp_activities::subscriptions::{PeriodChargeRequest, PeriodOutcome};
    let app = TestApp::spawn().await;
    let plan = plan_of(&app, "day", 1).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let pm = saved_card(&app, &asha, CARD_OK).await;
    let sub = subscribed(&asha, &plan, &pm).await;
    let gateway = mtbp_infra::gateway::StripeGateway::new(
        &app.settings.stripe_api_base,
        &app.settings.stripe_secret_key,
    )
    .expect("gateway");
    let activities = SubscriptionActivities::new(app.db.clone(), gateway);
    let attempt = |period_index| PeriodChargeRequest {
        subscription_id: sub.subscription_id,
        period_index,
        attempt: 1,
    };
    // The first period's attempt run again (a retry after a lost answer): the same period back.
    let again = activities.charge(&attempt(0)).await.expect("charge");
    let end_ms = sub.current_period_end.expect("end").timestamp_millis();
    assert!(
        matches!(again, PeriodOutcome::Paid { end_ms: e, .. } if e == end_ms),
        "{again:?}"
    );
    // Two copies of the next period's attempt at once (a worker thought dead still running):
    // one intent is recorded and confirmed; the other reads it back or retries.
    let next = attempt(1);
    let (a, b) = tokio::join!(activities.charge(&next), activities.charge(&next));
    let paid = [&a, &b]
        .iter()
        .filter(|r| matches!(r, Ok(PeriodOutcome::Paid { .. })))
        .count();
    assert!(paid >= 1, "{a:?} {b:?}");
    let retried = activities.charge(&attempt(1)).await.expect("charge");
    assert!(matches!(retried, PeriodOutcome::Paid { .. }), "{retried:?}");
    assert_eq!(
        paid_periods(&gateway_intents(&app, sub.subscription_id).await),
        [0, 1]
    );
    let rows = charges::of_subscription(&app.db, sub.subscription_id)
        .await
        .expect("charges");
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.status == PaymentStatus::Succeeded && r.attempts == 1)
    );
    stop(&app, &asha, sub.subscription_id).await;
}

#[tokio::test]
async fn an_erased_customers_subscription_ends_with_its_period_and_is_not_charged_again() {
    let app = TestApp::spawn().await;
    let plan = plan(&app, 2).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let pm = saved_card(&app, &asha, CARD_OK).await;
    let id = subscribed(&asha, &plan, &pm).await.subscription_id;
    let erase = app
        .admin
        .delete(&format!("/customers/{}", asha.account_id))
        .await
        .expect("erase");
    assert_eq!(erase.status(), StatusCode::NO_CONTENT);
    let ended = wait_for(&app, id, 20, "ended", |s| {
        s.status == SubscriptionStatus::Ended
    })
    .await;
    assert_eq!(ended.ended_reason, Some(SubscriptionEnd::Cancelled));
    assert_eq!(ended.period_index, 0);
    assert_eq!(paid_recorded(&app, id).await, [0]);
}

#[tokio::test]
async fn a_past_due_subscriber_changes_the_card_and_is_charged_with_it_at_once() {
    // Dunning would wait ten minutes: only the new card's signal can renew within the test.
    let app = TestApp::spawn_with(mtbp_tests::TestOptions {
        subscriptions: mtbp_api::config::SubscriptionSettings {
            min_plan_period_seconds: 1,
            dunning_seconds: vec![600],
            first_charge_wait: Duration::from_secs(20),
            ..mtbp_api::config::SubscriptionSettings::default()
        },
        ..mtbp_tests::TestOptions::default()
    })
    .await;
    let plan = plan(&app, 3).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let ravi = app.customer("ravi@example.com").await.expect("customer");
    let good = saved_card(&app, &asha, CARD_OK).await;
    let bad = saved_card(&app, &asha, CARD_DECLINED).await;
    let ravis = saved_card(&app, &ravi, CARD_OK).await;
    let sub = subscribed(&asha, &plan, &good).await;
    let id = sub.subscription_id;
    let path = format!("/subscriptions/{id}");
    sqlx::query(
        "update subscriptions set gateway_payment_method_id = $2 where subscription_id = $1",
    )
    .bind(id.as_uuid())
    .bind(&bad)
    .execute(&app.db)
    .await
    .expect("swap card");
    wait_for(&app, id, 20, "past due", |s| {
        s.status == SubscriptionStatus::PastDue
    })
    .await;

    // Someone else's subscription, someone else's card, a malformed one: refused, unchanged.
    let card_of = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "select gateway_payment_method_id from subscriptions where subscription_id = $1",
            )
            .bind(id.as_uuid())
            .fetch_one(&db)
            .await
            .expect("card")
        }
    };
    let theirs = ravi
        .api
        .put(&path, &json!({"payment_method": ravis}))
        .await
        .expect("put");
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);
    for pm in [ravis.as_str(), "", "not a card"] {
        let resp = asha
            .api
            .put(&path, &json!({"payment_method": pm}))
            .await
            .expect("put");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{pm:?}");
    }
    assert_eq!(card_of(&app).await, bad, "nothing changed");

    let resp = asha
        .api
        .put(&path, &json!({"payment_method": good}))
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK, "{:?}", resp.text().await);
    assert_eq!(card_of(&app).await, good);
    let renewed = wait_for(&app, id, 20, "renewed with the new card", |s| {
        s.status == SubscriptionStatus::Active && s.period_index >= 1
    })
    .await;
    assert!(renewed.period_index >= 1);
    let rows = charges::of_subscription(&app.db, id)
        .await
        .expect("charges");
    assert_eq!(rows[1].status, PaymentStatus::Succeeded, "{rows:?}");
    assert_eq!(
        rows[1].attempts, 2,
        "the declined try, then the new card at once"
    );

    // Once ended, the card cannot change any more.
    let cancelled = asha.api.delete(&path).await.expect("cancel");
    assert_eq!(cancelled.status(), StatusCode::OK);
    wait_for(&app, id, 20, "ended", |s| {
        s.status == SubscriptionStatus::Ended
    })
    .await;
    let late = asha
        .api
        .put(&path, &json!({"payment_method": good}))
        .await
        .expect("put");
    assert_eq!(late.status(), StatusCode::CONFLICT);
    // The ending is recorded by the run's last activity; give the run a moment to complete.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let runs =
        super::histories::replay_runs(&app, id, None, Some("subscription_card_changed")).await;
    assert!(
        runs >= 2,
        "the first period, then the renewal the new card paid: {runs}"
    );
}

#[tokio::test]
async fn a_first_charge_whose_answer_never_came_in_time_is_settled_once_not_left_pending() {
    use mtbp_tests::slow_gateway::{Delay, GatewayFaults, SlowGateway};
    let upstream = std::env::var("STRIPE_API_BASE").expect("STRIPE_API_BASE (the test stack)");
    let gateway = SlowGateway::start(&upstream).await.expect("slow gateway");
    // The charge reaches the gateway only after the activity has given up on it.
    gateway.set(GatewayFaults {
        confirm: Delay {
            before: Duration::from_secs(15),
            after: Duration::ZERO,
        },
        ..GatewayFaults::default()
    });
    let app = TestApp::spawn_with(mtbp_tests::TestOptions {
        stripe_api_base: Some(gateway.url.clone()),
        subscriptions: mtbp_api::config::SubscriptionSettings {
            min_plan_period_seconds: 1,
            dunning_seconds: vec![1, 2],
            first_charge_wait: Duration::from_secs(2),
            charge_give_up_seconds: 5,
            unsettled_retry_seconds: 4,
        },
        ..mtbp_tests::TestOptions::default()
    })
    .await;
    let plan = plan(&app, 3).await;
    let asha = app.customer("asha@example.com").await.expect("customer");
    let pm = saved_card(&app, &asha, CARD_OK).await;
    let sub = match subscribe(&asha, &plan, &pm).await {
        Answer::Ok(StatusCode::ACCEPTED, sub) => sub,
        other => panic!("the slow charge should answer 202 pending: {other:?}"),
    };
    assert_eq!(sub.status, SubscriptionStatus::Pending);
    let id = sub.subscription_id;

    // Past the activity's give-up time the outcome is unknown; the gateway comes back.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let row = subscriptions::get(&app.db, id)
        .await
        .expect("read")
        .expect("row");
    assert_eq!(
        row.status,
        SubscriptionStatus::Pending,
        "nothing decided yet"
    );
    gateway.set(GatewayFaults::default());

    let active = wait_for(&app, id, 40, "active", |s| {
        s.status == SubscriptionStatus::Active
    })
    .await;
    assert_eq!(active.period_index, 0);
    let cancelled = asha
        .api
        .delete(&format!("/subscriptions/{id}"))
        .await
        .expect("cancel");
    assert_eq!(cancelled.status(), StatusCode::OK);
    // Let the late, held confirm reach the gateway too: it must not charge again.
    tokio::time::sleep(Duration::from_secs(10)).await;
    wait_for(&app, id, 20, "ended", |s| {
        s.status == SubscriptionStatus::Ended
    })
    .await;
    let rows = charges::of_subscription(&app.db, id)
        .await
        .expect("charges");
    let first = rows.first().expect("the first period's charge");
    assert_eq!(first.status, PaymentStatus::Succeeded);
    assert_eq!(
        first.attempts, 1,
        "the same attempt, read back, not a new one"
    );
    let intents = gateway_intents(&app, id).await;
    let period_0: Vec<_> = intents
        .iter()
        .filter(|pi| pi["metadata"]["period_index"] == "0" && pi["status"] == "succeeded")
        .collect();
    assert_eq!(
        period_0.len(),
        1,
        "the first period charged exactly once: {intents:?}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    super::histories::replay_runs(&app, id, Some("subscription_unsettled_first_charge"), None)
        .await;
}
