//! `GET /theaters/{id}/addons`.

use super::json::Addon;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::TheaterId;
use mtbp_store::accounts::ownership;
use mtbp_store::addons;

/// The add-ons of a theater by code: those on sale, or all of them for the theater's partner
/// and operators.
#[utoipa::path(get, path = "/theaters/{theater_id}/addons", tag = "catalog",
    params(("theater_id" = Uuid, Path)), security((), ("bearer" = [])),
    responses((status = 200, body = [Addon]), (status = 404, body = ErrorEnvelope)))]
pub async fn list_addons(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    ApiPath(theater_id): ApiPath<TheaterId>,
) -> ApiResult<ApiJson<Vec<Addon>>> {
    let owner = ownership::theater_partner(&state.db, theater_id)
        .await?
        .ok_or(ApiError::NotFound("theater"))?;
    let manager =
        user.is_some_and(|u| u.is_operator() || owner.is_some_and(|p| u.may_act_for_partner(p)));
    let rows = addons::of_theater(&state.db, theater_id, !manager).await?;
    Ok(ApiJson(rows.into_iter().map(Addon::from).collect()))
}
