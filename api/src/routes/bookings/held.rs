//! The booking a successful hold leaves: its saga's input recorded with it in the hold's
//! transaction, and the answer built from what that transaction wrote (no read back).

use super::json::{Booking, BookingAddon, BookingSeat};
use crate::error::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use mtbp_domain::BookingStatus;
use mtbp_domain::pricing::LineKind;
use mtbp_store::seats::{Hold, HoldRequest, PendingHold};
use mtbp_workflows::BookingInput;

/// Records the saga's input with the hold and commits: the workflow starts from the seats
/// already held (when the customer pays, or by the relay).
pub(super) async fn record(state: &AppState, pending: PendingHold) -> ApiResult<Booking> {
    let input = BookingInput::after_hold(
        &pending.request,
        &pending.hold,
        pending.theater_id,
        state.config.hold_policy(),
    );
    let saga_input = serde_json::to_value(&input)
        .map_err(|e| anyhow::anyhow!("the saga input does not serialize: {e}"))?;
    let request = pending.request.clone();
    let hold = pending.hold.clone();
    let quote = pending.quote.clone();
    let offer_code = pending.offer_code().map(str::to_owned);
    let created_at = pending.record(&saga_input).await?;
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
