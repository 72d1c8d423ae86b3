//! `POST /bookings/{id}/claim`: a customer takes over a guest booking made with their email,
//! once they have proved they own that email.

use super::json::Booking;
use super::read::load_or_404;
use crate::auth::access::{forbidden, require};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use uuid::Uuid;

/// Links a guest booking to the signed-in customer. The customer's email must be verified and
/// be the booking's contact email. Claiming one's own booking again is harmless.
#[utoipa::path(post, path = "/bookings/{booking_id}/claim", tag = "bookings",
    params(("booking_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = Booking), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope, description = "Email not verified, or not the booking's email"),
              (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Already another account's booking")))]
pub async fn claim_booking(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(booking_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Booking>> {
    require(&user, &[Role::Customer], "claiming a guest booking")?;
    let booking = load_or_404(&state.db, booking_id).await?;
    match booking.customer_id {
        Some(owner) if owner == user.account_id => return Ok(ApiJson(booking)),
        Some(_) => {
            return Err(ApiError::conflict(
                ErrorCode::AlreadyClaimed,
                "this booking belongs to an account",
            ));
        }
        None => {}
    }
    let verified: Option<bool> = sqlx::query_scalar(
        "select email_verified_at is not null from accounts
          where account_id = $1 and erased_at is null",
    )
    .bind(user.account_id)
    .fetch_optional(&state.db)
    .await?;
    if verified != Some(true) {
        return Err(forbidden(
            "verify your email first (POST /customers/{id}/email-verification)",
        ));
    }
    let claimed = sqlx::query(
        "update bookings b set customer_id = a.account_id
           from accounts a
          where b.booking_id = $1 and b.customer_id is null
            and a.account_id = $2 and lower(a.email) = lower(b.contact_email)",
    )
    .bind(booking_id)
    .bind(user.account_id)
    .execute(&state.db)
    .await?;
    if claimed.rows_affected() == 0 {
        let now = load_or_404(&state.db, booking_id).await?;
        if now.customer_id == Some(user.account_id) {
            return Ok(ApiJson(now));
        }
        if now.customer_id.is_some() {
            return Err(ApiError::conflict(
                ErrorCode::AlreadyClaimed,
                "this booking belongs to an account",
            ));
        }
        return Err(forbidden(
            "this booking was made with another email address",
        ));
    }
    tracing::info!(booking.id = %booking_id, customer.id = %user.account_id, "guest booking claimed");
    load_or_404(&state.db, booking_id).await.map(ApiJson)
}
