//! How a booking's workflow is started, shared by the API (right after its hold commits) and the
//! relay that starts whatever an API left unstarted.
//!
//! Starting is idempotent: the workflow id is the booking's, a running workflow is reused, and a
//! closed one is never started again, so any number of starters may race for one booking.

use super::types::{BookingInput, SA_CUSTOMER_ID, SA_SHOW_ID, SA_THEATER_ID, customer_attribute};
use temporalio_client::{
    WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowStartOptions,
    WorkflowUpdateWithStartOptions,
};
use temporalio_common::search_attributes::SearchAttributes;

/// The start options of a booking's workflow on `task_queue`.
pub fn start_options(input: &BookingInput, task_queue: &str) -> WorkflowStartOptions {
    WorkflowStartOptions::new(task_queue.to_owned(), input.booking_id.workflow_id())
        .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
        .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
        .search_attributes(attributes(input))
        .static_summary(summary(input))
        .build()
}

/// The same start, with the update `update_id` sent in the same call (Update-with-Start): the
/// saga starts and takes its first update in one round trip and one workflow task. A running
/// saga just takes the update; a closed one refuses the start (its id is never reused).
pub fn update_with_start_options(
    input: &BookingInput,
    task_queue: &str,
    update_id: String,
) -> WorkflowUpdateWithStartOptions {
    WorkflowUpdateWithStartOptions::new(
        task_queue.to_owned(),
        input.booking_id.workflow_id(),
        WorkflowIdConflictPolicy::UseExisting,
    )
    .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
    .search_attributes(attributes(input))
    .static_summary(summary(input))
    .update_id(update_id)
    .build()
}

fn attributes(input: &BookingInput) -> SearchAttributes {
    SearchAttributes::new([
        SA_SHOW_ID.value_set(input.show_id.to_string()),
        SA_THEATER_ID.value_set(input.theater_id.to_string()),
        SA_CUSTOMER_ID.value_set(customer_attribute(input.customer_id)),
    ])
}

fn summary(input: &BookingInput) -> String {
    format!("{} seat(s) of show {}", input.seats.len(), input.show_id)
}
