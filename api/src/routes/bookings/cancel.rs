//! `POST /bookings/{id}/cancel` (and its aliases `DELETE /bookings/{id}`,
//! `DELETE /reservations/{id}`): an unpaid booking is cancelled by its saga; a paid one, whole
//! or some seats, by a `CancellationWorkflow` after the refund quote (`?dry_run=true` answers
//! the quote alone and changes nothing).

use super::access::{Action, authorize};
use super::read::load_or_404;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::idempotency::IdempotencyKey;
use crate::routes::common::query;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mtbp_domain::cancellation::RefundQuote;
use mtbp_domain::cancellation::{Actor, Planned, Unquoted};
use mtbp_domain::{BookingId, BookingStatus, Role};
use mtbp_store::cancellations;
use mtbp_store::cancellations::quote;
use mtbp_workflows::{CancellationInput, CancellationView, CancellationWorkflow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;
use temporalio_client::{WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowStartOptions};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Longest reason an operator may give.
const MAX_REASON: usize = 500;
/// How long the request waits for the cancellation to finish before answering 202.
const WAIT: Duration = Duration::from_secs(5);

/// What to cancel. An empty body cancels the whole booking.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBooking {
    /// Seats to cancel (labels, e.g. `["C4"]`); absent for every seat left.
    #[serde(default)]
    pub seats: Option<Vec<String>>,
    /// Why: required of operators (kept with the cancellation for the audit), optional for
    /// customers. Ids and facts only.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `?dry_run=true`: answer the refund quote and change nothing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancelQuery {
    /// Quote only.
    #[serde(default)]
    pub dry_run: Option<bool>,
}

/// A cancellation of a paid booking: its quote and where it stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CancellationAnswer {
    /// The cancellation (absent on a dry run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_id: Option<Uuid>,
    /// The booking.
    #[schema(value_type = Uuid)]
    pub booking_id: BookingId,
    /// `quote` on a dry run; then `applied`, `refunded`, `done`.
    pub status: String,
    /// The seats it cancels.
    pub seats: Vec<String>,
    /// Whether that is every seat the booking had left.
    pub whole: bool,
    /// What it gives back: the booking's worth now, the rest re-priced, the fee kept, the
    /// refund.
    pub quote: RefundQuote,
    /// The currency of the amounts.
    pub currency: String,
    /// Steps after the refund that are still being retried (the theater, a message).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

fn answer(
    id: Option<Uuid>,
    p: &Planned,
    status: &str,
    problems: Vec<String>,
) -> CancellationAnswer {
    CancellationAnswer {
        cancellation_id: id,
        booking_id: p.booking_id,
        status: status.to_owned(),
        seats: p.seats.clone(),
        whole: p.whole,
        quote: p.quote,
        currency: p.currency.clone(),
        problems,
    }
}

/// Cancels a booking. Unpaid: its seats are released (the whole booking). Paid: the whole
/// booking or `seats`, within the theater's policy (refund windows and fees by time before the
/// show, partial cancellation allowed or not); the seats that stay are priced again (an offer
/// that no longer applies is removed from them), the difference less the fee is refunded, a
/// credit note issued, the seats put back on sale and the theater told. Operators may cancel
/// any booking past the policy (no fee), and must say why. `?dry_run=true` answers the quote.
#[utoipa::path(post, path = "/bookings/{booking_id}/cancel", tag = "bookings",
    params(("booking_id" = Uuid, Path), CancelQuery,
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried cancellation the same one")),
    request_body(content = Option<CancelBooking>, description = "Seats to cancel; empty for all"),
    security((), ("bearer" = [])),
    responses((status = 200, body = CancellationAnswer, description = "Cancelled and refunded (paid booking), or the quote (dry run); an unpaid booking answers the Booking"),
              (status = 202, body = CancellationAnswer, description = "Applied: the seats are back on sale; the refund and messages follow"),
              (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Too late (`too_late_to_cancel`), partial cancellation not allowed, the booking changed meanwhile, or closed"),
              (status = 422, body = ErrorEnvelope, description = "A seat not on the booking, or a missing reason"),
              (status = 503, body = ErrorEnvelope)))]
pub async fn cancel_booking(
    state: State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    path: ApiPath<BookingId>,
    q: Result<Query<CancelQuery>, QueryRejection>,
    body: Bytes,
) -> ApiResult<Response> {
    cancel(state, user, headers, path, q, body).await
}

