//! `PUT /theaters/{id}`.

use super::details;
use super::json::{NewTheater, Theater};
use crate::auth::AuthUser;
use crate::auth::access::{forbidden, manage_theater, require_active_partner};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::TheaterId;
use mtbp_store::catalog::theaters;

/// Replaces a theater's details (its partner, or an operator). Only an operator may hand it
/// to another partner; a time zone change applies to the dates of later searches.
#[utoipa::path(put, path = "/theaters/{theater_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path)), request_body = NewTheater,
    security(("bearer" = [])),
    responses((status = 200, body = Theater), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "The new partner is not active"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_theater(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(theater_id): ApiPath<TheaterId>,
    ApiJson(body): ApiJson<NewTheater>,
) -> ApiResult<ApiJson<Theater>> {
    manage_theater(&state.db, &user, theater_id).await?;
    if let Some(partner) = body.partner_id {
        if !user.is_operator() && user.partner_id != Some(partner) {
            return Err(forbidden(
                "only an operator may move a theater to another partner",
            ));
        }
        require_active_partner(&state.db, partner).await?;
    }
    let details = details::parse(&state.db, &body).await?;
    theaters::update(&state.db, theater_id, &details, body.partner_id)
        .await?
        .map(|t| ApiJson(t.into()))
        .ok_or(ApiError::NotFound("theater"))
}
