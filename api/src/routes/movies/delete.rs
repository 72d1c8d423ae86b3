//! `DELETE /movies/{id}`.

use crate::auth::access::require;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::MovieId;
use mtbp_store::catalog::movies;

/// Removes a movie that has never had a show (operators); 409 otherwise, since its shows,
/// bookings and reviews refer to it.
#[utoipa::path(delete, path = "/movies/{movie_id}", tag = "catalog",
    params(("movie_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "The movie has shows")))]
pub async fn delete_movie(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(movie_id): ApiPath<MovieId>,
) -> ApiResult<StatusCode> {
    require(&user, &[Role::Admin], "removing movies")?;
    if movies::delete_unshown(&state.db, movie_id).await? {
        return Ok(StatusCode::NO_CONTENT);
    }
    if movies::exists(&state.db, movie_id).await? {
        Err(ApiError::conflict(
            ErrorCode::MovieHasShows,
            "the movie has shows; cancel them instead of removing the movie",
        ))
    } else {
        Err(ApiError::NotFound("movie"))
    }
}
