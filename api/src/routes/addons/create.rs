//! `POST /theaters/{id}/addons`.

use super::code_taken;
use super::json::{Addon, NewAddon};
use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::error::{ApiJson, ApiPath, ApiResult, ErrorEnvelope, OnConstraint};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::{AddonId, TheaterId};
use mtbp_store::addons;
use uuid::Uuid;

/// Adds an add-on to a theater (the theater's partner, or an operator).
#[utoipa::path(post, path = "/theaters/{theater_id}/addons", tag = "catalog",
    params(("theater_id" = Uuid, Path)), request_body = NewAddon,
    security(("bearer" = [])),
    responses((status = 201, body = Addon), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Code taken"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn create_addon(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(theater_id): ApiPath<TheaterId>,
    ApiJson(body): ApiJson<NewAddon>,
) -> ApiResult<(StatusCode, ApiJson<Addon>)> {
    manage_theater(&state.db, &user, theater_id).await?;
    let currencies = addons::show_currencies(&state.db, theater_id).await?;
    let addon = body.checked(&state.config.settings.pricing, &currencies)?;
    let addon_id = AddonId::from_uuid(Uuid::new_v4());
    let stored = addons::insert(&state.db, addon_id, theater_id, &addon.fields())
        .await
        .on_constraint("addons_code", || code_taken(addon.code()))?;
    Ok((StatusCode::CREATED, ApiJson(Addon::from(stored))))
}
