//! `GET /movies/{id}`.

use super::json::Movie;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::MovieId;
use mtbp_store::catalog::movies;

/// Reads a movie.
#[utoipa::path(get, path = "/movies/{movie_id}", tag = "catalog",
    params(("movie_id" = Uuid, Path)),
    responses((status = 200, body = Movie), (status = 404, body = ErrorEnvelope)))]
pub async fn get_movie(
    State(state): State<AppState>,
    ApiPath(movie_id): ApiPath<MovieId>,
) -> ApiResult<ApiJson<Movie>> {
    let row = movies::find(&state.db, movie_id)
        .await?
        .ok_or(ApiError::NotFound("movie"))?;
    let movie = Movie::try_from(row).map_err(anyhow::Error::from)?;
    Ok(ApiJson(movie))
}
