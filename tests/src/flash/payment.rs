//! After the hold: the customer pays (after thinking it over), walks away, or pays with a card
//! the gateway declines; a price that changed since the quote is paid once more at the new
//! price, as a real customer shown the new total would.

use super::End;
use super::customers::Shared;
use crate::ApiClient;
use mtbp_domain::BookingStatus;
use rand::Rng;
use rand::rngs::StdRng;
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A hold as its customer saw it granted.
#[derive(Clone, Copy, Debug)]
pub(super) struct Held {
    /// The booking.
    pub booking_id: Uuid,
    /// The quote's total at hold, in minor units (what the first `pay` pays).
    pub total_minor: i64,
}

/// How a hold ended, and whether its price changed on the way.
pub(super) struct Settled {
    /// The end.
    pub end: End,
    /// A `pay` answered `price_changed` and the customer paid again.
    pub repriced: bool,
}

/// Pays for a hold, or walks away from it.
pub(super) async fn settle_hold(
    shared: &Shared,
    api: &ApiClient,
    held: Held,
    rng: &mut StdRng,
) -> Settled {
    let roll = rng.random::<f64>();
    let p = &shared.params;
    if roll < p.abandon_share {
        return Settled {
            end: End::Abandoned,
            repriced: false,
        };
    }
    let card = if roll < p.abandon_share + p.decline_share {
        &shared.declined_card
    } else {
        &shared.ok_card
    };
    let held_at = Instant::now();
    if p.think_ms > 0 {
        tokio::time::sleep(p.think(rng)).await;
    }
    let paid_at = Instant::now();
    let mut answer = pay(shared, api, held.booking_id, card, held.total_minor).await;
    let mut repriced = false;
    if let Paid::Repriced(total_minor) = answer {
        // Shown the new total, the customer pays it once; a second change sends them away.
        repriced = true;
        answer = pay(shared, api, held.booking_id, card, total_minor).await;
    }
    let end = match answer {
        Paid::Answered(StatusCode::OK) => {
            let (whole, pay) = (held_at.elapsed(), paid_at.elapsed());
            shared.record(|t, at| t.completed(at, whole, pay));
            End::Completed
        }
        Paid::Answered(StatusCode::PAYMENT_REQUIRED) => End::Declined,
        Paid::Answered(_) | Paid::Repriced(_) => End::PayRefused,
        Paid::Lost => {
            shared.errors.fetch_add(1, Ordering::Relaxed);
            End::PayRefused
        }
    };
    Settled { end, repriced }
}

/// How a payment ended, as the customer saw it.
enum Paid {
    /// As the API would have answered `pay` once settled.
    Answered(StatusCode),
    /// `409 price_changed`: nothing was charged; the booking's new total (minor units).
    Repriced(i64),
    /// No answer (transport error, or never settled in time).
    Lost,
}

/// One `pay` of the booking at the price the customer was shown (`total_minor`).
async fn pay(
    shared: &Shared,
    api: &ApiClient,
    booking_id: Uuid,
    card: &str,
    total_minor: i64,
) -> Paid {
    let resp = match api.pay(booking_id, card).await {
        Ok(resp) => resp,
        Err(_) => return Paid::Lost,
    };
    match resp.status() {
        // Still running after the API's wait: follow the booking until it settles.
        StatusCode::ACCEPTED => {
            follow(api, booking_id, total_minor, shared.deadline_to_settle()).await
        }
        StatusCode::CONFLICT => {
            let body: Value = resp.json().await.unwrap_or_default();
            match (
                body["error"]["code"].as_str(),
                body["error"]["details"]["booking"]["amount_minor"].as_i64(),
            ) {
                (Some("price_changed"), Some(total)) => Paid::Repriced(total),
                _ => Paid::Answered(StatusCode::CONFLICT),
            }
        }
        status => Paid::Answered(status),
    }
}

/// Polls `GET /bookings/{id}` every second (the API's `Retry-After`) until the booking settles.
/// A booking back to waiting for payment at another total than `total_minor` was re-priced
/// before the charge (what `pay` answers `price_changed` for when it answers in time).
async fn follow(api: &ApiClient, booking_id: Uuid, total_minor: i64, until: Instant) -> Paid {
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let Ok(booking) = api.booking(booking_id).await else {
            continue;
        };
        match booking.status {
            BookingStatus::BookingCompleted
            | BookingStatus::Invoiced
            | BookingStatus::SettlementDone => {
                return Paid::Answered(StatusCode::OK);
            }
            BookingStatus::PaymentFailed => return Paid::Answered(StatusCode::PAYMENT_REQUIRED),
            BookingStatus::Expired | BookingStatus::Refunded | BookingStatus::Cancelled => {
                return Paid::Answered(StatusCode::CONFLICT);
            }
            BookingStatus::PreBooking if booking.total.amount_minor != total_minor => {
                return Paid::Repriced(booking.total.amount_minor);
            }
            BookingStatus::PreBooking
            | BookingStatus::PaymentInitiated
            | BookingStatus::PaymentCompleted => {}
        }
    }
    Paid::Lost
}
