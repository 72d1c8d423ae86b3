//! How an announcement's workflow is started (by the API, when a show is a movie's first in
//! its city).

use super::types::AnnouncementInput;
use mtbp_domain::MovieId;
use temporalio_client::{WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowStartOptions};

/// `announce-{movie_id}-{city}`, the city lower-cased with anything but letters and digits as
/// `_`: one announcement per movie and city.
pub fn workflow_id(movie_id: MovieId, city: &str) -> String {
    let city: String = city
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    format!("announce-{movie_id}-{city}")
}

/// Start options on `task_queue`: a running announcement is reused and a finished one is never
/// started again, so however many first shows race, subscribers hear once. Operators find a
/// running one by `SagaStep = 'announcing'` (its runs after a continue-as-new keep it).
pub fn start_options(input: &AnnouncementInput, task_queue: &str) -> WorkflowStartOptions {
    WorkflowStartOptions::new(
        task_queue.to_owned(),
        workflow_id(input.movie_id, &input.city),
    )
    .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
    .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
    .static_summary(format!("announce movie {}", input.movie_id))
    .search_attributes(temporalio_common::search_attributes::SearchAttributes::new(
        vec![crate::ops::SA_SAGA_STEP.value_set(vec!["announcing".to_owned()])],
    ))
    .build()
}
