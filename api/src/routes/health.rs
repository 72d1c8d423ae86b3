//! `GET /health`: is the API up, and can it reach its database?

use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::jobs::saga_relay as saga;
use crate::state::AppState;
use crate::temporal_calls::{self, TemporalCalls};
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// Health report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` in a 200.
    pub status: &'static str,
    /// Bookings whose saga could never be started and was set aside (`saga_starts_failed`):
    /// anything but 0 needs an operator (see OPERATIONS.md).
    pub unstartable_sagas: i64,
    /// Calls this process made to Temporal since it started (see `temporal_calls`): what a
    /// booking costs in round trips, for benchmarks.
    pub temporal_calls: TemporalCalls,
}

/// Reports health; 503 when the database does not answer.
#[utoipa::path(get, path = "/health", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = ErrorEnvelope)))]
pub async fn health(State(state): State<AppState>) -> ApiResult<ApiJson<Health>> {
    let unstartable_sagas = saga::unstartable_count(&state)
        .await
        .map_err(|_| ApiError::Unavailable("the database is not reachable".into()))?;
    Ok(ApiJson(Health {
        status: "ok",
        unstartable_sagas,
        temporal_calls: temporal_calls::snapshot(),
    }))
}
