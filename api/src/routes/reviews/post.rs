//! `POST /reviews`.

use super::json::{NewReview, Review};
use crate::auth::access::{forbidden, require};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorCode, ErrorEnvelope, OnConstraint};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::ReviewId;
use mtbp_domain::seats::FieldError;
use mtbp_store::catalog::reviews::{self, Subject};
use uuid::Uuid;

/// The rating and the trimmed text; a 422 listing every problem.
fn check(body: &NewReview) -> ApiResult<String> {
    let mut errors = Vec::new();
    if !(1..=5).contains(&body.rating) {
        errors.push(FieldError::new("rating", "1 to 5"));
    }
    let text = body.text.trim().to_owned();
    if text.chars().count() > 2000 {
        errors.push(FieldError::new("text", "at most 2000 characters"));
    }
    if errors.is_empty() {
        Ok(text)
    } else {
        Err(ApiError::Validation(errors))
    }
}

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
    let subject = super::subject(body.movie_id, body.theater_id)?;
    let text = check(&body)?;
    let kind = subject.kind();
    if !reviews::subject_exists(&state.db, subject).await? {
        return Err(ApiError::NotFound(match subject {
            Subject::Movie(_) => "movie",
            Subject::Theater(_) => "theater",
        }));
    }
    let author = user.account_id;
    if !reviews::has_seen(&state.db, author, subject).await? {
        return Err(forbidden(format!(
            "only customers with a completed booking for this {kind} may review it"
        )));
    }
    let review_id = ReviewId::from_uuid(Uuid::new_v4());
    let new = reviews::NewReview {
        review_id,
        subject,
        author,
        rating: body.rating,
        text: &text,
    };
    let mut tx = state.db.begin().await?;
    reviews::insert(&mut tx, &new)
        .await
        .on_constraint("reviews_one_per_customer", || {
            ApiError::conflict(
                ErrorCode::AlreadyReviewed,
                format!("you have reviewed this {kind} already"),
            )
        })?;
    tx.commit().await?;
    let review = reviews::find(&state.db, review_id).await?;
    Ok((StatusCode::CREATED, ApiJson(review.into())))
}
