//! `GET /movies`: full-text search over title and cast, with filters.

use super::json::{Movie, MoviePage, MovieQuery, MovieStatus};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::routes::common::{next_offset, query};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use mtbp_domain::seats::FieldError;
use mtbp_store::catalog::movies::{self, MovieSearch, ts_query};

fn check(q: &MovieQuery) -> ApiResult<(i64, i64)> {
    let limit = q.limit.unwrap_or(20);
    let offset = q.offset.unwrap_or(0);
    let mut errors = Vec::new();
    if !(1..=100).contains(&limit) {
        errors.push(FieldError::new("limit", "between 1 and 100"));
    }
    if !(0..=10_000).contains(&offset) {
        errors.push(FieldError::new("offset", "between 0 and 10000"));
    }
    for (field, value) in [
        ("q", &q.q),
        ("genre", &q.genre),
        ("language", &q.language),
        ("city", &q.city),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > 100) {
            errors.push(FieldError::new(field, "at most 100 characters"));
        }
    }
    if errors.is_empty() {
        Ok((limit, offset))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Searches movies: full text over title and cast, genre, language, country, where they play
/// and whether they play now or soon.
#[utoipa::path(get, path = "/movies", tag = "catalog", params(MovieQuery),
    responses((status = 200, body = MoviePage), (status = 400, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn search_movies(
    State(state): State<AppState>,
    q: Result<Query<MovieQuery>, QueryRejection>,
) -> ApiResult<ApiJson<MoviePage>> {
    let q = query(q)?;
    let (limit, offset) = check(&q)?;
    let lower = |v: &Option<String>| v.as_deref().map(|s| s.trim().to_lowercase());
    let search = MovieSearch {
        text: q.q.as_deref().and_then(ts_query),
        genre: lower(&q.genre),
        language: lower(&q.language),
        country: q.country.as_deref().map(|c| c.trim().to_owned()),
        city: lower(&q.city),
        now_showing: matches!(q.status, Some(MovieStatus::NowShowing)),
        coming_soon: matches!(q.status, Some(MovieStatus::ComingSoon)),
        limit,
        offset,
    };
    let movies = movies::search(&state.db, &search)
        .await?
        .into_iter()
        .map(Movie::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::from)?;
    let next_offset = next_offset(movies.len(), limit, offset);
    Ok(ApiJson(MoviePage {
        movies,
        next_offset,
    }))
}
