//! Catalog endpoints: theaters, screens, movies, shows and seat maps.

mod discovery;
pub mod json;
mod movies;
mod reviews;
mod seat_map;
mod shows;
mod theaters;

/// The SQL of the hottest reads, for the catalog benchmark's query plans.
pub mod sql {
    pub use super::discovery::{SHOW_LISTING, show_search_sql, showtimes_sql, theater_search_sql};
    pub use super::movies::{movie_search_sql, ts_query};
    pub use super::seat_map::SEAT_MAP;
}

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The catalog routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            theaters::create_theater,
            discovery::search_theaters
        ))
        .routes(routes!(
            theaters::get_theater,
            theaters::update_theater,
            theaters::delete_theater
        ))
        .routes(routes!(theaters::create_screen, theaters::list_screens))
        .routes(routes!(theaters::update_screen, theaters::delete_screen))
        .routes(routes!(theaters::get_screen))
        .routes(routes!(movies::create_movie, movies::search_movies))
        .routes(routes!(
            movies::get_movie,
            movies::update_movie,
            movies::delete_movie
        ))
        .routes(routes!(shows::create_show, discovery::search_shows))
        .routes(routes!(discovery::movie_showtimes))
        .routes(routes!(shows::create_shows))
        .routes(routes!(
            shows::get_show,
            shows::update_show,
            shows::delete_show
        ))
        .routes(routes!(seat_map::get_seat_map))
        .routes(routes!(seat_map::best_seats))
        .routes(routes!(seat_map::get_availability))
        .routes(routes!(seat_map::update_inventory))
        .routes(routes!(reviews::post_review, reviews::list_reviews))
        .routes(routes!(reviews::delete_review))
}

/// Trims `value`; a field error if it is empty or longer than `max` characters.
pub(crate) fn required_text(
    field: &str,
    value: &str,
    max: usize,
    errors: &mut Vec<mtbp_domain::seats::FieldError>,
) -> String {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        errors.push(mtbp_domain::seats::FieldError::new(
            field,
            format!("1-{max} characters"),
        ));
    }
    v.to_owned()
}
