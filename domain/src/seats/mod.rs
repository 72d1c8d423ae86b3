//! Seats: labels such as `H12`, a customer's selection, and a screen's seat layout.

mod label;
mod layout;
mod selection;

pub use label::{RowLabel, SeatLabel, split_label};
pub use layout::{LayoutRow, LayoutSeat, SeatCategory, SeatLayout};
pub use selection::SeatSelection;

/// Most seats one booking may hold.
pub const MAX_SEATS_PER_BOOKING: usize = 10;
/// Most seats in one group booking made by a broker.
pub const MAX_SEATS_PER_GROUP_BOOKING: usize = 100;
/// Most seats one screen may have.
pub const MAX_SEATS_PER_SCREEN: usize = 5_000;

/// A problem with input, tied to the field it concerns.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// JSON path of the field, e.g. `rows[2].seats`.
    pub field: String,
    /// What is wrong, in words a client developer understands.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
