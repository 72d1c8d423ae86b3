//! The booking saga: hold → pay → confirm, with a compensation for every step that can fail
//! after another has succeeded.

mod after;
mod charge;
mod compensate;
pub mod offer;
pub mod options;
pub mod refusal;
pub mod repair;
pub mod start;
pub mod state;
pub mod types;
mod view;
mod wait;
mod workflow;

pub use after::after_payment_queue;
pub use refusal::Refusal;
pub use repair::{BookingRepairWorkflow, RepairInput};
pub use start::{start_options, update_with_start_options};
pub use types::{
    BookingInput, BookingView, HoldPolicy, OperatorAction, OperatorCommand, OperatorStep,
    OperatorTask, PayRequest,
};
pub use workflow::BookingWorkflow;
pub(crate) use workflow::why;
