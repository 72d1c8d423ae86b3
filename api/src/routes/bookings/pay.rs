//! `POST /bookings/{id}/pay`, `/cancel` and `/extend`: updates to the booking's saga, answered
//! once the booking is settled, or with 202 when a payment takes longer than
//! `MTBP_PAY_WAIT_SECONDS` (the customer then follows the booking with `GET /bookings/{id}`).

use super::access::{Action, authorize};
use super::json::{Booking, PayBooking};
use super::read::load_or_404;
use super::temporal_error;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::idempotency::IdempotencyKey;
use crate::jobs::saga_relay::{self, Started};
use crate::payment_gateway::{known_payment_method, valid_payment_method_id};
use crate::state::AppState;
use crate::temporal_calls::{self, Call};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mtbp_domain::{BookingId, BookingStatus};
use mtbp_store::{payments, pricing};
use mtbp_workflows::{BookingWorkflow, PayRequest};
use std::time::Duration;
use temporalio_client::errors::WorkflowUpdateError;
use temporalio_client::{
    RpcOptions, WorkflowDescribeOptions, WorkflowExecutionStatus, WorkflowStartUpdateOptions,
};
use temporalio_common::{HasWorkflowDefinition, UpdateDefinition};
use uuid::Uuid;

/// Pays for held seats with a payment method tokenised at the gateway, or one the customer
/// saved. Answers when the saga has settled: 200 when booked, 402 when the payment was refused,
/// 409 when the hold was lost; 202 when the payment is accepted but still running after
/// `MTBP_PAY_WAIT_SECONDS` (poll `GET /bookings/{id}`, or send the same request again: it joins
/// the payment under way). For the booking's customer, or a guest with its token.
#[utoipa::path(post, path = "/bookings/{booking_id}/pay", tag = "bookings",
    params(("booking_id" = Uuid, Path),
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token")),
    request_body = PayBooking, security((), ("bearer" = [])),
    responses(
        (status = 200, body = Booking, description = "Booked; `ticket_code` is set"),
        (status = 202, body = Booking, description = "Payment under way; follow the booking at `Location`",
         headers(("Location" = String, description = "The booking"),
                 ("Retry-After" = u32, description = "Seconds before asking again"))),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 402, body = ErrorEnvelope, description = "The payment was refused"),
        (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope, description = "Not payable now (expired, paid, cancelled, or paying), or `price_changed`: an offer expired or ran out since the quote; nothing was charged, `details.booking` has the new total and quote, and paying again pays it"),
        (status = 422, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)))]
pub async fn pay_booking(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    ApiPath(booking_id): ApiPath<BookingId>,
    ApiJson(body): ApiJson<PayBooking>,
) -> ApiResult<Response> {
    let pm = valid_payment_method_id(&body.payment_method)?;
    let booking = load_or_404(&state.db, booking_id).await?;
    authorize(&state, user.as_ref(), &headers, &booking, Action::Pay).await?;
    match booking.status {
        // Payable, or a payment under way: a retried request joins the same update (its id is
        // fixed), so it gets the first request's answer.
        BookingStatus::PreBooking
        | BookingStatus::PaymentInitiated
        | BookingStatus::PaymentCompleted => {}
        // Already settled: answer as the first request was answered.
        _ => return answer(booking).map(IntoResponse::into_response),
    }
    let method = known_payment_method(&state, pm).await?;
    // A saved card is charged only for the customer who saved it.
    if let Some(owner) = &method.customer {
        let mine = match booking.customer_id {
            Some(customer) => payments::gateway_customer_of(&state.db, customer).await?,
            None => None,
        };
        if mine.as_deref() != Some(owner.as_str()) {
            return Err(ApiError::field(
                "payment_method",
                "this saved payment method belongs to another customer",
            ));
        }
    }
    let request = PayRequest {
        payment_method: pm.to_owned(),
        gateway_customer: method.customer,
    };
    // One payment per quote: a retry joins the payment of the price it saw; after a
    // `price_changed` the booking is re-quoted, and paying again is a new payment.
    let seq = pricing::quote_seq(&state.db, booking_id)
        .await?
        .unwrap_or(0);
    let update_id = format!("pay-{seq}");
    let sent = send_update(&state, booking_id, BookingWorkflow::pay, request, update_id).await;
    match with_new_quote(&state, booking_id, sent).await? {
        Sent::Settled(booking) => answer(booking).map(IntoResponse::into_response),
        Sent::Running(booking) => Ok(under_way(booking)),
        Sent::Ended(booking) => match booking.status {
            BookingStatus::PreBooking
            | BookingStatus::PaymentInitiated
            | BookingStatus::PaymentCompleted => Err(ended(booking)),
            _ => answer(booking).map(IntoResponse::into_response),
        },
    }
}

