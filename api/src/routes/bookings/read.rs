//! Reading a booking straight from the database.

use super::access::{Action, authorize};
use super::json::{Booking, BookingSeat};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use mtbp_domain::{BookingId, BookingStatus};
use sqlx::PgPool;
use uuid::Uuid;

type BookingRow = (
    Uuid,
    Option<Uuid>,
    String,
    Option<String>,
    i64,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
);

/// Loads a booking with its seats, if it exists.
pub async fn load(db: &PgPool, booking_id: Uuid) -> Result<Option<Booking>, ApiError> {
    let row: Option<BookingRow> = sqlx::query_as(
        "select show_id, customer_id, status, status_reason, amount_minor, currency, hold_expires_at,
                ticket_code, contact_name, created_at, updated_at
           from bookings where booking_id = $1",
    )
    .bind(booking_id)
    .fetch_optional(db)
    .await?;
    let Some((
        show_id,
        customer_id,
        status,
        reason,
        amount,
        currency,
        expires,
        ticket,
        name,
        created,
        updated,
    )) = row
    else {
        return Ok(None);
    };
    let seats: Vec<(String, String, i64)> = sqlx::query_as(
        "select seat_label, category_code, price_minor from booking_seats
          where booking_id = $1 order by seat_label",
    )
    .bind(booking_id)
    .fetch_all(db)
    .await?;
    let status = BookingStatus::parse(&status)
        .ok_or_else(|| anyhow::anyhow!("unknown booking status {status:?} in the database"))?;
    Ok(Some(Booking {
        booking_id,
        show_id,
        status,
        status_reason: reason,
        seats: seats
            .into_iter()
            .map(|(label, category, price_minor)| BookingSeat {
                label,
                category,
                price_minor,
            })
            .collect(),
        amount_minor: amount,
        currency,
        hold_expires_at: expires,
        ticket_code: ticket,
        contact_name: name,
        customer_id,
        workflow_id: BookingId::from_uuid(booking_id).workflow_id(),
        guest_token: None,
        created_at: created,
        updated_at: updated,
    }))
}

/// Loads a booking, or 404.
pub async fn load_or_404(db: &PgPool, booking_id: Uuid) -> Result<Booking, ApiError> {
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
    ApiPath(booking_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Booking>> {
    let booking = load_or_404(&state.db, booking_id).await?;
    authorize(&state, user.as_ref(), &headers, &booking, Action::Read).await?;
    Ok(ApiJson(booking))
}
