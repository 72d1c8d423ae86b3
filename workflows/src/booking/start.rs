//! How a booking's workflow is started, shared by the API (right after its hold commits) and the
//! relay that starts whatever an API left unstarted.
//!
//! Starting is idempotent: the workflow id is the booking's, a running workflow is reused, and a
//! closed one is never started again, so any number of starters may race for one booking.

use super::types::{
    BookingInput, SA_BOOKING_STATUS, SA_CUSTOMER_ID, SA_HOLD_EXPIRES_AT, SA_SHOW_ID, SA_THEATER_ID,
    customer_attribute,
};
use crate::ops::{SA_AMOUNT_BAND, SA_SAGA_STEP, SA_STEP_STARTED_AT, amount_band, timestamp};
use crate::settlement::SA_PARTNER_ID;
use mtbp_domain::BookingStatus;
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

/// What ops filter on from the start: ids, the amount's band, and the hold (status, step and
/// expiry) when the API already holds the seats. Never a contact detail.
fn attributes(input: &BookingInput) -> SearchAttributes {
    let mut attributes = vec![
        SA_SHOW_ID.value_set(input.show_id.to_string()),
        SA_THEATER_ID.value_set(input.theater_id.to_string()),
        SA_CUSTOMER_ID.value_set(customer_attribute(input.customer_id)),
    ];
    if let Some(partner) = input.partner_id {
        attributes.push(SA_PARTNER_ID.value_set(partner.to_string()));
    }
    if let Some(hold) = &input.hold {
        let held_at = hold
            .expires_at_ms
            .saturating_sub(i64::from(input.hold_seconds) * 1000);
        attributes.extend([
            SA_AMOUNT_BAND.value_set(vec![amount_band(&hold.total)]),
            SA_BOOKING_STATUS.value_set(BookingStatus::PreBooking.as_str().into()),
            SA_SAGA_STEP.value_set(vec!["waiting for payment".into()]),
            SA_STEP_STARTED_AT.value_set(timestamp(held_at)),
            SA_HOLD_EXPIRES_AT.value_set(timestamp(hold.expires_at_ms)),
        ]);
    }
    SearchAttributes::new(attributes)
}

fn summary(input: &BookingInput) -> String {
    format!("{} seat(s) of show {}", input.seats.len(), input.show_id)
}
