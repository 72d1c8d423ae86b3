//! In-process tests of the API: requests go straight into `mtbp_api::router(state)` (no socket,
//! no worker) for validation and permission cases that never reach Temporal. Each test has a
//! fresh database; each asserts the status, the error code and, where the request would have
//! written, that nothing changed. One binary, a module per area.

mod accounts;
mod harness;
mod partners;
mod sessions;
mod subscriptions;
