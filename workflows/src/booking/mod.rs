//! The booking saga: hold → pay → confirm, with a compensation for every step that can fail
//! after another has succeeded.

pub mod options;
pub mod state;
pub mod types;
mod workflow;

pub use types::{BookingInput, BookingView, PayRequest};
pub use workflow::BookingWorkflow;
