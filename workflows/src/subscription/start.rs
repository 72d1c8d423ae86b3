//! How a subscription's workflow is started (by the API, right after the subscription row is
//! written).

use super::types::{SA_SUBSCRIPTION_STATUS, SubscriptionInput};
use crate::booking::types::SA_CUSTOMER_ID;
use mtbp_domain::SubscriptionStatus;
use temporalio_client::{WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowStartOptions};
use temporalio_common::search_attributes::SearchAttributes;

/// The start options of a subscription's workflow on `task_queue`: the id is the
/// subscription's, a running one is reused, and an ended one is never started again.
pub fn start_options(input: &SubscriptionInput, task_queue: &str) -> WorkflowStartOptions {
    let attributes = SearchAttributes::new([
        SA_CUSTOMER_ID.value_set(input.customer_id.to_string()),
        SA_SUBSCRIPTION_STATUS.value_set(SubscriptionStatus::Pending.as_str().to_owned()),
    ]);
    WorkflowStartOptions::new(task_queue.to_owned(), input.subscription_id.workflow_id())
        .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
        .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
        .search_attributes(attributes)
        .static_summary(format!("subscription {}", input.subscription_id))
        .build()
}
