//! `GET /health`: is the API up, and can it reach its database?

use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// Health report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` in a 200.
    pub status: &'static str,
}

/// Reports health; 503 when the database does not answer.
#[utoipa::path(get, path = "/health", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = ErrorEnvelope)))]
pub async fn health(State(state): State<AppState>) -> ApiResult<ApiJson<Health>> {
    sqlx::query("select 1")
        .execute(&state.db)
        .await
        .map_err(|_| ApiError::Unavailable("the database is not reachable".into()))?;
    Ok(ApiJson(Health { status: "ok" }))
}
