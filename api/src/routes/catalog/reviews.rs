//! Reviews of movies and theaters: only a customer with a completed booking for the movie or at
//! the theater may post one (marked verified), one per customer and subject; anyone reads them
//! with the average rating; the author or an operator removes one.

use crate::auth::access::{forbidden, require};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use mtbp_domain::seats::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A new review: of a movie or of a theater.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    /// The movie reviewed (or `theater_id`).
    pub movie_id: Option<Uuid>,
    /// The theater reviewed (or `movie_id`).
    pub theater_id: Option<Uuid>,
    /// 1 to 5.
    pub rating: i32,
    /// Up to 2000 characters.
    #[serde(default)]
    pub text: String,
}

/// A review.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Review {
    /// Id.
    pub review_id: Uuid,
    /// `movie` or `theater`.
    pub subject_type: String,
    /// The movie or theater.
    pub subject_id: Uuid,
    /// Author's display name.
    pub author: String,
    /// 1 to 5.
    pub rating: i32,
    /// Text.
    pub text: String,
    /// The author had a completed booking for it.
    pub verified: bool,
    /// Posted.
    pub created_at: DateTime<Utc>,
}

/// Which reviews.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// Reviews of this movie (or `theater`).
    pub movie: Option<Uuid>,
    /// Reviews of this theater (or `movie`).
    pub theater: Option<Uuid>,
    /// Page size, 1-100 (default 20).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

/// Reviews of one movie or theater, with the aggregate rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewPage {
    /// Average rating over every review, none without reviews.
    pub average_rating: Option<f64>,
    /// Number of reviews.
    pub review_count: i64,
    /// Newest first.
    pub reviews: Vec<Review>,
    /// Pass as `offset` for the next page.
    pub next_offset: Option<i64>,
}

fn subject(movie: Option<Uuid>, theater: Option<Uuid>) -> ApiResult<(&'static str, Uuid)> {
    match (movie, theater) {
        (Some(m), None) => Ok(("movie", m)),
        (None, Some(t)) => Ok(("theater", t)),
        _ => Err(ApiError::field(
            "movie_id",
            "name exactly one of a movie or a theater",
        )),
    }
}

const REVIEW_COLUMNS: &str = "r.review_id, r.subject_type, r.subject_id, a.name as author,
    r.rating, r.body as text, r.verified, r.created_at";

