//! `DELETE /shows/{id}`: cancelling a show. Without bookings it is cancelled at once (204);
//! with bookings `ShowCancellationWorkflow` closes it and cancels and refunds every booking
//! (202, progress at `GET /shows/{id}/cancellation`).

use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mtbp_domain::ShowId;
use mtbp_domain::cancellation::Actor;
use mtbp_store::cancellations;
use mtbp_store::catalog::shows;
use mtbp_store::seats::inventory;
use mtbp_workflows::{ShowCancellationInput, ShowCancellationWorkflow};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use temporalio_client::{WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowStartOptions};
use utoipa::ToSchema;

/// Cancels a show (the theater's partner, or an operator): it is marked `cancelled`, stops
/// being bookable and frees its screen time. With no seat held or booked: done (204). With
/// bookings: the show's seats are closed first (nothing new is sold), then every booking is
/// cancelled and refunded in full, its customer told, by `ShowCancellationWorkflow`
/// (`show-cancellation-{show_id}`): 202 with its progress, as `GET /shows/{id}/cancellation`.
#[utoipa::path(delete, path = "/shows/{show_id}", tag = "catalog",
    params(("show_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Cancelled"),
              (status = 202, body = ShowCancellation, description = "Cancelling its bookings"),
              (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 503, body = ErrorEnvelope)))]
pub async fn delete_show(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(show_id): ApiPath<ShowId>,
) -> ApiResult<Response> {
    let theater = super::show_theater(&state.db, show_id).await?;
    manage_theater(&state.db, &user, theater).await?;
    if let Some(running) = cancellations::show_cancellation(&state.db, show_id).await? {
        return Ok((
            StatusCode::ACCEPTED,
            ApiJson(ShowCancellation::from(running)),
        )
            .into_response());
    }
    // With the seat rows locked no hold can slip in between the count and the cancellation;
    // blocking the free seats keeps any later hold off them.
    let mut tx = state.db.begin().await?;
    let live = inventory::lock_and_count_taken(&mut tx, show_id).await?;
    let paid_before = cancellations::show_bookings(&state.db, show_id, 1).await?;
    if live == 0 && paid_before.total == 0 {
        inventory::block_free(&mut tx, show_id).await?;
        shows::cancel(&mut tx, show_id).await?;
        tx.commit().await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    tx.rollback().await?;
    let actor = if user.is_operator() {
        Actor::Admin
    } else {
        Actor::Partner
    };
    let input = ShowCancellationInput {
        show_id,
        actor,
        actor_id: Some(user.account_id),
        reason: format!(
            "the show was cancelled by the {}",
            if user.is_operator() {
                "operator"
            } else {
                "theater"
            }
        ),
    };
    let options = WorkflowStartOptions::new(
        state.config.settings.task_queue.clone(),
        ShowCancellationInput::workflow_id(show_id),
    )
    .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
    .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
    .static_summary(format!("cancel show {show_id} and refund its bookings"))
    .search_attributes(ShowCancellationInput::attributes(show_id, user.partner_id))
    .build();
    state
        .temporal
        .start_workflow(ShowCancellationWorkflow::run, input, options)
        .await
        .map_err(|e| ApiError::Unavailable(format!("Temporal: {e}")))?;
    // The workflow's first step closes the show; answer once it has (or shortly anyway).
    for _ in 0..50 {
        if let Some(c) = cancellations::show_cancellation(&state.db, show_id).await? {
            return Ok((StatusCode::ACCEPTED, ApiJson(ShowCancellation::from(c))).into_response());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(ShowCancellation {
            status: "starting".into(),
            ..ShowCancellation::default()
        }),
    )
        .into_response())
}

/// A show's cancellation and its progress.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ShowCancellation {
    /// `starting`, `running` or `done`.
    pub status: String,
    /// `partner` or `admin`.
    pub actor_role: String,
    /// Why.
    pub reason: String,
    /// Bookings that were paid for the show.
    pub bookings_total: i32,
    /// Of those, cancelled and refunded.
    pub bookings_done: i32,
    /// What went back so far, minor units of the show's currency.
    pub refunded_minor: i64,
    /// When it began.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Its workflow, for the Temporal UI.
    pub workflow_id: String,
}

impl From<cancellations::ShowCancellation> for ShowCancellation {
    fn from(c: cancellations::ShowCancellation) -> Self {
        Self {
            status: c.status,
            actor_role: c.actor_role,
            reason: c.reason,
            bookings_total: c.bookings_total,
            bookings_done: c.bookings_done,
            refunded_minor: c.refunded_minor,
            started_at: Some(c.started_at),
            finished_at: c.finished_at,
            workflow_id: String::new(),
        }
    }
}

/// The cancellation of a show and its progress (the theater's partner, or an operator).
#[utoipa::path(get, path = "/shows/{show_id}/cancellation", tag = "catalog",
    params(("show_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ShowCancellation), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope, description = "No such show, or not cancelled with bookings")))]
pub async fn get_show_cancellation(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(show_id): ApiPath<ShowId>,
) -> ApiResult<ApiJson<ShowCancellation>> {
    let theater = super::show_theater(&state.db, show_id).await?;
    manage_theater(&state.db, &user, theater).await?;
    let c = cancellations::show_cancellation(&state.db, show_id)
        .await?
        .ok_or(ApiError::NotFound("show cancellation"))?;
    let mut out = ShowCancellation::from(c);
    out.workflow_id = ShowCancellationInput::workflow_id(show_id);
    Ok(ApiJson(out))
}
