//! Bookings (`bookings`, `booking_seats`) and the Idempotency-Keys bound to them: the row a
//! hold writes, the reads the API serves, a guest booking's claim by a customer, and what a
//! customer's erasure does to their bookings ([`customers`]).
//!
//! The saga's own transitions of a booking (payment window, confirm, close) live with the seats
//! they move in the same statement, in [`crate::seats`].

mod claim;
pub mod customers;
mod idempotency;
mod read;
mod write;

pub use claim::{claim, claimant_verified};
pub use idempotency::{bind_idempotency_key, stored_fingerprint};
pub use read::{
    BookedAddonRecord, BookingFilter, BookingRecord, BookingSummary, find, list, partner_of_show,
};
pub use write::{Priced, insert_held};