/// Alias of `POST /bookings/{id}/cancel`.
#[utoipa::path(delete, path = "/bookings/{booking_id}", tag = "bookings",
    params(("booking_id" = Uuid, Path), CancelQuery,
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token")),
    request_body(content = Option<CancelBooking>, description = "Seats to cancel; empty for all"),
    security((), ("bearer" = [])),
    responses((status = 200, body = CancellationAnswer), (status = 202, body = CancellationAnswer),
              (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
              (status = 503, body = ErrorEnvelope)))]
pub async fn delete_booking(
    state: State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    path: ApiPath<BookingId>,
    q: Result<Query<CancelQuery>, QueryRejection>,
    body: Bytes,
) -> ApiResult<Response> {
    cancel(state, user, headers, path, q, body).await
}

/// Alias of `POST /bookings/{id}/cancel` (a reservation is a booking).
#[utoipa::path(delete, path = "/reservations/{booking_id}", tag = "bookings",
    params(("booking_id" = Uuid, Path), CancelQuery,
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token")),
    request_body(content = Option<CancelBooking>, description = "Seats to cancel; empty for all"),
    security((), ("bearer" = [])),
    responses((status = 200, body = CancellationAnswer), (status = 202, body = CancellationAnswer),
              (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
              (status = 503, body = ErrorEnvelope)))]
pub async fn delete_reservation(
    state: State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    path: ApiPath<BookingId>,
    q: Result<Query<CancelQuery>, QueryRejection>,
    body: Bytes,
) -> ApiResult<Response> {
    cancel(state, user, headers, path, q, body).await
}

pub(super) async fn cancel(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    ApiPath(booking_id): ApiPath<BookingId>,
    q: Result<Query<CancelQuery>, QueryRejection>,
    body: Bytes,
) -> ApiResult<Response> {
    let dry_run = query(q)?.dry_run.unwrap_or(false);
    let asked: CancelBooking = if body.iter().all(u8::is_ascii_whitespace) {
        CancelBooking::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("body: {e}")))?
    };
    let reason = asked
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON) {
        return Err(ApiError::field("reason", "at most 500 characters"));
    }
    if let Some(seats) = &asked.seats
        && (seats.is_empty()
            || seats.len() > 50
            || seats.iter().any(|s| s.trim().is_empty() || s.len() > 16))
    {
        return Err(ApiError::field("seats", "1 to 50 seat labels"));
    }
    let booking = load_or_404(&state.db, booking_id).await?;
    authorize(&state, user.as_ref(), &headers, &booking, Action::Cancel).await?;
    if booking.status == BookingStatus::PreBooking {
        if asked.seats.is_some() {
            return Err(ApiError::conflict(
                ErrorCode::PartialCancellationNotAllowed,
                "an unpaid booking is cancelled whole: its hold is released",
            ));
        }
        if dry_run {
            return Ok(ApiJson(json!({
                "booking_id": booking_id, "status": "quote", "whole": true,
                "seats": booking.seats.iter().map(|s| s.label.clone()).collect::<Vec<_>>(),
                "refund_minor": 0, "currency": booking.total.currency.to_string(),
            }))
            .into_response());
        }
        return super::pay::cancel_unpaid(&state, booking)
            .await
            .map(IntoResponse::into_response);
    }
    let operator = user
        .as_ref()
        .is_some_and(|u| u.role == Role::Admin && booking.customer_id != Some(u.account_id));
    let actor = if operator {
        Actor::Admin
    } else {
        Actor::Customer
    };
    if operator && reason.is_none() && !dry_run {
        return Err(ApiError::field(
            "reason",
            "operators say why, for the record",
        ));
    }
    let planned = quote(
        &state.db,
        &state.config.settings.pricing,
        booking_id,
        asked.seats.as_deref(),
        actor,
        Utc::now(),
    )
    .await?
    .map_err(unquoted)?;
    if dry_run {
        return Ok(ApiJson(answer(None, &planned, "quote", Vec::new())).into_response());
    }
    let cancellation_id = match IdempotencyKey::from_headers(&headers)? {
        Some(key) => Uuid::new_v5(
            &booking_id.as_uuid(),
            format!("cancel:{}", key.into_string()).as_bytes(),
        ),
        None => Uuid::new_v4(),
    };
    // A retry of a cancellation already applied answers it as it stands.
    if let Some(done) = cancellations::get(&state.db, cancellation_id).await? {
        return Ok(recorded(done));
    }
    let default_reason = match actor {
        Actor::Admin => "cancelled by an operator",
        _ => "cancelled by the customer",
    };
    let input = CancellationInput {
        cancellation_id,
        booking_id,
        seats: Some(planned.seats.clone()),
        actor,
        actor_id: user.as_ref().map(|u| u.account_id),
        reason: reason.unwrap_or(default_reason).to_owned(),
        planned: Some(planned.clone()),
    };
    let options = WorkflowStartOptions::new(
        state.config.settings.task_queue.clone(),
        CancellationInput::workflow_id(cancellation_id),
    )
    .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
    .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
    .static_summary(format!(
        "cancel {} seat(s) of booking {booking_id}",
        planned.seats.len()
    ))
    .build();
    let handle = state
        .temporal
        .start_workflow(CancellationWorkflow::run, input, options)
        .await
        .map_err(|e| ApiError::Unavailable(format!("Temporal: {e}")))?;
    let view: Option<CancellationView> =
        match tokio::time::timeout(WAIT, handle.get_result(Default::default())).await {
            Ok(Ok(view)) => Some(view),
            _ => None,
        };
    match view {
        Some(v) if v.status == "refused" => Err(ApiError::conflict(
            ErrorCode::BookingChanged,
            v.refused.unwrap_or_else(|| "the booking changed".into()),
        )),
        Some(v) => Ok((
            StatusCode::OK,
            ApiJson(answer(
                Some(cancellation_id),
                &planned,
                &v.status,
                v.problems,
            )),
        )
            .into_response()),
        None => {
            let status = cancellations::get(&state.db, cancellation_id)
                .await?
                .map_or_else(|| "planning".to_owned(), |c| c.status);
            let location = format!("/bookings/{booking_id}/cancellations");
            Ok((
                StatusCode::ACCEPTED,
                [(header::LOCATION, location)],
                ApiJson(answer(Some(cancellation_id), &planned, &status, Vec::new())),
            )
                .into_response())
        }
    }
}

