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

/// A booking's own row.
#[derive(sqlx::FromRow)]
struct BookingRow {
    show_id: Uuid,
    customer_id: Option<Uuid>,
    status: String,
    status_reason: Option<String>,
    amount_minor: i64,
    currency: String,
    hold_expires_at: DateTime<Utc>,
    ticket_code: Option<String>,
    contact_name: Option<String>,
    needs_operator: Option<String>,
    needs_operator_since: Option<DateTime<Utc>>,
    operator_note: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Loads a booking with its seats, if it exists.
pub async fn load(db: &PgPool, booking_id: Uuid) -> Result<Option<Booking>, ApiError> {
    let row: Option<BookingRow> = sqlx::query_as(
        "select show_id, customer_id, status, status_reason, amount_minor, currency, hold_expires_at,
                ticket_code, contact_name, needs_operator, needs_operator_since, operator_note,
                created_at, updated_at
           from bookings where booking_id = $1",
    )
    .bind(booking_id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let seats: Vec<(String, String, i64)> = sqlx::query_as(
        "select seat_label, category_code, price_minor from booking_seats
          where booking_id = $1 order by seat_label",
    )
    .bind(booking_id)
    .fetch_all(db)
    .await?;
    let status = BookingStatus::parse(&row.status).ok_or_else(|| {
        anyhow::anyhow!("unknown booking status {:?} in the database", row.status)
    })?;
    Ok(Some(Booking {
        booking_id,
        show_id: row.show_id,
        status,
        status_reason: row.status_reason,
        seats: seats
            .into_iter()
            .map(|(label, category, price_minor)| BookingSeat {
                label,
                category,
                price_minor,
            })
            .collect(),
        amount_minor: row.amount_minor,
        currency: row.currency,
        hold_expires_at: row.hold_expires_at,
        ticket_code: row.ticket_code,
        contact_name: row.contact_name,
        customer_id: row.customer_id,
        workflow_id: BookingId::from_uuid(booking_id).workflow_id(),
        needs_operator: row.needs_operator,
        needs_operator_since: row.needs_operator_since,
        operator_note: row.operator_note,
        guest_token: None,
        created_at: row.created_at,
        updated_at: row.updated_at,
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
