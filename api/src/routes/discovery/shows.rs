//! `GET /shows`: upcoming shows by city, local date, movie, theater, language and format.

use super::json::{ShowPage, ShowQuery};
use super::{paging, short};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::routes::common::{next_offset, query};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use mtbp_store::catalog::discovery::{self, ShowFilter};

/// Finds upcoming shows by city, local date, movie, theater, language and format.
#[utoipa::path(get, path = "/shows", tag = "catalog", params(ShowQuery),
    responses((status = 200, body = ShowPage), (status = 400, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn search_shows(
    State(state): State<AppState>,
    q: Result<Query<ShowQuery>, QueryRejection>,
) -> ApiResult<ApiJson<ShowPage>> {
    let q = query(q)?;
    let mut errors = Vec::new();
    let (limit, offset) = paging(q.limit, q.offset, &mut errors);
    let city = short("city", q.city.as_ref(), &mut errors);
    let language = short("language", q.language.as_ref(), &mut errors);
    let format = short("format", q.format.as_ref(), &mut errors);
    if let Some(date) = q.date {
        crate::dates::check_date("date", date, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let filter = ShowFilter {
        city: city.as_deref(),
        date: q.date,
        movie: q.movie,
        theater: q.theater,
        language: language.as_deref(),
        format: format.as_deref(),
    };
    let shows: Vec<_> = discovery::search_shows(&state.db, &filter, limit, offset)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let next_offset = next_offset(shows.len(), limit, offset);
    Ok(ApiJson(ShowPage { shows, next_offset }))
}
