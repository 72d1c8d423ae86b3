//! `GET /theaters/{id}`.

use super::json::Theater;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::TheaterId;
use mtbp_store::catalog::theaters;

/// Reads a theater (404 once it has closed).
#[utoipa::path(get, path = "/theaters/{theater_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path)),
    responses((status = 200, body = Theater), (status = 404, body = ErrorEnvelope)))]
pub async fn get_theater(
    State(state): State<AppState>,
    ApiPath(theater_id): ApiPath<TheaterId>,
) -> ApiResult<ApiJson<Theater>> {
    theaters::find_open(&state.db, theater_id)
        .await?
        .map(|t| ApiJson(t.into()))
        .ok_or(ApiError::NotFound("theater"))
}
