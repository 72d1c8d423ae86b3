//! `DELETE /subscriptions/{id}`: cancel at the period's end. The paid period runs on (and its
//! benefits with it); no further period is charged; the workflow ends the subscription when
//! the period is over.

use super::json::Subscription;
use super::{load_own, present};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::{SubscriptionId, SubscriptionStatus};
use mtbp_store::subscriptions::{self, lifecycle};
use mtbp_workflows::SubscriptionWorkflow;
use temporalio_client::WorkflowSignalOptions;

/// Cancels a subscription at the end of its paid period (its subscriber, or an operator).
/// Cancelling again answers the same; a past-due subscription ends at once.
#[utoipa::path(delete, path = "/subscriptions/{subscription_id}", tag = "subscriptions",
    params(("subscription_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = Subscription, description = "Cancelling at the period's end"),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Already ended"),
              (status = 503, body = ErrorEnvelope)))]
pub async fn cancel_subscription(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(subscription_id): ApiPath<SubscriptionId>,
) -> ApiResult<ApiJson<Subscription>> {
    let row = load_own(&state, &user, subscription_id).await?;
    if row.status == SubscriptionStatus::Ended {
        return Err(ApiError::conflict(
            ErrorCode::SubscriptionEnded,
            "the subscription has ended already",
        ));
    }
    // The row first: the charge activity refuses to charge a cancelled subscription, so even a
    // signal that never arrives cannot cost the customer another period.
    lifecycle::cancel_at_period_end(&state.db, subscription_id).await?;
    let handle = state
        .temporal
        .get_workflow_handle::<SubscriptionWorkflow>(subscription_id.workflow_id());
    if let Err(e) = handle
        .signal(
            SubscriptionWorkflow::cancel,
            (),
            WorkflowSignalOptions::default(),
        )
        .await
    {
        // The period's end still ends it (the workflow reads the row before charging);
        // only a past-due one waits for its next retry instead of ending now.
        tracing::warn!(subscription.id = %subscription_id, error = %e, "cancel signal not delivered");
    }
    let row = subscriptions::get(&state.db, subscription_id)
        .await?
        .ok_or(ApiError::NotFound("subscription"))?;
    Ok(ApiJson(present(&state, row).await?))
}
