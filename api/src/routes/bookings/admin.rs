//! `GET /admin/bookings/{id}` and `POST /admin/bookings/{id}/actions` (operators): everything
//! known about one booking in one answer, and the audited actions that repair it. Every action
//! goes to the booking's workflow (an update) or to a cancellation workflow; none edits a table
//! of the booking. Each is recorded in `operator_actions` before it is sent and settled with
//! the saga's answer.

use super::cancel::{CancelQuery, cancel};
use super::json::Booking;
use super::read::load_or_404;
use super::temporal_error;
use crate::auth::{AuthUser, Role, access::require};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use mtbp_domain::{BookingId, NotificationKind};
use mtbp_store::operator_actions::{self, ActionRecord};
use mtbp_workflows::{
    BookingRepairWorkflow, BookingView, BookingWorkflow, CancellationInput, CancellationWorkflow,
    OperatorAction, OperatorCommand, OperatorStep, OperatorTask, RefundDecision, RepairInput,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;
use temporalio_client::errors::WorkflowUpdateError;
use temporalio_client::{
    RpcOptions, WorkflowDescribeOptions, WorkflowQueryOptions, WorkflowStartUpdateOptions,
};
use utoipa::ToSchema;
use uuid::Uuid;

/// Longest note kept.
const MAX_NOTE: usize = 500;
/// How long a gateway or Temporal read of the report may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// One booking as operators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingReport {
    /// The booking's row (what its customer sees).
    pub booking: Booking,
    /// Its workflow: status, the Temporal UI link, activities being retried.
    #[schema(value_type = Object)]
    pub workflow: Value,
    /// The saga's own account (its `status` query): step, timeline, flags; `null` when the
    /// workflow does not answer.
    #[schema(value_type = Object)]
    pub saga: Option<BookingView>,
    /// Payments, refunds, invoices, notifications, the theater's answer and cancellations.
    #[schema(value_type = Object)]
    pub records: Value,
    /// What the payment gateway itself says of the payment and its refunds.
    #[schema(value_type = Object)]
    pub gateway: Value,
    /// Operator actions on the booking, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub operator_actions: Vec<ActionRecord>,
}

