//! `DELETE /addons/{id}`.

use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::AddonId;
use mtbp_store::addons;

/// Deletes an add-on (the theater's partner, or an operator): off sale, its code free again;
/// bookings that bought it keep it.
#[utoipa::path(delete, path = "/addons/{addon_id}", tag = "catalog",
    params(("addon_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete_addon(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(addon_id): ApiPath<AddonId>,
) -> ApiResult<StatusCode> {
    let current = addons::get(&state.db, addon_id)
        .await?
        .ok_or(ApiError::NotFound("add-on"))?;
    manage_theater(&state.db, &user, current.theater_id).await?;
    if !addons::delete(&state.db, addon_id).await? {
        return Err(ApiError::NotFound("add-on"));
    }
    Ok(StatusCode::NO_CONTENT)
}
