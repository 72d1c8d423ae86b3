//! Request and response bodies of the booking endpoints.

use chrono::{DateTime, Utc};
use mtbp_domain::{AccountId, BookingId, BookingStatus, Money, ShowId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Contact details of whoever books.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactJson {
    /// Name on the booking.
    pub name: String,
    /// Email for the ticket.
    pub email: String,
    /// Phone for SMS.
    pub phone: Option<String>,
}

/// Hold seats of a show for a new booking: name them (`seats`), or ask for the best ones free
/// at this moment (`best`), never both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    /// The show.
    #[schema(value_type = Uuid)]
    pub show_id: ShowId,
    /// Seat labels, e.g. `["H12", "H13"]`: 1 to 10 (brokers: 100), no repeats.
    #[serde(default)]
    pub seats: Vec<String>,
    /// Hold the best block of seats side by side that is free when the request arrives (as
    /// `GET /shows/{id}/seats/best` would suggest), chosen and held in one step: no race with
    /// other customers between suggestion and hold.
    pub best: Option<BestSeatsJson>,
    /// Who to reach about the booking.
    pub contact: ContactJson,
}

/// "The best `count` seats side by side".
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BestSeatsJson {
    /// How many seats, 1 to 10.
    pub count: u32,
    /// Only this seat category (its code, e.g. `PREMIUM`).
    pub category: Option<String>,
}

/// Pay for a held booking.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayBooking {
    /// Payment method id from the gateway (`pm_…`), tokenised by the client app.
    pub payment_method: String,
}

/// An operator's action on a booking flagged `needs_operator`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBooking {
    /// `retry` the step that could not finish, or `mark_resolved` when settled another way.
    pub action: ResolveStep,
    /// Why, for the record: 1 to 500 characters; ids and facts, never customer details.
    pub note: String,
}

/// What the operator does.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolveStep {
    /// Run the failed step again.
    Retry,
    /// Clear the flag: settled outside the saga.
    MarkResolved,
}

/// A booked or held seat.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BookingSeat {
    /// Label.
    pub label: String,
    /// Category code.
    pub category: String,
    /// Price in minor units.
    pub price_minor: i64,
}

/// A booking.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Booking {
    /// Id.
    #[schema(value_type = Uuid)]
    pub booking_id: BookingId,
    /// The show.
    #[schema(value_type = Uuid)]
    pub show_id: ShowId,
    /// Status in the saga.
    pub status: BookingStatus,
    /// Why the booking ended the way it did, when it did not succeed.
    pub status_reason: Option<String>,
    /// The seats.
    pub seats: Vec<BookingSeat>,
    /// The seats' total: `amount_minor` (minor units) and `currency` (ISO 4217).
    #[serde(flatten)]
    #[schema(inline)]
    pub total: Money,
    /// When the hold lapses unless paid.
    pub hold_expires_at: DateTime<Utc>,
    /// Code to show at the theater, once booked.
    pub ticket_code: Option<String>,
    /// Name on the booking (none once the customer's personal data was erased).
    pub contact_name: Option<String>,
    /// The account that booked; none for a guest.
    #[schema(value_type = Option<Uuid>)]
    pub customer_id: Option<AccountId>,
    /// Temporal workflow id of the booking's saga, for support.
    pub workflow_id: String,
    /// Why an operator must look at this booking (a refund the gateway refused, say), while
    /// it waits for one; the seats are released meanwhile. See `POST /bookings/{id}/resolve`.
    pub needs_operator: Option<String>,
    /// Since when it waits for an operator.
    pub needs_operator_since: Option<DateTime<Utc>>,
    /// The last operator's note (who and why) on this booking.
    pub operator_note: Option<String>,
    /// Only in the answer to `POST /bookings` for a guest: send it as `X-Booking-Token` to
    /// read, pay, extend or cancel this booking without an account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_token: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A booking in a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BookingSummary {
    /// Id.
    #[schema(value_type = Uuid)]
    pub booking_id: BookingId,
    /// The show.
    #[schema(value_type = Uuid)]
    pub show_id: ShowId,
    /// The account that booked; none for a guest.
    #[schema(value_type = Option<Uuid>)]
    pub customer_id: Option<AccountId>,
    /// Status in the saga.
    pub status: BookingStatus,
    /// Number of seats.
    pub seat_count: i64,
    /// The seats' total: `amount_minor` (minor units) and `currency` (ISO 4217).
    #[serde(flatten)]
    #[schema(inline)]
    pub total: Money,
    /// Code to show at the theater, once booked.
    pub ticket_code: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// One page of bookings, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingPage {
    /// The bookings.
    pub bookings: Vec<BookingSummary>,
    /// Pass as `before` for the next page; none on the last page.
    pub next_before: Option<DateTime<Utc>>,
}
