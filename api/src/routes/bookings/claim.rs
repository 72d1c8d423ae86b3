//! `POST /bookings/{id}/claim`: a customer takes over a guest booking made with their email,
//! once they have proved they own that email.

use super::json::Booking;
use super::read::load_or_404;
use crate::auth::access::{forbidden, require};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::BookingId;
use mtbp_store::bookings;

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
    ApiPath(booking_id): ApiPath<BookingId>,
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
    let account = user.account_id;
    if bookings::claimant_verified(&state.db, account).await? != Some(true) {
        return Err(forbidden(
            "verify your email first (POST /customers/{id}/email-verification)",
        ));
    }
    if !bookings::claim(&state.db, booking_id, account).await? {
        let now = load_or_404(&state.db, booking_id).await?;
        if now.customer_id == Some(account) {
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
