//! `GET /movies/{id}/showtimes`: the theaters running a movie in a city, with their show times
//! on a date.

use super::json::{MovieShowtimes, Showtime, ShowtimesQuery, TheaterShowtimes};
use super::short;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use mtbp_domain::MovieId;
use mtbp_domain::seats::FieldError;
use mtbp_store::catalog::discovery::{self, ShowFilter, ShowHit};
use mtbp_store::catalog::movies;

/// Groups shows (ordered by theater) under their theaters.
fn by_theater(hits: Vec<ShowHit>) -> Vec<TheaterShowtimes> {
    let mut theaters: Vec<TheaterShowtimes> = Vec::new();
    for r in hits {
        let show = Showtime {
            show_id: r.show_id,
            starts_at: r.starts_at,
            screen_name: r.screen_name,
            language: r.language,
            format: r.format,
            seats_available: r.seats_available,
            on_sale_at: r.on_sale_at,
        };
        match theaters.last_mut() {
            Some(t) if t.theater_id == r.theater_id => t.shows.push(show),
            _ => theaters.push(TheaterShowtimes {
                theater_id: r.theater_id,
                theater_name: r.theater_name,
                shows: vec![show],
            }),
        }
    }
    theaters
}

/// The theaters running a movie in a city, with their show times on a date, in one call.
#[utoipa::path(get, path = "/movies/{movie_id}/showtimes", tag = "catalog",
    params(("movie_id" = Uuid, Path), ShowtimesQuery),
    responses((status = 200, body = MovieShowtimes), (status = 400, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn movie_showtimes(
    State(state): State<AppState>,
    ApiPath(movie_id): ApiPath<MovieId>,
    q: Result<Query<ShowtimesQuery>, QueryRejection>,
) -> ApiResult<ApiJson<MovieShowtimes>> {
    let q = query(q)?;
    let mut errors = Vec::new();
    let city = short("city", Some(&q.city), &mut errors).unwrap_or_default();
    if city.is_empty() {
        errors.push(FieldError::new("city", "1-100 characters"));
    }
    let language = short("language", q.language.as_ref(), &mut errors);
    let format = short("format", q.format.as_ref(), &mut errors);
    crate::dates::check_date("date", q.date, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if !movies::exists(&state.db, movie_id).await? {
        return Err(ApiError::NotFound("movie"));
    }
    let filter = ShowFilter {
        city: Some(&city),
        date: Some(q.date),
        movie: Some(movie_id),
        theater: None,
        language: language.as_deref(),
        format: format.as_deref(),
    };
    let hits = discovery::showtimes(&state.db, &filter).await?;
    Ok(ApiJson(MovieShowtimes {
        movie_id,
        city: q.city.trim().to_owned(),
        date: q.date,
        theaters: by_theater(hits),
    }))
}
