//! `GET /theaters/{id}/screens` and `GET /screens/{id}`.

use super::json::Screen;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::{ScreenId, TheaterId};
use mtbp_store::catalog::{screens, theaters};

/// The screens of a theater, by name.
#[utoipa::path(get, path = "/theaters/{theater_id}/screens", tag = "catalog",
    params(("theater_id" = Uuid, Path)),
    responses((status = 200, body = [Screen]), (status = 404, body = ErrorEnvelope)))]
pub async fn list_screens(
    State(state): State<AppState>,
    ApiPath(theater_id): ApiPath<TheaterId>,
) -> ApiResult<ApiJson<Vec<Screen>>> {
    if !theaters::is_open(&state.db, theater_id).await? {
        return Err(ApiError::NotFound("theater"));
    }
    let rows = screens::list_open(&state.db, theater_id).await?;
    Ok(ApiJson(
        rows.into_iter()
            .map(Screen::try_from)
            .collect::<ApiResult<_>>()?,
    ))
}

/// Reads a screen with its layout (404 once retired).
#[utoipa::path(get, path = "/screens/{screen_id}", tag = "catalog",
    params(("screen_id" = Uuid, Path)),
    responses((status = 200, body = Screen), (status = 404, body = ErrorEnvelope)))]
pub async fn get_screen(
    State(state): State<AppState>,
    ApiPath(screen_id): ApiPath<ScreenId>,
) -> ApiResult<ApiJson<Screen>> {
    let row = screens::find_open(&state.db, screen_id)
        .await?
        .ok_or(ApiError::NotFound("screen"))?;
    Screen::try_from(row).map(ApiJson)
}
