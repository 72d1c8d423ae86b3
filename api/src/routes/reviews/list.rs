//! `GET /reviews`.

use super::json::{ReviewPage, ReviewQuery};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::routes::common::{next_offset, query};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use mtbp_store::catalog::reviews;

/// Reviews of a movie or a theater, newest first, with the average rating.
#[utoipa::path(get, path = "/reviews", tag = "catalog", params(ReviewQuery),
    responses((status = 200, body = ReviewPage), (status = 400, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn list_reviews(
    State(state): State<AppState>,
    q: Result<Query<ReviewQuery>, QueryRejection>,
) -> ApiResult<ApiJson<ReviewPage>> {
    let q = query(q)?;
    let subject = super::subject(q.movie, q.theater)?;
    let limit = q.limit.unwrap_or(20);
    let offset = q.offset.unwrap_or(0);
    if !(1..=100).contains(&limit) || !(0..=10_000).contains(&offset) {
        return Err(ApiError::field("limit", "limit 1-100, offset 0-10000"));
    }
    let summary = reviews::summary(&state.db, subject).await?;
    let reviews: Vec<_> = reviews::page(&state.db, subject, limit, offset)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let next_offset = next_offset(reviews.len(), limit, offset);
    Ok(ApiJson(ReviewPage {
        average_rating: summary.average.map(|a| (a * 10.0).round() / 10.0),
        review_count: summary.count,
        reviews,
        next_offset,
    }))
}
