//! `PUT /subscriptions/{id}/announcements`: what new movies (by city, genre, language) the
//! subscriber wants to be told about; the notifications issue reads them.

use super::json::{Announcements, Subscription};
use super::{load_own, present};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::subscription::Announcements as Prefs;
use mtbp_domain::{SubscriptionId, SubscriptionStatus};
use mtbp_store::subscriptions::announcements;

/// Replaces the subscription's announcement preferences (its subscriber, or an operator).
#[utoipa::path(put, path = "/subscriptions/{subscription_id}/announcements",
    tag = "subscriptions", params(("subscription_id" = Uuid, Path)),
    request_body = Announcements, security(("bearer" = [])),
    responses((status = 200, body = Subscription), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "The subscription has ended"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn set_announcements(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(subscription_id): ApiPath<SubscriptionId>,
    ApiJson(body): ApiJson<Announcements>,
) -> ApiResult<ApiJson<Subscription>> {
    let row = load_own(&state, &user, subscription_id).await?;
    let mut errors = Vec::new();
    let prefs = Prefs::from(body).parse(&mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if row.status == SubscriptionStatus::Ended {
        return Err(ApiError::conflict(
            ErrorCode::SubscriptionEnded,
            "the subscription has ended",
        ));
    }
    announcements::set(&state.db, subscription_id, &prefs).await?;
    Ok(ApiJson(present(&state, row).await?))
}