/// Everything about one booking: its row, its workflow (with activities under retry and
/// their last failure), the saga's timeline, the database's payments, refunds, invoices,
/// notifications, theater answer and cancellations, the gateway's own state, and the operator
/// actions taken. Operators only.
#[utoipa::path(get, path = "/admin/bookings/{booking_id}", tag = "ops",
    params(("booking_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = BookingReport), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 503, body = ErrorEnvelope)))]
pub async fn get_booking_report(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(booking_id): ApiPath<BookingId>,
) -> ApiResult<ApiJson<BookingReport>> {
    require(
        &user,
        &[Role::Admin],
        "reading a booking's operations report",
    )?;
    let booking = load_or_404(&state.db, booking_id).await?;
    let records = operator_actions::records(&state.db, booking_id).await?;
    let actions = operator_actions::of_booking(&state.db, booking_id).await?;
    let (workflow, saga) = workflow_report(&state, booking_id).await;
    let gateway = gateway_report(&state, &records.payments).await;
    Ok(ApiJson(BookingReport {
        booking,
        workflow,
        saga,
        records: serde_json::to_value(&records).unwrap_or(Value::Null),
        gateway,
        operator_actions: actions,
    }))
}

/// The workflow's description and the saga's query, each `null`-safe: a report is still
/// useful when Temporal does not answer.
async fn workflow_report(state: &AppState, booking_id: BookingId) -> (Value, Option<BookingView>) {
    let workflow_id = booking_id.workflow_id();
    let ui = format!(
        "{}/namespaces/{}/workflows/{workflow_id}",
        state.config.temporal_ui_url.trim_end_matches('/'),
        state.config.settings.temporal_namespace
    );
    let handle = state
        .temporal
        .get_workflow_handle::<BookingWorkflow>(workflow_id.clone());
    let described = tokio::time::timeout(
        READ_TIMEOUT,
        handle.describe(WorkflowDescribeOptions::default()),
    )
    .await;
    let workflow = match described {
        Ok(Ok(d)) => {
            let raw = &d.raw_description;
            let pending: Vec<Value> = raw
                .pending_activities
                .iter()
                .map(|a| {
                    json!({
                        "activity": a.activity_type.as_ref().map(|t| t.name.clone()),
                        "state": a.state().as_str_name(),
                        "attempt": a.attempt,
                        "maximum_attempts": a.maximum_attempts,
                        "last_failure": a.last_failure.as_ref().map(|f| f.message.clone()),
                    })
                })
                .collect();
            json!({
                "workflow_id": workflow_id,
                "status": format!("{:?}", d.status()),
                "temporal_ui": ui,
                "pending_activities": pending,
                "history_length": raw.workflow_execution_info.as_ref().map(|i| i.history_length),
            })
        }
        Ok(Err(e)) => json!({"workflow_id": workflow_id, "temporal_ui": ui,
                             "error": format!("{e}").chars().take(300).collect::<String>()}),
        Err(_) => json!({"workflow_id": workflow_id, "temporal_ui": ui,
                         "error": "Temporal did not answer in time"}),
    };
    let queried = tokio::time::timeout(
        READ_TIMEOUT,
        handle.query(BookingWorkflow::status, (), WorkflowQueryOptions::default()),
    )
    .await;
    let saga = match queried {
        Ok(Ok(view)) => Some(view),
        _ => None,
    };
    (workflow, saga)
}

/// The gateway's own word on the booking's payment and its refunds (`null` without one).
async fn gateway_report(state: &AppState, payments: &Value) -> Value {
    let Some(intent) = payments
        .as_array()
        .and_then(|p| p.last())
        .and_then(|p| p.get("gateway_payment_id"))
        .and_then(Value::as_str)
    else {
        return Value::Null;
    };
    let read = async {
        let pi = state.gateway.get_payment_intent(intent).await?;
        let charges: Vec<String> = pi
            .charges
            .as_ref()
            .map(|c| c.data.iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default();
        let refunds = state.gateway.refunds_of(intent, &charges).await?;
        Ok::<_, mtbp_infra::gateway::GatewayError>(json!({
            "payment_intent": pi.id,
            "status": pi.status,
            "amount_minor": pi.amount,
            "last_error": pi.last_payment_error.as_ref().map(|e| e.code.clone()),
            "refunds": refunds.iter().map(|r| json!({"refund": r.id, "amount_minor": r.amount}))
                .collect::<Vec<_>>(),
            "refunded_minor": refunds.iter().map(|r| r.amount).sum::<i64>(),
        }))
    };
    match tokio::time::timeout(READ_TIMEOUT, read).await {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => json!({"payment_intent": intent, "error": e.to_string()}),
        Err(_) => json!({"payment_intent": intent, "error": "the gateway did not answer in time"}),
    }
}

/// An operator's action on a booking.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingAction {
    /// What to do.
    pub action: ActionKind,
    /// Why, for the record: 1 to 500 characters; ids and facts, never customer details.
    pub note: String,
    /// For `resend_notification`: which message (`confirmation`, `reminder`, `refund`…).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub kind: Option<NotificationKind>,
    /// For `cancel` and `refund` of a paid booking: only these seats (all if absent).
    #[serde(default)]
    pub seats: Option<Vec<String>>,
}

/// The actions.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Run the failed step again: a compensation waiting for an operator, or the invoice,
    /// notification or theater share that failed after the payment.
    Retry,
    /// Accept the failed step as it is (the operator settled it another way).
    MarkResolved,
    /// End an unpaid hold now: the seats go back on sale.
    ForceExpire,
    /// Cancel the booking: an unpaid one releases its seats; a paid one is cancelled past the
    /// theater's policy, without a fee, and refunded.
    Cancel,
    /// Give a paid booking's money back (all of it, or `seats`'): a cancellation with refund.
    Refund,
    /// Send a notification again that was not delivered.
    ResendNotification,
    /// Share the sale with the theater again.
    ReshareWithTheater,
}

impl ActionKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Retry => "retry",
            Self::MarkResolved => "mark_resolved",
            Self::ForceExpire => "force_expire",
            Self::Cancel => "cancel",
            Self::Refund => "refund",
            Self::ResendNotification => "resend_notification",
            Self::ReshareWithTheater => "reshare_with_theater",
        }
    }
}

/// Acts on a booking and answers with its operations report. The action is recorded (who,
/// when, why, how it went) and shown in the report and the saga's timeline. 409 when it does
/// not apply to the booking as it is, or its step failed again (`operator_step_failed`).
/// Operators only.
#[utoipa::path(post, path = "/admin/bookings/{booking_id}/actions", tag = "ops",
    params(("booking_id" = Uuid, Path)), request_body = BookingAction,
    security(("bearer" = [])),
    responses((status = 200, body = BookingReport), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
              (status = 503, body = ErrorEnvelope)))]
