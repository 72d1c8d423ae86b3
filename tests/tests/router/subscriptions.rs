//! Subscription plans and subscriptions refused before any workflow: who may define plans,
//! field validation naming every field, and subscribing with nothing to charge.

use crate::harness::Harness;
use axum::http::{Method, StatusCode};
use mtbp_api::error::ErrorCode;
use mtbp_api::routes::subscriptions::json::Plan;
use serde_json::json;

const PLANS: &str = "select count(*) from subscription_plans";
const SUBSCRIPTIONS: &str = "select count(*) from subscriptions";

fn monthly() -> serde_json::Value {
    json!({"name": "Monthly", "amount_minor": 19_900, "currency": "INR",
           "period": {"unit": "month", "count": 1}, "ticket_discount_bp": 500})
}

#[tokio::test]
async fn only_operators_define_plans_and_every_bad_field_is_named() {
    let h = Harness::new().await;
    let (_, customer) = h.customer("asha@example.com").await;
    let (_, _, partner) = h.partner("Cinema One").await;
    for who in [&customer, &partner] {
        h.send(Method::POST, "/subscription-plans", Some(who), &monthly())
            .await
            .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    }
    let bad = json!({"name": "", "amount_minor": -5, "currency": "inr",
                     "period": {"unit": "week", "count": 1001},
                     "ticket_discount_bp": 20_000, "early_access_hours": 1_000});
    let answer = h
        .send(Method::POST, "/subscription-plans", Some(&h.admin()), &bad)
        .await;
    assert_eq!(
        answer.invalid_fields(),
        [
            "name",
            "amount_minor",
            "currency",
            "period.count",
            "ticket_discount_bp",
            "early_access_hours"
        ]
    );
    assert_eq!(h.count(PLANS).await, 0);
    let created = h
        .send(
            Method::POST,
            "/subscription-plans",
            Some(&h.admin()),
            &monthly(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let plan: Plan = created.json();
    assert_eq!((plan.ticket_discount_bp, plan.active), (500, true));
    // An edit is all or nothing.
    let path = format!("/subscription-plans/{}", plan.plan_id);
    h.send(Method::PUT, &path, Some(&h.admin()), &bad)
        .await
        .invalid_fields();
    let listed = h.call(Method::GET, "/subscription-plans", None).await;
    let plans: Vec<Plan> = listed.json();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].name, "Monthly");
    h.call(
        Method::GET,
        "/subscription-plans?includeInactive=true",
        Some(&customer),
    )
    .await
    .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
}

#[tokio::test]
async fn subscribing_needs_an_open_plan_and_a_saved_card_of_ones_own() {
    let h = Harness::new().await;
    let (_, customer) = h.customer("asha@example.com").await;
    let created = h
        .send(
            Method::POST,
            "/subscription-plans",
            Some(&h.admin()),
            &monthly(),
        )
        .await;
    let plan: Plan = created.json();
    let unknown = uuid::Uuid::new_v4();
    for (body, field) in [
        (
            json!({"plan_id": unknown, "payment_method": "pm_card_visa"}),
            "plan_id",
        ),
        (
            json!({"plan_id": plan.plan_id, "payment_method": "pm_never_saved"}),
            "payment_method",
        ),
        (
            json!({"plan_id": plan.plan_id, "payment_method": "not a pm"}),
            "payment_method",
        ),
    ] {
        let answer = h
            .send(Method::POST, "/subscriptions", Some(&customer), &body)
            .await;
        assert_eq!(answer.invalid_fields(), [field], "{body}");
    }
    h.send(
        Method::POST,
        "/subscriptions",
        Some(&h.admin()),
        &json!({"plan_id": plan.plan_id, "payment_method": "pm_card_visa"}),
    )
    .await
    .error(StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    // A closed plan takes no new subscribers.
    let mut closed = monthly();
    closed["active"] = json!(false);
    let path = format!("/subscription-plans/{}", plan.plan_id);
    assert_eq!(
        h.send(Method::PUT, &path, Some(&h.admin()), &closed)
            .await
            .status,
        StatusCode::OK
    );
    h.send(
        Method::POST,
        "/subscriptions",
        Some(&customer),
        &json!({"plan_id": plan.plan_id, "payment_method": "pm_card_visa"}),
    )
    .await
    .error(StatusCode::CONFLICT, ErrorCode::PlanClosed);
    assert_eq!(h.count(SUBSCRIPTIONS).await, 0);
}