/// A `price_changed` refusal carries the booking as re-priced (its new total and quote), so
/// the client can show the new price and pay again.
async fn with_new_quote(
    state: &AppState,
    booking_id: BookingId,
    sent: ApiResult<Sent>,
) -> ApiResult<Sent> {
    match sent {
        Err(ApiError::Refused {
            status,
            code: ErrorCode::PriceChanged,
            message,
            ..
        }) => {
            let booking = load_or_404(&state.db, booking_id).await?;
            Err(ApiError::Refused {
                status,
                code: ErrorCode::PriceChanged,
                message,
                details: serde_json::to_value(&booking)
                    .ok()
                    .map(|b| serde_json::json!({ "booking": b })),
            })
        }
        other => other,
    }
}

/// 202: the payment is accepted by the saga and still running.
fn under_way(booking: Booking) -> Response {
    let location = format!("/bookings/{}", booking.booking_id);
    let headers = [
        (header::LOCATION, location),
        (header::RETRY_AFTER, "1".to_owned()),
    ];
    (StatusCode::ACCEPTED, headers, ApiJson(booking)).into_response()
}

/// Cancels an unpaid booking and releases its seats (`POST /bookings/{id}/cancel` on a booking
/// still held; the caller is authorized).
pub(super) async fn cancel_unpaid(
    state: &AppState,
    booking: Booking,
) -> ApiResult<ApiJson<Booking>> {
    let booking_id = booking.booking_id;
    if booking.status == BookingStatus::Cancelled {
        return Ok(ApiJson(booking));
    }
    if booking.status != BookingStatus::PreBooking {
        return Err(not_payable(booking));
    }
    match send_update(
        state,
        booking_id,
        BookingWorkflow::cancel,
        (),
        "cancel".into(),
    )
    .await?
    {
        Sent::Ended(booking) if booking.status != BookingStatus::Cancelled => Err(ended(booking)),
        sent => Ok(sent.booking()),
    }
}

/// Extends an unpaid hold (a bounded number of times, up to a hard cap). With an
/// `Idempotency-Key`, a retried request extends once.
#[utoipa::path(post, path = "/bookings/{booking_id}/extend", tag = "bookings",
    params(("booking_id" = Uuid, Path),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry extend only once"),
           ("X-Booking-Token" = Option<String>, Header, description = "A guest booking's token")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, body = Booking, description = "Extended; see `hold_expires_at`"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope, description = "`extension_limit`, `hold_expired`, paid or closed"),
        (status = 503, body = ErrorEnvelope)))]
pub async fn extend_hold(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    ApiPath(booking_id): ApiPath<BookingId>,
    headers: HeaderMap,
) -> ApiResult<ApiJson<Booking>> {
    let booking = load_or_404(&state.db, booking_id).await?;
    authorize(&state, user.as_ref(), &headers, &booking, Action::Pay).await?;
    if booking.status != BookingStatus::PreBooking {
        return Err(not_payable(booking));
    }
    let update_id = match IdempotencyKey::from_headers(&headers)? {
        Some(key) => format!("extend-{}", key.as_str()),
        None => format!("extend-{}", Uuid::new_v4()),
    };
    match send_update(
        &state,
        booking_id,
        BookingWorkflow::extend_hold,
        (),
        update_id,
    )
    .await?
    {
        Sent::Ended(booking) => Err(ended(booking)),
        sent => Ok(sent.booking()),
    }
}

/// What an update left the booking as.
pub(super) enum Sent {
    /// The update answered: the booking as the saga left it.
    Settled(Booking),
    /// Accepted, still running after `MTBP_PAY_WAIT_SECONDS`: the booking as it stands.
    Running(Booking),
    /// The workflow ended under the update (cancelled by an operator, say): the booking as
    /// the workflow left it.
    Ended(Booking),
}

impl Sent {
    pub(super) fn booking(self) -> ApiJson<Booking> {
        match self {
            Self::Settled(b) | Self::Running(b) | Self::Ended(b) => ApiJson(b),
        }
    }
}