pub async fn act_on_booking(
    state: State<AppState>,
    user: AuthUser,
    path: ApiPath<BookingId>,
    ApiJson(body): ApiJson<BookingAction>,
) -> ApiResult<Response> {
    require(&user, &[Role::Admin], "acting on a booking")?;
    let booking_id = path.0;
    let note = body.note.trim().to_owned();
    if note.is_empty() || note.chars().count() > MAX_NOTE {
        return Err(ApiError::field(
            "note",
            format!("say why, in 1 to {MAX_NOTE} characters"),
        ));
    }
    if body.action == ActionKind::ResendNotification && body.kind.is_none() {
        return Err(ApiError::field("kind", "which notification to send again"));
    }
    if body.kind.is_some() && body.action != ActionKind::ResendNotification {
        return Err(ApiError::field("kind", "only for resend_notification"));
    }
    if body.seats.is_some() && !matches!(body.action, ActionKind::Cancel | ActionKind::Refund) {
        return Err(ApiError::field("seats", "only for cancel and refund"));
    }
    let booking = load_or_404(&state.db, booking_id).await?;
    let detail = json!({"kind": body.kind.map(NotificationKind::as_str), "seats": body.seats});
    let action_id = operator_actions::begin(
        &state.db,
        booking_id,
        user.account_id,
        body.action.as_str(),
        &note,
        &detail,
    )
    .await?;
    let done = perform(&state, &user, booking_id, &booking, &body, &note, path).await;
    let (outcome, answer) = match &done {
        Ok(()) => ("done", "done".to_owned()),
        Err(ApiError::Refused { message, .. }) => ("refused", message.clone()),
        Err(e) => ("failed", e.to_string()),
    };
    operator_actions::finish(&state.db, action_id, outcome, &answer).await?;
    tracing::info!(booking.id = %booking_id, operator.id = %user.account_id,
        action = body.action.as_str(), outcome, "operator action");
    done?;
    Ok(get_booking_report(state, user, ApiPath(booking_id))
        .await?
        .into_response())
}

/// Sends an update to the booking's workflow and waits for its answer, as the client's own
/// error (a closed workflow is `NotFound`; [`temporal_error::update`] maps it to 409
/// `booking_closed`).
macro_rules! update {
    ($state:expr, $booking:expr, $method:expr, $input:expr) => {
        async {
            let options = WorkflowStartUpdateOptions::builder()
                .update_id(format!("operator-{}", Uuid::new_v4()))
                .build();
            $state
                .temporal
                .get_workflow_handle::<BookingWorkflow>($booking.workflow_id())
                .start_update($method, $input, options)
                .await?
                .get_result(RpcOptions::default())
                .await
                .map(|_| ())
        }
    };
}

/// Whether the booking's saga has ended (its workflow closed).
async fn saga_ended(state: &AppState, booking_id: BookingId) -> bool {
    use temporalio_client::WorkflowExecutionStatus;
    let handle = state
        .temporal
        .get_workflow_handle::<BookingWorkflow>(booking_id.workflow_id());
    matches!(
        tokio::time::timeout(READ_TIMEOUT, handle.describe(WorkflowDescribeOptions::default())).await,
        Ok(Ok(d)) if d.status() != WorkflowExecutionStatus::Running
    )
}

/// Runs a resend, re-share or invoice retry of an ended saga as a `BookingRepairWorkflow`
/// (the saga's own activities, idempotent as there) and waits for its answer.
async fn repair(
    state: &AppState,
    booking_id: BookingId,
    command: OperatorCommand,
) -> ApiResult<()> {
    use temporalio_client::{WorkflowGetResultOptions, WorkflowStartOptions};
    let input = RepairInput {
        booking_id,
        command,
    };
    let options = WorkflowStartOptions::new(
        state.config.settings.task_queue.clone(),
        input.workflow_id(Uuid::new_v4()),
    )
    .static_summary(format!("operator repair of booking {booking_id}"))
    .build();
    let handle = state
        .temporal
        .start_workflow(BookingRepairWorkflow::run, input, options)
        .await
        .map_err(|e| ApiError::Unavailable(format!("Temporal: {e}")))?;
    match tokio::time::timeout(
        Duration::from_secs(90),
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(ApiError::conflict(
            ErrorCode::OperatorStepFailed,
            format!("the step failed again: {e}")
                .chars()
                .take(300)
                .collect::<String>(),
        )),
        Err(_) => Err(ApiError::Unavailable(
            "the repair did not answer within 90 s; it goes on, see the Temporal UI".into(),
        )),
    }
}

