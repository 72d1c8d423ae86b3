//! The read side customers hit hardest: theaters near them (`GET /theaters`), shows by city and
//! date (`GET /shows`), and a movie's showtimes in a city on a date, grouped by theater
//! (`GET /movies/{id}/showtimes`). The first two share their paths with the create endpoints
//! of [`crate::routes::theaters`] and [`crate::routes::shows`], so [`crate::routes::all`]
//! routes them.

pub mod json;
pub(super) mod shows;
mod showtimes;
pub(super) mod theaters;

use crate::state::AppState;
use mtbp_domain::seats::FieldError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The discovery routes, but `GET /theaters` and `GET /shows`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(showtimes::movie_showtimes))
}

/// The page size and offset, 1-200 (default 50) and 0-10000.
fn paging(limit: Option<i64>, offset: Option<i64>, errors: &mut Vec<FieldError>) -> (i64, i64) {
    let (limit, offset) = (limit.unwrap_or(50), offset.unwrap_or(0));
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::new("limit", "between 1 and 200"));
    }
    if !(0..=10_000).contains(&offset) {
        errors.push(FieldError::new("offset", "between 0 and 10000"));
    }
    (limit, offset)
}

/// A short text filter, trimmed and lower case (at most 100 characters).
fn short(field: &str, value: Option<&String>, errors: &mut Vec<FieldError>) -> Option<String> {
    value.map(|v| {
        if v.chars().count() > 100 {
            errors.push(FieldError::new(field, "at most 100 characters"));
        }
        v.trim().to_lowercase()
    })
}
