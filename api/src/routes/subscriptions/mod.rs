//! Subscription plans (operators define them, anyone reads them) and customers'
//! subscriptions: subscribe with a saved card (the first period is charged by the
//! subscription's workflow before the answer), read, change the card, cancel at the period's
//! end, and choose the announcements to receive.

mod announcements;
mod cancel;
mod change;
pub mod json;
mod plans;
mod read;
mod subscribe;

use crate::auth::AuthUser;
use crate::auth::access::forbidden;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::Utc;
use json::Subscription;
use mtbp_domain::SubscriptionId;
use mtbp_store::subscriptions::{self, announcements as prefs};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The plan and subscription routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(plans::create_plan, plans::list_plans))
        .routes(routes!(plans::update_plan))
        .routes(routes!(subscribe::subscribe, read::list_subscriptions))
        .routes(routes!(
            read::get_subscription,
            cancel::cancel_subscription,
            change::change_subscription
        ))
        .routes(routes!(announcements::set_announcements))
}

/// The subscription, if the caller is its subscriber or an operator: 404 if there is none,
/// 403 if it is someone else's.
async fn load_own(
    state: &AppState,
    user: &AuthUser,
    subscription_id: SubscriptionId,
) -> ApiResult<subscriptions::Subscription> {
    let row = subscriptions::get(&state.db, subscription_id)
        .await?
        .ok_or(ApiError::NotFound("subscription"))?;
    if !user.may_act_for(row.customer_id) {
        return Err(forbidden("this subscription is not yours"));
    }
    Ok(row)
}

/// The wire shape of a stored subscription, with its preferences, as of now.
async fn present(state: &AppState, row: subscriptions::Subscription) -> ApiResult<Subscription> {
    let announcements = prefs::get(&state.db, row.subscription_id).await?;
    Ok(Subscription::new(row, announcements, Utc::now()))
}
