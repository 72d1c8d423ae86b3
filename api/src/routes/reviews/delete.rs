//! `DELETE /reviews/{id}`.

use crate::auth::AuthUser;
use crate::auth::access::forbidden;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::ReviewId;
use mtbp_store::catalog::reviews;

/// Removes a review: its author, or an operator (abuse). It no longer counts or shows.
#[utoipa::path(delete, path = "/reviews/{review_id}", tag = "catalog",
    params(("review_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete_review(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(review_id): ApiPath<ReviewId>,
) -> ApiResult<StatusCode> {
    let author = reviews::author_of(&state.db, review_id)
        .await?
        .ok_or(ApiError::NotFound("review"))?;
    if !user.may_act_for(author) {
        return Err(forbidden("only its author or an operator removes a review"));
    }
    let mut tx = state.db.begin().await?;
    let by = user.account_id;
    if !reviews::remove(&mut tx, review_id, by).await? {
        return Err(ApiError::NotFound("review"));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
