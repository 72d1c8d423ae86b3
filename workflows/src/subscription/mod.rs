//! The subscription workflow: one per subscription, one run per period (continue-as-new):
//! charge the period, wait for its end, renew; dunning when a renewal is declined; an end at
//! the period's end when the customer cancels.

pub mod options;
pub mod start;
pub mod state;
pub mod types;
mod workflow;

pub use start::start_options;
pub use types::{SubscriptionInput, SubscriptionView};
pub use workflow::SubscriptionWorkflow;
