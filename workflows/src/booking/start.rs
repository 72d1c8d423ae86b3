//! How a booking's workflow is started, shared by the API (right after its hold commits) and the
//! relay that starts whatever an API left unstarted.
//!
//! Starting is idempotent: the workflow id is the booking's, a running workflow is reused, and a
//! closed one is never started again, so any number of starters may race for one booking.

use super::types::{BookingInput, SA_CUSTOMER_ID, SA_SHOW_ID, SA_THEATER_ID, customer_attribute};
use temporalio_client::{WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowStartOptions};
use temporalio_common::search_attributes::SearchAttributes;

/// The start options of a booking's workflow on `task_queue`.
pub fn start_options(input: &BookingInput, task_queue: &str) -> WorkflowStartOptions {
    let attributes = SearchAttributes::new([
        SA_SHOW_ID.value_set(input.show_id.to_string()),
        SA_THEATER_ID.value_set(input.theater_id.to_string()),
        SA_CUSTOMER_ID.value_set(customer_attribute(input.customer_id)),
    ]);
    WorkflowStartOptions::new(task_queue.to_owned(), input.booking_id.workflow_id())
        .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
        .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
        .search_attributes(attributes)
        .static_summary(format!(
            "{} seat(s) of show {}",
            input.seats.len(),
            input.show_id
        ))
        .build()
}
