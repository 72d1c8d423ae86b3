//! Reading a booking (through [`mtbp_store::bookings`]).

use super::access::{Action, authorize};
use super::json::{Booking, BookingAddon, BookingSeat};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use mtbp_domain::BookingId;
use mtbp_store::PgPool;
use mtbp_store::bookings::{self, BookingRecord};

/// Loads a booking with its seats, if it exists.
pub async fn load(db: &PgPool, booking_id: BookingId) -> Result<Option<Booking>, ApiError> {
    Ok(bookings::find(db, booking_id).await?.map(to_json))
}

/// A booking as the API shows it.
fn to_json(b: BookingRecord) -> Booking {
    Booking {
        booking_id: b.booking_id,
        show_id: b.show_id,
        status: b.status,
        status_reason: b.status_reason,
        seats: b
            .seats
            .into_iter()
            .map(|s| BookingSeat {
                label: s.label,
                category: s.category,
                price_minor: s.price_minor,
            })
            .collect(),
        total: b.total,
        addons: b
            .addons
            .into_iter()
            .map(|a| BookingAddon {
                code: a.code,
                name: a.name,
                quantity: a.quantity,
                unit_price_minor: a.unit_price_minor,
                voucher_code: a.voucher_code,
                voucher_redeemed_at: a.voucher_redeemed_at,
            })
            .collect(),
        offer_code: b.offer_code,
        quote: b.quote,
        hold_expires_at: b.hold_expires_at,
        ticket_code: b.ticket_code,
        contact_name: b.contact_name,
        customer_id: b.customer_id,
        workflow_id: b.booking_id.workflow_id(),
        needs_operator: b.needs_operator,
        needs_operator_since: b.needs_operator_since,
        operator_note: b.operator_note,
        guest_token: None,
        created_at: b.created_at,
        updated_at: b.updated_at,
    }
}

/// Loads a booking, or 404.
pub async fn load_or_404(db: &PgPool, booking_id: BookingId) -> Result<Booking, ApiError> {
    load(db, booking_id)
        .await?
        .ok_or(ApiError::NotFound("booking"))
}

/// Reads a booking: status, seats, amounts and hold expiry. For its customer (or, for a guest
/// booking, with its `X-Booking-Token`), the theater's partner, or an operator.
#[utoipa::path(get, path = "/bookings/{booking_id}", tag = "bookings",
    params(("booking_id" = Uuid, Path),
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token")),
    security((), ("bearer" = [])),
    responses((status = 200, body = Booking), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_booking(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    ApiPath(booking_id): ApiPath<BookingId>,
) -> ApiResult<ApiJson<Booking>> {
    let booking = load_or_404(&state.db, booking_id).await?;
    authorize(&state, user.as_ref(), &headers, &booking, Action::Read).await?;
    Ok(ApiJson(booking))
}