/// Posts a review (customers with a completed booking for the movie, or at the theater).
#[utoipa::path(post, path = "/reviews", tag = "catalog", request_body = NewReview,
    security(("bearer" = [])),
    responses((status = 201, body = Review), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope, description = "No completed booking for it"),
              (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Already reviewed"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn post_review(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewReview>,
) -> ApiResult<(StatusCode, ApiJson<Review>)> {
    require(&user, &[Role::Customer], "posting reviews")?;
    let (kind, id) = subject(body.movie_id, body.theater_id)?;
    let mut errors = Vec::new();
    if !(1..=5).contains(&body.rating) {
        errors.push(FieldError::new("rating", "1 to 5"));
    }
    let text = body.text.trim().to_owned();
    if text.chars().count() > 2000 {
        errors.push(FieldError::new("text", "at most 2000 characters"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let exists: Option<i32> = sqlx::query_scalar(if kind == "movie" {
        "select 1 from movies where movie_id = $1"
    } else {
        "select 1 from theaters where theater_id = $1"
    })
    .bind(id)
    .fetch_optional(&state.db)
    .await?;
    exists.ok_or(ApiError::NotFound(if kind == "movie" {
        "movie"
    } else {
        "theater"
    }))?;
    let seen: Option<i32> = sqlx::query_scalar(
        "select 1 from bookings b join shows s using (show_id)
          where b.customer_id = $1
            and b.status in ('BookingCompleted', 'Invoiced', 'SettlementDone')
            and (($2 = 'movie' and s.movie_id = $3) or ($2 = 'theater' and s.theater_id = $3))
          limit 1",
    )
    .bind(user.account_id)
    .bind(kind)
    .bind(id)
    .fetch_optional(&state.db)
    .await?;
    if seen.is_none() {
        return Err(forbidden(format!(
            "only customers with a completed booking for this {kind} may review it"
        )));
    }
    let review_id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    let inserted = sqlx::query(
        "insert into reviews (review_id, subject_type, subject_id, account_id, rating, body, verified)
         values ($1, $2, $3, $4, $5, $6, true)",
    )
    .bind(review_id)
    .bind(kind)
    .bind(id)
    .bind(user.account_id)
    .bind(body.rating)
    .bind(&text)
    .execute(&mut *tx)
    .await;
    if let Err(sqlx::Error::Database(e)) = &inserted
        && e.constraint() == Some("reviews_one_per_customer")
    {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyReviewed,
            format!("you have reviewed this {kind} already"),
        ));
    }
    inserted?;
    adjust_rating(&mut tx, kind, id, 1, body.rating).await?;
    tx.commit().await?;
    let review: Review = sqlx::query_as(&format!(
        "select {REVIEW_COLUMNS} from reviews r join accounts a using (account_id)
          where r.review_id = $1"
    ))
    .bind(review_id)
    .fetch_one(&state.db)
    .await?;
    Ok((StatusCode::CREATED, ApiJson(review)))
}

/// Reviews of a movie or a theater, newest first, with the average rating.
#[utoipa::path(get, path = "/reviews", tag = "catalog", params(ReviewQuery),
    responses((status = 200, body = ReviewPage), (status = 400, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn list_reviews(
    State(state): State<AppState>,
    q: Result<Query<ReviewQuery>, QueryRejection>,
) -> ApiResult<ApiJson<ReviewPage>> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let (kind, id) = subject(q.movie, q.theater)?;
    let limit = q.limit.unwrap_or(20);
    let offset = q.offset.unwrap_or(0);
    if !(1..=100).contains(&limit) || !(0..=10_000).contains(&offset) {
        return Err(ApiError::field("limit", "limit 1-100, offset 0-10000"));
    }
    let (average, count): (Option<f64>, i64) = sqlx::query_as(
        "select avg(rating)::float8, count(*) from reviews
          where subject_type = $1 and subject_id = $2 and removed_at is null",
    )
    .bind(kind)
    .bind(id)
    .fetch_one(&state.db)
    .await?;
    let reviews: Vec<Review> = sqlx::query_as(&format!(
        "select {REVIEW_COLUMNS} from reviews r join accounts a using (account_id)
          where r.subject_type = $1 and r.subject_id = $2 and r.removed_at is null
          order by r.created_at desc, r.review_id limit $3 offset $4"
    ))
    .bind(kind)
    .bind(id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&state.db)
    .await?;
    let next_offset =
        (i64::try_from(reviews.len()).unwrap_or(0) == limit).then_some(offset + limit);
    Ok(ApiJson(ReviewPage {
        average_rating: average.map(|a| (a * 10.0).round() / 10.0),
        review_count: count,
        reviews,
        next_offset,
    }))
}

/// Removes a review: its author, or an operator (abuse). It no longer counts or shows.
#[utoipa::path(delete, path = "/reviews/{review_id}", tag = "catalog",
    params(("review_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete_review(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(review_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let author: Option<Uuid> = sqlx::query_scalar(
        "select account_id from reviews where review_id = $1 and removed_at is null",
    )
    .bind(review_id)
    .fetch_optional(&state.db)
    .await?;
    let author = author.ok_or(ApiError::NotFound("review"))?;
    if !user.may_act_for(author) {
        return Err(forbidden("only its author or an operator removes a review"));
    }
    let mut tx = state.db.begin().await?;
    // Conditional: of two removals at once, one counts.
    let removed: Option<(String, Uuid, i32)> = sqlx::query_as(
        "update reviews set removed_at = now(), removed_by = $2
          where review_id = $1 and removed_at is null
         returning subject_type, subject_id, rating",
    )
    .bind(review_id)
    .bind(user.account_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (kind, subject, rating) = removed.ok_or(ApiError::NotFound("review"))?;
    adjust_rating(&mut tx, &kind, subject, -1, -rating).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Keeps the movie's or theater's rating aggregate in step with its reviews (a row lock, so
/// concurrent reviews add up).
async fn adjust_rating(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    kind: &str,
    subject: Uuid,
    count: i32,
    sum: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(if kind == "movie" {
        "update movies set rating_count = rating_count + $2, rating_sum = rating_sum + $3
          where movie_id = $1"
    } else {
        "update theaters set rating_count = rating_count + $2, rating_sum = rating_sum + $3
          where theater_id = $1"
    })
    .bind(subject)
    .bind(count)
    .bind(i64::from(sum))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