/// Sends `update` to the booking's workflow under `update_id` (so a retry joins the same
/// update and is answered once), waits up to `MTBP_PAY_WAIT_SECONDS` for its answer, then reads
/// the booking. A refusal by the update's validator comes back as the error it explains.
pub(super) async fn send_update<U>(
    state: &AppState,
    booking_id: BookingId,
    update: U,
    input: U::Input,
    update_id: String,
) -> ApiResult<Sent>
where
    U: UpdateDefinition<Workflow = <BookingWorkflow as HasWorkflowDefinition>::Run>,
    U::Input: Send,
    U::Output: 'static,
{
    let started =
        saga_relay::update_with_start(state, booking_id, update, input, &update_id).await?;
    let accepted = match started {
        Started::Sent(handle) => *handle,
        Started::Failed(e) => return update_failed(state, booking_id, e).await,
        Started::Closed => return Ok(Sent::Ended(load_or_404(&state.db, booking_id).await?)),
        Started::NotPending(update, input) => {
            let options = WorkflowStartUpdateOptions::builder()
                .update_id(update_id)
                .build();
            temporal_calls::count(Call::Update);
            match state
                .temporal
                .get_workflow_handle::<BookingWorkflow>(booking_id.workflow_id())
                .start_update(update, input, options)
                .await
            {
                Ok(accepted) => accepted,
                Err(e) => return update_failed(state, booking_id, e).await,
            }
        }
    };
    temporal_calls::count(Call::PollUpdate);
    let waited = tokio::time::timeout(
        state.config.pay_wait,
        accepted.get_result(RpcOptions::default()),
    )
    .await;
    match waited {
        Ok(Ok(_)) => Ok(Sent::Settled(load_or_404(&state.db, booking_id).await?)),
        Ok(Err(e)) => update_failed(state, booking_id, e).await,
        Err(_) => Ok(Sent::Running(load_or_404(&state.db, booking_id).await?)),
    }
}

/// An update that failed: when its workflow ended under it (an operator cancelled it from the
/// Temporal UI), the booking once the workflow has wound down (up to 10 s), logged on one line;
/// otherwise the error the failure explains.
async fn update_failed(
    state: &AppState,
    booking_id: BookingId,
    err: WorkflowUpdateError,
) -> ApiResult<Sent> {
    let Some(reason) = temporal_error::ended_by_workflow(&err) else {
        return Err(temporal_error::update(err));
    };
    let handle = state
        .temporal
        .get_workflow_handle::<BookingWorkflow>(booking_id.workflow_id());
    let deadline = tokio::time::Instant::now() + state.config.pay_wait.min(CLOSE_WAIT);
    while tokio::time::Instant::now() < deadline {
        match handle.describe(WorkflowDescribeOptions::default()).await {
            Ok(d) if d.status() == WorkflowExecutionStatus::Running => {}
            // Closed, or gone: the booking row is final.
            _ => break,
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let booking = load_or_404(&state.db, booking_id).await?;
    tracing::warn!(booking.id = %booking_id, status = ?booking.status, %reason,
        "update ended by the booking's workflow");
    Ok(Sent::Ended(booking))
}

/// How long an update whose workflow was cancelled waits for the workflow to wind down.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

/// The booking's workflow ended under an update: the booking's state, as a 409 (or 402 for a
/// refused payment) with the booking attached.
pub(super) fn ended(booking: Booking) -> ApiError {
    match booking.status {
        BookingStatus::PreBooking
        | BookingStatus::PaymentInitiated
        | BookingStatus::PaymentCompleted => ApiError::Refused {
            status: StatusCode::CONFLICT,
            code: ErrorCode::BookingClosed,
            message: "the booking's workflow was stopped; it cannot change any more".into(),
            details: serde_json::to_value(&booking)
                .ok()
                .map(|b| serde_json::json!({ "booking": b })),
        },
        _ => not_payable(booking),
    }
}

/// A settled booking as a success, or as the error that explains it.
fn answer(booking: Booking) -> ApiResult<ApiJson<Booking>> {
    match booking.status {
        BookingStatus::BookingCompleted
        | BookingStatus::Invoiced
        | BookingStatus::SettlementDone => Ok(ApiJson(booking)),
        _ => Err(not_payable(booking)),
    }
}

/// Explains why a booking in this state cannot be paid (or was not), with the booking attached.
pub(super) fn not_payable(booking: Booking) -> ApiError {
    let (status, code, message) = match booking.status {
        BookingStatus::PaymentFailed => (
            StatusCode::PAYMENT_REQUIRED,
            ErrorCode::PaymentFailed,
            "the payment was refused; the seats are released",
        ),
        BookingStatus::Expired => (
            StatusCode::CONFLICT,
            ErrorCode::HoldExpired,
            "the hold expired",
        ),
        BookingStatus::Refunded => (
            StatusCode::CONFLICT,
            ErrorCode::Refunded,
            "the seats could not be kept; the payment was refunded",
        ),
        BookingStatus::Cancelled => (
            StatusCode::CONFLICT,
            ErrorCode::BookingClosed,
            "the booking was cancelled",
        ),
        BookingStatus::PaymentInitiated | BookingStatus::PaymentCompleted => (
            StatusCode::CONFLICT,
            ErrorCode::PaymentInProgress,
            "a payment for this booking is under way",
        ),
        _ => (
            StatusCode::CONFLICT,
            ErrorCode::AlreadyPaid,
            "this booking is already paid",
        ),
    };
    let message = match &booking.status_reason {
        Some(reason) => format!("{message}: {reason}"),
        None => message.to_owned(),
    };
    ApiError::Refused {
        status,
        code,
        message,
        details: serde_json::to_value(&booking)
            .ok()
            .map(|b| serde_json::json!({ "booking": b })),
    }
}