/// Gives an operator's retry or resolve to a cancellation of the booking whose refund waits for
/// one (`refund_failed`); whether one took it (none waiting: the booking's own saga is asked).
async fn refund_decided(
    state: &AppState,
    user: &AuthUser,
    booking_id: BookingId,
    body: &BookingAction,
    note: &str,
) -> ApiResult<bool> {
    for id in operator_actions::unrefunded_cancellations(&state.db, booking_id).await? {
        let decision = RefundDecision {
            resolved: body.action == ActionKind::MarkResolved,
            operator_id: user.account_id,
            note: note.to_owned(),
        };
        let options = WorkflowStartUpdateOptions::builder()
            .update_id(format!("operator-{}", Uuid::new_v4()))
            .build();
        let started = state
            .temporal
            .get_workflow_handle::<CancellationWorkflow>(CancellationInput::workflow_id(id))
            .start_update(CancellationWorkflow::operate_refund, decision, options)
            .await;
        match started.map_err(temporal_error::update) {
            Ok(accepted) => {
                accepted
                    .get_result(RpcOptions::default())
                    .await
                    .map_err(temporal_error::update)?;
                return Ok(true);
            }
            // Not waiting (its refund is being retried, or it ended): the next one, or the saga.
            Err(ApiError::Refused {
                code: ErrorCode::NotApplicable | ErrorCode::BookingClosed,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

async fn perform(
    state: &State<AppState>,
    user: &AuthUser,
    booking_id: BookingId,
    booking: &Booking,
    body: &BookingAction,
    note: &str,
    path: ApiPath<BookingId>,
) -> ApiResult<()> {
    let flagged = booking.needs_operator.is_some();
    if matches!(body.action, ActionKind::Retry | ActionKind::MarkResolved)
        && refund_decided(state, user, booking_id, body, note).await?
    {
        return Ok(());
    }
    match body.action {
        ActionKind::Retry | ActionKind::MarkResolved if flagged => {
            let action = OperatorAction {
                action: if body.action == ActionKind::Retry {
                    OperatorStep::Retry
                } else {
                    OperatorStep::MarkResolved
                },
                operator_id: user.account_id,
                note: note.to_owned(),
            };
            update!(state, booking_id, BookingWorkflow::resolve, action)
                .await
                .map_err(temporal_error::update)
        }
        ActionKind::Cancel | ActionKind::Refund => {
            if body.action == ActionKind::Refund && !booking.status.is_booked() {
                return Err(ApiError::conflict(
                    ErrorCode::NotApplicable,
                    "only a paid booking is refunded; cancel an unpaid one",
                ));
            }
            let asked = json!({"seats": body.seats, "reason": note});
            let answer = cancel(
                state.clone(),
                Some(*user),
                HeaderMap::new(),
                path,
                Ok(Query(CancelQuery::default())),
                asked.to_string().into(),
            )
            .await?;
            if answer.status().is_success() {
                Ok(())
            } else {
                Err(ApiError::Unavailable(
                    "the cancellation did not answer".into(),
                ))
            }
        }
        other => {
            let task = match other {
                ActionKind::ForceExpire => OperatorTask::ForceExpire,
                ActionKind::ResendNotification => OperatorTask::ResendNotification {
                    kind: body.kind.unwrap_or(NotificationKind::Confirmation),
                },
                ActionKind::ReshareWithTheater => OperatorTask::ReshareWithTheater,
                ActionKind::Retry => OperatorTask::RetryStep,
                _ => OperatorTask::MarkResolved,
            };
            let command = OperatorCommand {
                task,
                operator_id: user.account_id,
                note: note.to_owned(),
            };
            let repairable = matches!(
                task,
                OperatorTask::ResendNotification { .. }
                    | OperatorTask::ReshareWithTheater
                    | OperatorTask::RetryStep
            );
            if repairable && saga_ended(state, booking_id).await {
                return repair(state, booking_id, command).await;
            }
            match update!(state, booking_id, BookingWorkflow::operate, command.clone()).await {
                // The saga closed between the look and the update: the repair does it.
                Err(WorkflowUpdateError::NotFound(_)) if repairable => {
                    repair(state, booking_id, command).await
                }
                done => done.map_err(temporal_error::update),
            }
        }
    }
}
