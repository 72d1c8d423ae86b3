//! Seat inventory of shows (`show_seats`): hold, keep for payment, confirm, close.
//!
//! **The invariant:** a seat of a show belongs to at most one live booking. A hold is one
//! conditional `UPDATE` over the seat rows the SQL function `seat_holdable` allows, all or
//! nothing in one transaction. Confirm and close touch only rows that still carry the booking's
//! id, so a late timer or a retried activity can never take another booking's seat.
//!
//! The types here are also the messages of the booking saga's seat activities (re-exported by
//! `mtbp-activities`): their serde shapes are part of committed workflow histories.

mod best;
mod close;
mod confirm;
mod guards;
mod hold;
pub mod inventory;
mod payment;
mod record;

pub use best::{BestSpot, seat_spots};
pub use close::{close, flag_for_operator, release};
pub use confirm::confirm;
pub use guards::{HoldLimits, LimitScope, TooManyHolds};
pub use hold::{RequestedShow, hold, requested_show};
pub use payment::{PaymentWindow, begin_payment, extend_hold};
pub use record::{
    BookedAddon, HoldRecord, PendingHold, PricingPlan, RecordedHold, hold_and_record,
};

use mtbp_domain::{AccountId, BookingId, Contact, Money, ShowId};
use serde::{Deserialize, Serialize};

/// Ask to hold seats of a show for a new booking.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HoldRequest {
    /// The booking the seats will belong to.
    pub booking_id: BookingId,
    /// The show.
    pub show_id: ShowId,
    /// Seat labels, validated and sorted.
    pub seats: Vec<String>,
    /// How long the hold lasts.
    pub hold_seconds: u32,
    /// Who to reach about the booking.
    pub contact: Contact,
    /// The signed-in customer, if any.
    pub customer_id: Option<AccountId>,
    /// Whether seats set aside for the platform may be taken (a broker's booking).
    #[serde(default)]
    pub platform_seats: bool,
}

/// A held seat with its price (in the currency of its [`Hold`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldSeat {
    /// Seat label.
    pub label: String,
    /// Seat category code.
    pub category: String,
    /// Price in minor units.
    pub price_minor: i64,
}

/// A successful hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// When the hold lapses, in milliseconds since the Unix epoch (database clock).
    pub expires_at_ms: i64,
    /// The seats' total; on the wire as `amount_minor` and `currency`, as histories have it.
    #[serde(flatten)]
    pub total: Money,
    /// The seats, sorted by label.
    pub seats: Vec<HeldSeat>,
}

/// What happened to a hold request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HoldOutcome {
    /// Every seat is now held for the booking.
    Held(Hold),
    /// Some seats are not free; nothing was held.
    SeatsUnavailable {
        /// The seats that are taken, blocked or not on this show.
        seats: Vec<String>,
    },
    /// The show cannot be booked (cancelled, already started, or unknown).
    ShowNotBookable {
        /// Why, in words.
        reason: String,
    },
}

/// What happened when the seats were to be confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfirmOutcome {
    /// Seats are booked; here is the ticket code.
    Confirmed {
        /// Code the customer shows at the theater.
        ticket_code: String,
    },
    /// The hold lapsed and another booking took some seats: nothing was booked.
    HoldLost {
        /// Seats no longer ours.
        seats: Vec<String>,
    },
    /// The booking was closed (its seats released) before the confirm could decide: nothing
    /// was booked.
    Closed,
}

/// What closing did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseOutcome {
    /// The booking is closed; this many seats were freed.
    Closed {
        /// Seats freed now (zero when a retry finds them freed already).
        released: u64,
    },
    /// The seats were confirmed first: the booking stands, nothing changed.
    AlreadyConfirmed {
        /// The booking's ticket code.
        ticket_code: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use mtbp_domain::Currency;

    #[test]
    fn a_hold_keeps_its_wire_shape() {
        let hold = Hold {
            expires_at_ms: 7,
            total: Money {
                amount_minor: 500,
                currency: Currency::parse("INR").expect("valid"),
            },
            seats: vec![HeldSeat {
                label: "A1".into(),
                category: "GOLD".into(),
                price_minor: 500,
            }],
        };
        let json = serde_json::to_string(&hold).expect("serializes");
        assert_eq!(
            json,
            r#"{"expires_at_ms":7,"amount_minor":500,"currency":"INR","seats":[{"label":"A1","category":"GOLD","price_minor":500}]}"#
        );
        assert_eq!(serde_json::from_str::<Hold>(&json).ok(), Some(hold));
    }
}
