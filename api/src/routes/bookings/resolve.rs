//! `POST /bookings/{id}/resolve`: an operator retries a compensation that could not finish, or
//! marks the booking resolved. An update on the booking's workflow, never a table edit.

use super::json::{Booking, ResolveBooking, ResolveStep};
use super::read::load_or_404;
use super::temporal_error;
use crate::auth::{AuthUser, Role, access::require};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::BookingId;
use mtbp_workflows::{BookingWorkflow, OperatorAction, OperatorStep};
use temporalio_client::{RpcOptions, WorkflowStartUpdateOptions};
use uuid::Uuid;

/// Longest operator note kept.
const MAX_NOTE: usize = 500;

/// Acts on a booking flagged `needs_operator` (a refund the gateway refused, say): `retry`
/// runs the failed step again and answers once it went through (flag cleared) or failed again
/// (still flagged, with the new reason); `mark_resolved` clears the flag for a booking settled
/// outside the saga. The note says why and is kept on the booking. Operators only.
#[utoipa::path(post, path = "/bookings/{booking_id}/resolve", tag = "bookings",
    params(("booking_id" = Uuid, Path)), request_body = ResolveBooking,
    security(("bearer" = [])),
    responses((status = 200, body = Booking), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "`not_flagged`, or another action under way"),
              (status = 422, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)))]
pub async fn resolve_booking(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(booking_id): ApiPath<BookingId>,
    ApiJson(body): ApiJson<ResolveBooking>,
) -> ApiResult<ApiJson<Booking>> {
    require(&user, &[Role::Admin], "resolving a booking")?;
    let note = body.note.trim();
    if note.is_empty() || note.chars().count() > MAX_NOTE {
        return Err(ApiError::field(
            "note",
            format!("say why, in 1 to {MAX_NOTE} characters"),
        ));
    }
    let booking = load_or_404(&state.db, booking_id).await?;
    if booking.needs_operator.is_none() {
        return Err(ApiError::conflict(
            ErrorCode::NotFlagged,
            "this booking does not need an operator",
        ));
    }
    let action = OperatorAction {
        action: match body.action {
            ResolveStep::Retry => OperatorStep::Retry,
            ResolveStep::MarkResolved => OperatorStep::MarkResolved,
        },
        operator_id: user.account_id,
        note: note.to_owned(),
    };
    let options = WorkflowStartUpdateOptions::builder()
        .update_id(format!("resolve-{}", Uuid::new_v4()))
        .build();
    let accepted = state
        .temporal
        .get_workflow_handle::<BookingWorkflow>(booking_id.workflow_id())
        .start_update(BookingWorkflow::resolve, action, options)
        .await
        .map_err(temporal_error::update)?;
    accepted
        .get_result(RpcOptions::default())
        .await
        .map_err(temporal_error::update)?;
    Ok(ApiJson(load_or_404(&state.db, booking_id).await?))
}
