//! `GET /subscriptions/{id}` and `GET /subscriptions?customerId=`: the subscriber's own, or
//! anyone's for operators.

use super::json::{Subscription, SubscriptionQuery};
use super::{load_own, present};
use crate::auth::AuthUser;
use crate::auth::access::forbidden;
use crate::error::{ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use mtbp_domain::SubscriptionId;
use mtbp_store::subscriptions;

/// One subscription (its subscriber, or an operator).
#[utoipa::path(get, path = "/subscriptions/{subscription_id}", tag = "subscriptions",
    params(("subscription_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = Subscription), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_subscription(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(subscription_id): ApiPath<SubscriptionId>,
) -> ApiResult<ApiJson<Subscription>> {
    let row = load_own(&state, &user, subscription_id).await?;
    Ok(ApiJson(present(&state, row).await?))
}

/// A customer's subscriptions, newest first (the customer, or an operator).
#[utoipa::path(get, path = "/subscriptions", tag = "subscriptions", params(SubscriptionQuery),
    security(("bearer" = [])),
    responses((status = 200, body = [Subscription]), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list_subscriptions(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<SubscriptionQuery>, QueryRejection>,
) -> ApiResult<ApiJson<Vec<Subscription>>> {
    let q = query(q)?;
    if !user.may_act_for(q.customer_id) {
        return Err(forbidden("these subscriptions are not yours"));
    }
    let rows = subscriptions::of_customer(&state.db, q.customer_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(present(&state, row).await?);
    }
    Ok(ApiJson(out))
}
