//! Every error code the API answers with. The OpenAPI document lists them (the `ErrorBody`
//! schema's `code` enum); clients may match on them, so a code, once published, keeps its
//! name and meaning.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares [`ErrorCode`] with each variant's wire name, kept in one list.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $text:literal),+ $(,)?) => {
        /// A stable, machine-readable error code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $variant),+
        }

        impl ErrorCode {
            /// Every code.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The code as it appears in the envelope.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }
    };
}

error_codes! {
    // The request itself.
    /// The body, query or a header is not well-formed (400).
    BadRequest => "bad_request",
    /// The body is not valid JSON (400).
    MalformedJson => "malformed_json",
    /// The body is JSON of the wrong shape or types (422).
    InvalidBody => "invalid_body",
    /// A path segment is malformed, e.g. an id that is not a UUID (400).
    InvalidPath => "invalid_path",
    /// Fields failed validation; `fields` says which (422).
    ValidationFailed => "validation_failed",
    /// The body is not `application/json` (415).
    UnsupportedMediaType => "unsupported_media_type",
    /// The body is larger than allowed (413).
    PayloadTooLarge => "payload_too_large",
    /// The route does not accept this method (405).
    MethodNotAllowed => "method_not_allowed",
    /// The thing named does not exist, or is not the caller's to see (404).
    NotFound => "not_found",
    /// The `Idempotency-Key` was used before with a different request (422).
    IdempotencyKeyReused => "idempotency_key_reused",

    // Who is asking.
    /// No valid credentials (401).
    Unauthorized => "unauthorized",
    /// Signed in, but not allowed to do this (403).
    Forbidden => "forbidden",
    /// Wrong email or password (401).
    InvalidCredentials => "invalid_credentials",
    /// The refresh token is unknown, expired or revoked (401).
    InvalidRefreshToken => "invalid_refresh_token",
    /// Too many sign-in attempts; see `Retry-After` (429).
    TooManyAttempts => "too_many_attempts",
    /// Too many sign-ups from this client; see `Retry-After` (429).
    TooManySignUps => "too_many_sign_ups",
    /// The email address belongs to another account (409).
    EmailTaken => "email_taken",
    /// The account is already verified (409).
    AlreadyVerified => "already_verified",
    /// A code was sent moments ago; see `Retry-After` (429).
    CodeRecentlySent => "code_recently_sent",
    /// The verification code is wrong (422).
    WrongCode => "wrong_code",
    /// No verification code is live for this account (409).
    NoLiveCode => "no_live_code",
    /// The partner is not active yet, or suspended (403).
    PartnerNotActive => "partner_not_active",

    // The catalog.
    /// The theater already has a screen of that name (409).
    ScreenExists => "screen_exists",
    /// A show that is still to run stands in the way (409).
    HasUpcomingShows => "has_upcoming_shows",
    /// The movie has shows and cannot be removed (409).
    MovieHasShows => "movie_has_shows",
    /// The show overlaps another show on the same screen (409).
    ShowOverlaps => "show_overlaps",
    /// The show has bookings, so this change is refused (409).
    ShowHasBookings => "show_has_bookings",
    /// The show is cancelled (409).
    ShowCancelled => "show_cancelled",
    /// The customer already reviewed this movie (409).
    AlreadyReviewed => "already_reviewed",

    // Bookings.
    /// Some of the seats are taken; `details.seats` names them (409).
    SeatsUnavailable => "seats_unavailable",
    /// Seats that are sold or held stand in the way of this change (409).
    SeatsTaken => "seats_taken",
    /// Not enough free seats sit together for a best-seats request (409).
    NotEnoughSeatsTogether => "not_enough_seats_together",
    /// The show cannot be booked: cancelled, started or unknown (409).
    ShowNotBookable => "show_not_bookable",
    /// The show's sale has not opened for this customer yet; `details.on_sale_at` says when it
    /// opens, `details.member_access_at` when it opens to members with early access (409).
    NotOnSale => "not_on_sale",
    /// Too many unpaid holds on this show; see `Retry-After` (429).
    TooManyHolds => "too_many_holds",
    /// The total is below the gateway's minimum charge (422).
    AmountBelowMinimum => "amount_below_minimum",
    /// The booking was already claimed by an account (409).
    AlreadyClaimed => "already_claimed",
    /// The booking has ended and cannot change any more (409).
    BookingClosed => "booking_closed",
    /// A payment or an extension is under way (409).
    PaymentInProgress => "payment_in_progress",
    /// The booking is already paid (409).
    AlreadyPaid => "already_paid",
    /// The seats are not held (409).
    NotHeld => "not_held",
    /// The hold cannot be extended any more (409).
    ExtensionLimit => "extension_limit",
    /// The hold lapsed (409).
    HoldExpired => "hold_expired",
    /// The payment was refused; the seats are released (402).
    PaymentFailed => "payment_failed",
    /// The seats could not be kept; the payment was refunded (409).
    Refunded => "refunded",
    /// The payment method is missing or unusable (422).
    InvalidPaymentMethod => "invalid_payment_method",
    /// The gateway declined the card (402).
    CardDeclined => "card_declined",
    /// The payment method is saved on another account (409).
    PaymentMethodTaken => "payment_method_taken",
    /// The booking is not waiting for an operator (409).
    NotFlagged => "not_flagged",
    /// Another operator action on this booking is under way (409).
    OperatorActionInProgress => "operator_action_in_progress",
    /// The operator's task does not apply to the booking as it is now (409).
    NotApplicable => "not_applicable",
    /// The operator's task ran, and its step failed again; the timeline says why (409).
    OperatorStepFailed => "operator_step_failed",
    /// The operator's note is missing or too long (422).
    InvalidNote => "invalid_note",
    /// No live offer has the code entered (422); nothing changed.
    UnknownOfferCode => "unknown_offer_code",
    /// The price changed since the quote (an offer expired, was deleted or ran out) (409):
    /// nothing was charged; `details` has the new quote's total, and paying again pays it.
    PriceChanged => "price_changed",

    // Theaters and cancellations.
    /// The theater's box office does not answer; nothing was held (503, retry shortly).
    TheaterUnavailable => "theater_unavailable",
    /// A seat named is not on the booking, or was cancelled already (422).
    SeatNotOnBooking => "seat_not_on_booking",
    /// The theater does not allow cancelling some seats of a booking (409).
    PartialCancellationNotAllowed => "partial_cancellation_not_allowed",
    /// Past the theater's last refund window (409); `details.policy` says the windows.
    TooLateToCancel => "too_late_to_cancel",
    /// The booking changed since the quote (another cancellation in between) (409).
    BookingChanged => "booking_changed",
    /// The show's cancellation is under way already (409).
    ShowCancellationInProgress => "show_cancellation_in_progress",

    // Offers and add-ons.
    /// Another live offer has this code (409).
    OfferCodeTaken => "offer_code_taken",
    /// The offer was redeemed more often than the new total limit allows (409).
    LimitBelowRedeemed => "limit_below_redeemed",
    /// The meal voucher was redeemed already (409).
    VoucherAlreadyRedeemed => "voucher_already_redeemed",
    /// The voucher's booking is not paid (409).
    BookingNotPaid => "booking_not_paid",
    /// The theater has a live add-on with this code (409).
    AddonCodeTaken => "addon_code_taken",
    // Subscriptions.
    /// The customer already has a live subscription to this plan (409).
    AlreadySubscribed => "already_subscribed",
    /// The plan is closed to new subscribers (409).
    PlanClosed => "plan_closed",
    /// The subscription has ended and cannot change any more (409).
    SubscriptionEnded => "subscription_ended",

    // The platform.
    /// The server is at capacity for expensive work; see `Retry-After` (503).
    TooBusy => "too_busy",
    /// A dependency (database, Temporal, gateway) did not answer; see `Retry-After` (503).
    Unavailable => "unavailable",
    /// A bug on our side, logged (500).
    Internal => "internal",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serialises_as_its_wire_name_and_names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).expect("a code serialises");
            assert_eq!(json, code.as_str());
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
        }
    }

    #[test]
    fn the_openapi_document_lists_every_code() {
        let doc = serde_json::to_value(crate::openapi()).expect("the document serialises");
        let listed = &doc["components"]["schemas"]["ErrorCode"]["enum"];
        for code in ErrorCode::ALL {
            assert!(
                listed
                    .as_array()
                    .is_some_and(|l| l.iter().any(|c| c == code.as_str())),
                "{} is not in the OpenAPI document: {listed}",
                code.as_str()
            );
        }
    }
}
