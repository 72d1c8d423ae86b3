//! `PUT /subscriptions/{id}`: the subscriber's new card. It pays the periods to come; a
//! past-due subscription is charged with it at once instead of at dunning's next retry.

use super::json::{Subscription, SubscriptionChange};
use super::subscribe::saved_card;
use super::{load_own, present};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::payment_gateway::valid_payment_method_id;
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::{SubscriptionId, SubscriptionStatus};
use mtbp_store::subscriptions::{self, lifecycle};
use mtbp_workflows::SubscriptionWorkflow;
use temporalio_client::WorkflowSignalOptions;

/// Changes the card of a live subscription (its subscriber, or an operator acting for them;
/// the card must be one the subscriber saved).
#[utoipa::path(put, path = "/subscriptions/{subscription_id}", tag = "subscriptions",
    params(("subscription_id" = Uuid, Path)), request_body = SubscriptionChange,
    security(("bearer" = [])),
    responses((status = 200, body = Subscription), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Already ended"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn change_subscription(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(subscription_id): ApiPath<SubscriptionId>,
    ApiJson(body): ApiJson<SubscriptionChange>,
) -> ApiResult<ApiJson<Subscription>> {
    let row = load_own(&state, &user, subscription_id).await?;
    let pm = valid_payment_method_id(&body.payment_method)?;
    let ended = || {
        ApiError::conflict(
            ErrorCode::SubscriptionEnded,
            "the subscription has ended already",
        )
    };
    if row.status == SubscriptionStatus::Ended {
        return Err(ended());
    }
    let (payment_method, _) = saved_card(&state, row.customer_id, pm).await?;
    if !lifecycle::change_card(&state.db, subscription_id, &payment_method).await? {
        return Err(ended());
    }
    // Every attempt reads the card from the row: the signal only makes a past-due one try
    // again now. Lost, the next dunning retry uses the new card all the same.
    let handle = state
        .temporal
        .get_workflow_handle::<SubscriptionWorkflow>(subscription_id.workflow_id());
    if let Err(e) = handle
        .signal(
            SubscriptionWorkflow::card_changed,
            (),
            WorkflowSignalOptions::default(),
        )
        .await
    {
        tracing::warn!(subscription.id = %subscription_id, error = %e, "card-change signal not delivered");
    }
    let row = subscriptions::get(&state.db, subscription_id)
        .await?
        .ok_or(ApiError::NotFound("subscription"))?;
    Ok(ApiJson(present(&state, row).await?))
}
