//! `PUT /addons/{id}`.

use super::code_taken;
use super::json::{Addon, NewAddon};
use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope, OnConstraint};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::AddonId;
use mtbp_store::addons;

/// Replaces an add-on's fields (the theater's partner, or an operator). Bookings already made
/// keep the price they were sold at.
#[utoipa::path(put, path = "/addons/{addon_id}", tag = "catalog",
    params(("addon_id" = Uuid, Path)), request_body = NewAddon,
    security(("bearer" = [])),
    responses((status = 200, body = Addon), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Code taken"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_addon(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(addon_id): ApiPath<AddonId>,
    ApiJson(body): ApiJson<NewAddon>,
) -> ApiResult<ApiJson<Addon>> {
    let current = addons::get(&state.db, addon_id)
        .await?
        .ok_or(ApiError::NotFound("add-on"))?;
    manage_theater(&state.db, &user, current.theater_id).await?;
    let currencies = addons::show_currencies(&state.db, current.theater_id).await?;
    let addon = body.checked(&state.config.settings.pricing, &currencies)?;
    let stored = addons::update(&state.db, addon_id, &addon.fields())
        .await
        .on_constraint("addons_code", || code_taken(addon.code()))?
        .ok_or(ApiError::NotFound("add-on"))?;
    Ok(ApiJson(Addon::from(stored)))
}
