//! A held booking's offer code and quote: `PUT` / `DELETE /bookings/{id}/offer` re-quote through
//! the saga's `apply_offer` update; `GET /bookings/{id}/quote` reads the latest quote.

use super::access::{Action, authorize};
use super::json::{ApplyOffer, Booking};
use super::pay::{Sent, ended, not_payable, send_update};
use super::read::load_or_404;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use mtbp_domain::offer_rules;
use mtbp_domain::pricing::Quote;
use mtbp_domain::{BookingId, BookingStatus};
use mtbp_store::pricing;
use mtbp_workflows::BookingWorkflow;
use mtbp_workflows::booking::offer::OfferRequest;
use uuid::Uuid;

/// The latest quote of a booking: every seat, add-on and fee with its discounts and taxes, the
/// offers applied and declined (with why), and the totals. For whoever may read the booking.
#[utoipa::path(get, path = "/bookings/{booking_id}/quote", tag = "bookings",
    params(("booking_id" = Uuid, Path),
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token")),
    security((), ("bearer" = [])),
    responses((status = 200, body = Quote), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope, description = "No such booking, or one made before quotes were kept")))]
pub async fn get_quote(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    ApiPath(booking_id): ApiPath<BookingId>,
) -> ApiResult<ApiJson<Quote>> {
    let booking = load_or_404(&state.db, booking_id).await?;
    authorize(&state, user.as_ref(), &headers, &booking, Action::Read).await?;
    match pricing::quote(&state.db, booking_id).await? {
        Some((Some(quote), _)) => Ok(ApiJson(quote)),
        _ => Err(ApiError::NotFound("quote")),
    }
}

/// Applies an offer code to a held booking and answers the booking re-quoted (its `quote`
/// lists the offer as applied, or as declined with why). 422 `unknown_offer_code` when no offer
/// has the code; 409 once the booking is being paid or has ended.
#[utoipa::path(put, path = "/bookings/{booking_id}/offer", tag = "bookings",
    params(("booking_id" = Uuid, Path),
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token")),
    request_body = ApplyOffer, security((), ("bearer" = [])),
    responses((status = 200, body = Booking), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
              (status = 503, body = ErrorEnvelope)))]
pub async fn apply_offer(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    ApiPath(booking_id): ApiPath<BookingId>,
    ApiJson(body): ApiJson<ApplyOffer>,
) -> ApiResult<ApiJson<Booking>> {
    let Some(code) = offer_rules::offer_code(&body.code) else {
        return Err(ApiError::field(
            "code",
            "an offer code has 4 to 32 letters, digits or dashes",
        ));
    };
    requote(&state, user, &headers, booking_id, Some(code)).await
}

/// Removes the offer code from a held booking and answers it re-quoted.
#[utoipa::path(delete, path = "/bookings/{booking_id}/offer", tag = "bookings",
    params(("booking_id" = Uuid, Path),
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token")),
    security((), ("bearer" = [])),
    responses((status = 200, body = Booking), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)))]
pub async fn remove_offer(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    ApiPath(booking_id): ApiPath<BookingId>,
) -> ApiResult<ApiJson<Booking>> {
    requote(&state, user, &headers, booking_id, None).await
}

async fn requote(
    state: &AppState,
    user: Option<AuthUser>,
    headers: &HeaderMap,
    booking_id: BookingId,
    code: Option<String>,
) -> ApiResult<ApiJson<Booking>> {
    let booking = load_or_404(&state.db, booking_id).await?;
    authorize(state, user.as_ref(), headers, &booking, Action::Pay).await?;
    if booking.status != BookingStatus::PreBooking {
        return Err(not_payable(booking));
    }
    let update_id = format!("offer-{}", Uuid::new_v4());
    let request = OfferRequest { code };
    match send_update(
        state,
        booking_id,
        BookingWorkflow::apply_offer,
        request,
        update_id,
    )
    .await?
    {
        Sent::Ended(booking) => Err(ended(booking)),
        sent => Ok(sent.booking()),
    }
}
