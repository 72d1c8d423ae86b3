//! `DELETE /theaters/{id}`: closing a theater.

use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorEnvelope};
use crate::routes::common::shows_ahead;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::TheaterId;
use mtbp_store::catalog::{screens, shows, theaters};

/// Closes a theater and retires its screens (its partner, or an operator): it leaves the
/// catalog, its bookings keep naming it. Refused while any show there is still to run.
#[utoipa::path(delete, path = "/theaters/{theater_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Shows still to run")))]
pub async fn delete_theater(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(theater_id): ApiPath<TheaterId>,
) -> ApiResult<StatusCode> {
    manage_theater(&state.db, &user, theater_id).await?;
    let mut tx = state.db.begin().await?;
    // Screens locked first: scheduling a show takes a share lock on its screen.
    screens::lock_all_of_theater(&mut tx, theater_id).await?;
    let ahead = shows::count_to_run_at_theater(&mut tx, theater_id).await?;
    if ahead > 0 {
        return Err(shows_ahead("this theater", ahead));
    }
    if !theaters::close(&mut tx, theater_id).await? {
        return Err(ApiError::NotFound("theater"));
    }
    screens::retire_all_of_theater(&mut tx, theater_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
