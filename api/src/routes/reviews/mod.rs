//! Reviews of movies and theaters: only a customer with a completed booking for the movie or at
//! the theater may post one (marked verified), one per customer and subject; anyone reads them
//! with the average rating; the author or an operator removes one.

mod delete;
pub mod json;
mod list;
mod post;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use mtbp_domain::{MovieId, TheaterId};
use mtbp_store::catalog::reviews::Subject;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The review routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post::post_review, list::list_reviews))
        .routes(routes!(delete::delete_review))
}

/// Exactly one of a movie or a theater.
fn subject(movie: Option<MovieId>, theater: Option<TheaterId>) -> ApiResult<Subject> {
    match (movie, theater) {
        (Some(m), None) => Ok(Subject::Movie(m)),
        (None, Some(t)) => Ok(Subject::Theater(t)),
        _ => Err(ApiError::field(
            "movie_id",
            "name exactly one of a movie or a theater",
        )),
    }
}
