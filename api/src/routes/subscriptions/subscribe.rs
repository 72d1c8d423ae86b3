//! `POST /subscriptions`: a customer subscribes to a plan with a saved card. The row is
//! written `pending`, the subscription's workflow is started and charges the first period, and
//! the answer waits for that charge: 201 when paid, 402 when the card was declined (the
//! subscription then ended at once, and the customer may try again with another card), 202
//! when the gateway is slow (follow `Location`).

use super::json::{NewSubscription, Subscription};
use super::present;
use crate::auth::access::require;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorCode, ErrorEnvelope, OnConstraint};
use crate::payment_gateway::valid_payment_method_id;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mtbp_domain::{AccountId, SubscriptionEnd, SubscriptionId, SubscriptionStatus};
use mtbp_store::accounts::{customers, payment_methods};
use mtbp_store::subscriptions::{self, lifecycle, plans};
use mtbp_workflows::SubscriptionInput;
use mtbp_workflows::subscription::start_options;
use std::time::Duration;
use uuid::Uuid;

/// The saved card and its gateway customer, if `pm` is one of the customer's saved cards.
pub(super) async fn saved_card(
    state: &AppState,
    customer_id: AccountId,
    pm: &str,
) -> ApiResult<(String, String)> {
    let not_saved = || {
        ApiError::field(
            "payment_method",
            "not a payment method you saved (POST /customers/{id}/payment-methods)",
        )
    };
    let card = payment_methods::one(&state.db, customer_id, pm)
        .await?
        .ok_or_else(not_saved)?;
    let gateway_customer = customers::gateway_customer(&state.db, customer_id)
        .await?
        .flatten()
        .ok_or_else(not_saved)?;
    Ok((card.payment_method_id, gateway_customer))
}

/// Subscribes the signed-in customer to a plan, charging the first period to a saved card.
#[utoipa::path(post, path = "/subscriptions", tag = "subscriptions",
    request_body = NewSubscription, security(("bearer" = [])),
    responses(
        (status = 201, body = Subscription, description = "The first period is paid",
         headers(("Location" = String, description = "The subscription"))),
        (status = 202, body = Subscription, description = "The first charge is still under way",
         headers(("Location" = String, description = "The subscription"))),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 402, body = ErrorEnvelope, description = "The card was declined; nothing runs"),
        (status = 409, body = ErrorEnvelope, description = "Already subscribed, or the plan is closed"),
        (status = 422, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)))]
pub async fn subscribe(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewSubscription>,
) -> ApiResult<Response> {
    require(&user, &[Role::Customer], "subscribing")?;
    let pm = valid_payment_method_id(&body.payment_method)?;
    let plan = plans::get(&state.db, body.plan_id)
        .await?
        .ok_or_else(|| ApiError::field("plan_id", "no such subscription plan"))?;
    if !plan.active {
        return Err(ApiError::conflict(
            ErrorCode::PlanClosed,
            "this plan is closed to new subscribers",
        ));
    }
    let customer_id = user.account_id;
    let (payment_method, gateway_customer) = saved_card(&state, customer_id, pm).await?;
    let subscription_id = SubscriptionId::from_uuid(Uuid::new_v4());
    let new = subscriptions::NewSubscription {
        subscription_id,
        customer_id,
        plan_id: plan.plan_id,
        payment_method: &payment_method,
        gateway_customer: &gateway_customer,
    };
    subscriptions::create(&state.db, new).await.on_constraint(
        lifecycle::LIVE_CONSTRAINT,
        || {
            ApiError::conflict(
                ErrorCode::AlreadySubscribed,
                "you already have a live subscription to this plan",
            )
        },
    )?;
    start(&state, subscription_id, customer_id).await?;
    settle(&state, subscription_id).await
}

/// Starts the subscription's workflow; if Temporal does not take it, the pending row is
/// removed again (nothing was charged), so the customer may simply retry.
async fn start(
    state: &AppState,
    subscription_id: SubscriptionId,
    customer_id: AccountId,
) -> ApiResult<()> {
    let input = SubscriptionInput {
        subscription_id,
        customer_id,
        period_index: 0,
        dunning_seconds: state.config.subscriptions.dunning_seconds.clone(),
        charge_give_up_seconds: Some(state.config.subscriptions.charge_give_up_seconds),
        unsettled_retry_seconds: Some(state.config.subscriptions.unsettled_retry_seconds),
    };
    let options = start_options(&input, &state.config.settings.task_queue);
    let started = state
        .temporal
        .start_workflow(mtbp_workflows::SubscriptionWorkflow::run, input, options)
        .await;
    if let Err(e) = started {
        tracing::warn!(subscription.id = %subscription_id, error = %e, "subscription workflow not started");
        lifecycle::discard_unstarted(&state.db, subscription_id).await?;
        return Err(ApiError::Unavailable(
            "the subscription could not be started; try again".into(),
        ));
    }
    Ok(())
}

/// How often the answer looks whether the first charge has settled.
const POLL: Duration = Duration::from_millis(100);

/// Waits for the first period's outcome, up to the configured wait.
async fn settle(state: &AppState, subscription_id: SubscriptionId) -> ApiResult<Response> {
    let deadline = tokio::time::Instant::now() + state.config.subscriptions.first_charge_wait;
    loop {
        let row = subscriptions::get(&state.db, subscription_id)
            .await?
            .ok_or(ApiError::NotFound("subscription"))?;
        let status = row.status;
        let reason = row.ended_reason;
        let timed_out = tokio::time::Instant::now() >= deadline;
        if status != SubscriptionStatus::Pending || timed_out {
            let view = present(state, row).await?;
            return answer(view, status, reason);
        }
        tokio::time::sleep(POLL).await;
    }
}

fn answer(
    view: Subscription,
    status: SubscriptionStatus,
    reason: Option<SubscriptionEnd>,
) -> ApiResult<Response> {
    let location = format!("/subscriptions/{}", view.subscription_id);
    let code = match (status, reason) {
        (SubscriptionStatus::Pending, _) => StatusCode::ACCEPTED,
        (SubscriptionStatus::Ended, Some(SubscriptionEnd::PaymentFailed)) => {
            return Err(ApiError::Refused {
                status: StatusCode::PAYMENT_REQUIRED,
                code: ErrorCode::CardDeclined,
                message: "the card was declined; the subscription did not start".into(),
                details: serde_json::to_value(&view)
                    .ok()
                    .map(|s| serde_json::json!({ "subscription": s })),
            });
        }
        (SubscriptionStatus::Ended, _) => {
            return Err(ApiError::conflict(
                ErrorCode::SubscriptionEnded,
                "the subscription was cancelled before its first period was paid",
            ));
        }
        _ => StatusCode::CREATED,
    };
    Ok((code, [(header::LOCATION, location)], ApiJson(view)).into_response())
}
