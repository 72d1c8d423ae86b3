//! The booking a successful hold leaves: its saga's input recorded with it in the hold's
//! transaction, and the answer built from what that transaction wrote (no read back).

use super::json::{Booking, BookingAddon, BookingSeat};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use mtbp_domain::BookingStatus;
use mtbp_domain::pricing::LineKind;
use mtbp_infra::theater::{TheaterError, TheaterLock};
use mtbp_store::seats::{Hold, HoldRequest, PendingHold};
use mtbp_store::theaters::Connection;
use mtbp_workflows::BookingInput;
use serde_json::json;

/// Records the saga's input with the hold and commits: the workflow starts from the seats
/// already held (when the customer pays, or by the relay).
///
/// A live theater's box office locks the seats first, for as long as the hold lasts: a seat it
/// refuses (locked or sold there) refuses the hold (409), a box office that does not answer
/// holds nothing (503). Should the commit fail after the lock, the lock is released (it would
/// lapse at the theater by itself).
pub(super) async fn record(
    state: &AppState,
    pending: PendingHold,
    live: Option<&Connection>,
) -> ApiResult<Booking> {
    let mut input = BookingInput::after_hold(
        &pending.request,
        &pending.hold,
        pending.theater_id,
        state.config.hold_policy(),
    );
    let lock = match live {
        Some(c) => match lock_at_theater(state, &pending, c).await {
            Ok(lock) => Some(lock),
            Err(e) => {
                pending.rollback().await?;
                return Err(e);
            }
        },
        None => None,
    };
    input.live_theater = lock.is_some();
    input.partner_id = pending.partner_id;
    let saga_input = serde_json::to_value(&input)
        .map_err(|e| anyhow::anyhow!("the saga input does not serialize: {e}"))?;
    let request = pending.request.clone();
    let hold = pending.hold.clone();
    let quote = pending.quote.clone();
    let offer_code = pending.offer_code().map(str::to_owned);
    // The saga joins this request's trace even when the relay starts it.
    let trace_parent = mtbp_infra::telemetry::traceparent(&opentelemetry::Context::current());
    let created_at = match pending
        .record_with_lock(
            &saga_input,
            lock.as_ref().map(|l| l.lock_id.as_str()),
            trace_parent.as_deref(),
        )
        .await
    {
        Ok(at) => at,
        Err(e) => {
            if let (Some(c), Some(l)) = (live, &lock) {
                let _ = state
                    .theaters
                    .connector
                    .release(&c.base_url, &l.lock_id)
                    .await;
            }
            return Err(e.into());
        }
    };
    let mut booking = held_booking(&request, hold, created_at);
    booking.addons = quote
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Addon)
        .map(|l| BookingAddon {
            code: l.item.clone(),
            name: l.description.clone(),
            quantity: i32::try_from(l.quantity).unwrap_or(i32::MAX),
            unit_price_minor: l.unit_price.amount_minor,
            voucher_code: None,
            voucher_redeemed_at: None,
        })
        .collect();
    booking.offer_code = offer_code;
    booking.quote = Some(quote);
    Ok(booking)
}

/// Locks the held seats at a live theater's box office for the hold's length.
async fn lock_at_theater(
    state: &AppState,
    pending: &PendingHold,
    c: &Connection,
) -> ApiResult<TheaterLock> {
    let seats: Vec<String> = pending.hold.seats.iter().map(|s| s.label.clone()).collect();
    let locked = state
        .theaters
        .connector
        .lock(
            &c.base_url,
            &pending.request.show_id.to_string(),
            &seats,
            pending.request.hold_seconds,
            &pending.request.booking_id.to_string(),
        )
        .await;
    match locked {
        Ok(lock) => Ok(lock),
        Err(TheaterError::SeatsUnavailable { seats }) => Err(ApiError::Refused {
            status: StatusCode::CONFLICT,
            code: ErrorCode::SeatsUnavailable,
            message: format!(
                "the theater has these seats taken already: {}",
                seats.join(", ")
            ),
            details: Some(json!({ "seats": seats })),
        }),
        Err(TheaterError::Unavailable(why)) => Err(ApiError::Refused {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: ErrorCode::TheaterUnavailable,
            message: format!("the theater's box office does not answer ({why}); try again shortly"),
            details: None,
        }),
        Err(e @ TheaterError::Refused { .. }) => Err(ApiError::Refused {
            status: StatusCode::CONFLICT,
            code: ErrorCode::SeatsUnavailable,
            message: e.to_string(),
            details: None,
        }),
    }
}

/// The booking as the hold's transaction wrote it, without reading it back.
fn held_booking(request: &HoldRequest, hold: Hold, created_at: DateTime<Utc>) -> Booking {
    let booking_id = request.booking_id;
    Booking {
        booking_id,
        show_id: request.show_id,
        status: BookingStatus::PreBooking,
        status_reason: None,
        seats: hold
            .seats
            .into_iter()
            .map(|s| BookingSeat {
                label: s.label,
                category: s.category,
                price_minor: s.price_minor,
            })
            .collect(),
        total: hold.total,
        addons: Vec::new(),
        offer_code: None,
        quote: None,
        hold_expires_at: DateTime::from_timestamp_millis(hold.expires_at_ms).unwrap_or(created_at),
        ticket_code: None,
        contact_name: Some(request.contact.name.clone()),
        customer_id: request.customer_id,
        workflow_id: booking_id.workflow_id(),
        needs_operator: None,
        needs_operator_since: None,
        operator_note: None,
        guest_token: None,
        created_at,
        updated_at: created_at,
    }
}
