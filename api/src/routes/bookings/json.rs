//! Request and response bodies of the booking endpoints.

use chrono::{DateTime, Utc};
use mtbp_domain::pricing::Quote;
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
    /// An offer code (matched without regard to case). An unknown code is refused (422) and
    /// nothing is held; a known one that does not apply is held and listed under the quote's
    /// `declined`, with why.
    pub offer_code: Option<String>,
    /// Food and beverage add-ons of the show's theater (see `GET /theaters/{id}/addons`).
    #[serde(default)]
    pub addons: Vec<AddonOrder>,
}

/// An add-on to book with the seats.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddonOrder {
    /// The add-on's code at the theater, e.g. `COMBO1`.
    pub code: String,
    /// How many, 1 to 20.
    pub quantity: u32,
}

/// Apply an offer code to a held booking.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyOffer {
    /// The code, as the customer typed it.
    pub code: String,
}

/// An add-on of a booking.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BookingAddon {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// How many.
    pub quantity: i32,
    /// One unit's price before tax, in the booking's currency (minor units).
    pub unit_price_minor: i64,
    /// The meal voucher to show at the counter, once the booking is paid and a voucher covers
    /// this add-on; the theater redeems it once.
    pub voucher_code: Option<String>,
    /// When the theater redeemed it.
    pub voucher_redeemed_at: Option<DateTime<Utc>>,
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
    /// What the booking costs (the quote's total: seats and add-ons after offers, the
    /// convenience fee and taxes): `amount_minor` (minor units) and `currency` (ISO 4217).
    #[serde(flatten)]
    #[schema(inline)]
    pub total: Money,
    /// Add-ons.
    #[serde(default)]
    pub addons: Vec<BookingAddon>,
    /// The offer code entered, if any.
    #[serde(default)]
    pub offer_code: Option<String>,
    /// The full breakdown: every seat, add-on and fee with its discounts and taxes, the offers
    /// applied and declined, and the totals (`GET /bookings/{id}/quote` answers it alone).
    /// Absent on bookings made before quotes were kept.
    #[serde(default)]
    pub quote: Option<Quote>,
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
