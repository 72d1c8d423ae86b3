//! `DELETE /theaters/{id}/screens/{screen_id}`: retiring a screen.

use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorEnvelope};
use crate::routes::common::shows_ahead;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::{ScreenId, TheaterId};
use mtbp_store::catalog::{screens, shows};

/// Retires a screen (the theater's partner, or an operator): no new shows, gone from the
/// catalog, its name free again. Refused while a show on it is still to run.
#[utoipa::path(delete, path = "/theaters/{theater_id}/screens/{screen_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path), ("screen_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Shows still to run")))]
pub async fn delete_screen(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((theater_id, screen_id)): ApiPath<(TheaterId, ScreenId)>,
) -> ApiResult<StatusCode> {
    manage_theater(&state.db, &user, theater_id).await?;
    let mut tx = state.db.begin().await?;
    screens::lock(&mut tx, theater_id, screen_id)
        .await?
        .ok_or(ApiError::NotFound("screen"))?;
    let ahead = shows::count_to_run_on_screen(&mut tx, screen_id).await?;
    if ahead > 0 {
        return Err(shows_ahead("this screen", ahead));
    }
    screens::retire(&mut tx, screen_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
