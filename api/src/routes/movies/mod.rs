//! Movies: `POST /movies`, `GET/PUT/DELETE /movies/{id}`, and search with `GET /movies`.
//! Where a movie plays is [`crate::routes::discovery`].

mod delete;
pub mod json;
mod read;
mod search;
mod write;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The movie routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write::create_movie, search::search_movies))
        .routes(routes!(
            read::get_movie,
            write::update_movie,
            delete::delete_movie
        ))
}
