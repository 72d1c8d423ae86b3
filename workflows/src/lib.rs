//! Deterministic Temporal workflow definitions of mtbp.
//!
//! Workflow code does no I/O and reads no clock, randomness or tokio primitive: it sequences
//! activities, timers and messages through the SDK's context so that every replay of a history
//! makes the same decisions.

pub mod announcement;
pub mod booking;
pub mod cancellation;
pub mod notify;
pub mod ops;
pub mod replay;
pub mod settlement;
pub mod subscription;

pub use announcement::{AnnouncementInput, AnnouncementView, AnnouncementWorkflow};
pub use booking::{
    BookingInput, BookingRepairWorkflow, BookingView, BookingWorkflow, HoldPolicy, OperatorAction,
    OperatorCommand, OperatorStep, OperatorTask, PayRequest, RepairInput, start_options,
    update_with_start_options,
};
pub use cancellation::{
    CancellationInput, CancellationView, CancellationWorkflow, RefundDecision,
    ShowCancellationInput, ShowCancellationView, ShowCancellationWorkflow,
};
pub use settlement::{
    ScheduleInput, SettlementInput, SettlementScheduleWorkflow, SettlementView, SettlementWorkflow,
};
pub use subscription::{SubscriptionInput, SubscriptionView, SubscriptionWorkflow};

/// The default task queue of booking workflows and their activities.
pub const DEFAULT_TASK_QUEUE: &str = "bookings";