fn recorded(c: cancellations::Cancellation) -> Response {
    let status = if c.status == "done" {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let body = CancellationAnswer {
        cancellation_id: Some(c.cancellation_id),
        booking_id: c.booking_id,
        status: c.status,
        seats: c.seats,
        whole: c.whole,
        quote: c.quote,
        currency: c.currency,
        problems: Vec::new(),
    };
    (status, ApiJson(body)).into_response()
}

fn unquoted(e: Unquoted) -> ApiError {
    let message = e.to_string();
    match e {
        Unquoted::NotFound => ApiError::NotFound("booking"),
        Unquoted::NotPaid(_) => ApiError::conflict(ErrorCode::BookingClosed, message),
        Unquoted::NotOnBooking(_) => ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: ErrorCode::SeatNotOnBooking,
            message,
            details: None,
        },
        Unquoted::PartialNotAllowed => {
            ApiError::conflict(ErrorCode::PartialCancellationNotAllowed, message)
        }
        Unquoted::TooLate(_) => ApiError::conflict(ErrorCode::TooLateToCancel, message),
        Unquoted::Unpriced(why) => ApiError::Internal(anyhow::anyhow!("re-pricing: {why}")),
    }
}

/// A booking's cancellations.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CancellationRecord {
    /// Its id.
    pub cancellation_id: Uuid,
    /// Seats cancelled.
    pub seats: Vec<String>,
    /// Whether it cancelled what was left.
    pub whole: bool,
    /// Who: `customer`, `partner`, `admin` or `theater`.
    pub actor_role: String,
    /// Why.
    pub reason: String,
    /// What it gave back.
    pub quote: RefundQuote,
    /// Currency.
    pub currency: String,
    /// `applied`, `refunded` or `done`.
    pub status: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The cancellations of a booking, oldest first (its customer, a guest with its token, or an
/// operator).
#[utoipa::path(get, path = "/bookings/{booking_id}/cancellations", tag = "bookings",
    params(("booking_id" = Uuid, Path),
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token")),
    security((), ("bearer" = [])),
    responses((status = 200, body = [CancellationRecord]), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn list_cancellations(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    ApiPath(booking_id): ApiPath<BookingId>,
) -> ApiResult<ApiJson<Vec<CancellationRecord>>> {
    let booking = load_or_404(&state.db, booking_id).await?;
    authorize(&state, user.as_ref(), &headers, &booking, Action::Read).await?;
    let list = cancellations::of_booking(&state.db, booking_id).await?;
    Ok(ApiJson(
        list.into_iter()
            .map(|c| CancellationRecord {
                cancellation_id: c.cancellation_id,
                seats: c.seats,
                whole: c.whole,
                actor_role: c.actor_role,
                reason: c.reason,
                quote: c.quote,
                currency: c.currency,
                status: c.status,
                created_at: c.created_at,
            })
            .collect(),
    ))
}
