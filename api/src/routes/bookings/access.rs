//! Who may see and act on a booking.
//!
//! - A signed-in customer's or broker's booking: that account, for everything.
//! - A guest booking: whoever holds its booking token (`X-Booking-Token`, returned once by
//!   `POST /bookings`), until a customer claims it.
//! - Operators read and cancel any booking; they never pay for one.
//! - Partner staff read the bookings of their own theaters.

use super::json::Booking;
use crate::auth::access::forbidden;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use mtbp_domain::BookingId;
use mtbp_store::bookings;
use sha2::Sha256;

/// Header carrying a guest booking's token.
pub const BOOKING_TOKEN: &str = "x-booking-token";

/// What the caller wants to do with the booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read it.
    Read,
    /// Pay or extend the hold.
    Pay,
    /// Cancel it.
    Cancel,
}

fn mac(state: &AppState, booking_id: BookingId) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&state.config.auth.secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"guest-booking:");
    mac.update(booking_id.as_uuid().as_bytes());
    mac
}

/// The token a guest uses to reach their booking: an HMAC of the booking id, so nothing is
/// stored and a retried `POST /bookings` gets the same token.
pub fn guest_token(state: &AppState, booking_id: BookingId) -> String {
    format!(
        "bt_{}",
        hex::encode(mac(state, booking_id).finalize().into_bytes())
    )
}

fn guest_token_matches(state: &AppState, booking_id: BookingId, presented: &str) -> bool {
    presented
        .strip_prefix("bt_")
        .and_then(|h| hex::decode(h).ok())
        .is_some_and(|bytes| mac(state, booking_id).verify_slice(&bytes).is_ok())
}

/// Allows or refuses `action` on `booking` for the caller.
pub async fn authorize(
    state: &AppState,
    user: Option<&AuthUser>,
    headers: &HeaderMap,
    booking: &Booking,
    action: Action,
) -> ApiResult<()> {
    let presented = headers
        .get(BOOKING_TOKEN)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if booking.customer_id.is_none()
        && let Some(token) = presented
    {
        return if guest_token_matches(state, booking.booking_id, token) {
            Ok(())
        } else {
            Err(forbidden("the booking token does not match this booking"))
        };
    }
    let Some(user) = user else {
        return Err(ApiError::Refused {
            status: StatusCode::UNAUTHORIZED,
            code: ErrorCode::Unauthorized,
            message: if booking.customer_id.is_none() {
                "send the booking's X-Booking-Token, or sign in".into()
            } else {
                "sign in: send Authorization: Bearer <access token>".into()
            },
            details: None,
        });
    };
    if booking.customer_id == Some(user.account_id) {
        return Ok(());
    }
    match (user.role, action) {
        (Role::Admin, Action::Read | Action::Cancel) => Ok(()),
        (Role::Admin, Action::Pay) => Err(forbidden("only the customer pays for a booking")),
        (Role::Partner, Action::Read) => {
            let theater_partner = bookings::partner_of_show(&state.db, booking.show_id).await?;
            match (theater_partner.flatten(), user.partner_id) {
                (Some(owner), Some(mine)) if owner == mine => Ok(()),
                _ => Err(forbidden("this booking is for another partner's theater")),
            }
        }
        _ => Err(forbidden("this booking is not yours")),
    }
}
