//! Maps Temporal client errors to API errors, once.

use crate::error::{ApiError, ErrorCode};
use axum::http::StatusCode;
use mtbp_workflows::booking::Refusal;
use temporalio_client::errors::WorkflowUpdateError;
use temporalio_client::tonic::{Code, Status};
use temporalio_common::protos::temporal::api::failure::v1::{Failure, failure::FailureInfo};

/// A gRPC error from the Temporal frontend.
pub fn rpc(status: &Status) -> ApiError {
    match status.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted | Code::Cancelled => {
            ApiError::Unavailable(format!(
                "the workflow service did not answer: {}",
                status.message()
            ))
        }
        Code::NotFound => ApiError::NotFound("booking"),
        _ => ApiError::Internal(anyhow::anyhow!("temporal: {status}")),
    }
}

/// An update refused by its validator or failed by its handler: a [`Refusal`] becomes its error
/// code.
pub fn update(err: WorkflowUpdateError) -> ApiError {
    match err {
        WorkflowUpdateError::Failed(failure) => from_message(&failure.message),
        WorkflowUpdateError::NotFound(_) => ApiError::conflict(
            ErrorCode::BookingClosed,
            "this booking has ended and cannot change any more",
        ),
        WorkflowUpdateError::Rpc(status) => rpc(&status),
        other => ApiError::Internal(anyhow::Error::new(other)),
    }
}

/// Whether an update ended because its workflow did (an operator cancelled or terminated it,
/// say from the Temporal UI) rather than by the update's own answer: the caller then reports
/// the booking's state instead of an error. A short, one-line reason when so.
pub fn ended_by_workflow(err: &WorkflowUpdateError) -> Option<String> {
    match err {
        WorkflowUpdateError::NotFound(_) => Some("the workflow is closed".to_owned()),
        WorkflowUpdateError::Failed(failure) if cancelled(failure) => {
            Some(one_line(&failure.message))
        }
        _ => None,
    }
}

/// A cancellation anywhere in the failure's chain.
fn cancelled(failure: &Failure) -> bool {
    let mut next = Some(failure);
    while let Some(f) = next {
        if matches!(f.failure_info, Some(FailureInfo::CanceledFailureInfo(_)))
            || (Refusal::of_message(&f.message).is_none()
                && f.message.to_ascii_lowercase().contains("cancel"))
        {
            return true;
        }
        next = f.cause.as_deref();
    }
    false
}

fn one_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

/// The answer to a refusal of the booking workflow.
fn refusal_error(refusal: Refusal) -> Option<(ErrorCode, StatusCode)> {
    let conflict = |code| Some((code, StatusCode::CONFLICT));
    match refusal {
        Refusal::PaymentInProgress => conflict(ErrorCode::PaymentInProgress),
        Refusal::AlreadyPaid => conflict(ErrorCode::AlreadyPaid),
        Refusal::BookingClosed => conflict(ErrorCode::BookingClosed),
        Refusal::NotHeld => conflict(ErrorCode::NotHeld),
        Refusal::ExtensionLimit => conflict(ErrorCode::ExtensionLimit),
        Refusal::HoldExpired => conflict(ErrorCode::HoldExpired),
        Refusal::NotFlagged => conflict(ErrorCode::NotFlagged),
        Refusal::OperatorActionInProgress => conflict(ErrorCode::OperatorActionInProgress),
        Refusal::InvalidNote => Some((ErrorCode::InvalidNote, StatusCode::UNPROCESSABLE_ENTITY)),
        Refusal::UnknownOfferCode => Some((
            ErrorCode::UnknownOfferCode,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Refusal::PriceChanged => conflict(ErrorCode::PriceChanged),
        Refusal::NotApplicable => conflict(ErrorCode::NotApplicable),
        Refusal::OperatorStepFailed => conflict(ErrorCode::OperatorStepFailed),
        Refusal::InvalidPaymentMethod => Some((
            ErrorCode::InvalidPaymentMethod,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        // A dependency failed inside the workflow: the caller may retry.
        Refusal::HoldFailed | Refusal::ExtendFailed => None,
    }
}

fn from_message(message: &str) -> ApiError {
    match Refusal::of_message(message) {
        Some((refusal, text)) => match refusal_error(refusal) {
            Some((code, status)) => ApiError::Refused {
                status,
                code,
                message: text.to_owned(),
                details: None,
            },
            None => {
                ApiError::Unavailable(format!("the seats could not be changed right now: {text}"))
            }
        },
        None => ApiError::Internal(anyhow::anyhow!("workflow update failed: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use temporalio_common::protos::temporal::api::failure::v1::ApplicationFailureInfo;

    fn failed(message: &str) -> WorkflowUpdateError {
        WorkflowUpdateError::Failed(Box::new(Failure {
            message: message.to_owned(),
            failure_info: Some(FailureInfo::ApplicationFailureInfo(
                ApplicationFailureInfo::default(),
            )),
            ..Failure::default()
        }))
    }

    #[test]
    fn an_update_cut_short_by_a_workflow_cancellation_is_told_apart_on_one_line() {
        let reason = ended_by_workflow(&failed("Workflow wait cancelled\n  at somewhere"));
        assert_eq!(reason.as_deref(), Some("Workflow wait cancelled"));
        // An update's own refusals keep their meaning, even when they mention a cancellation.
        assert!(ended_by_workflow(&failed("booking_closed: the booking was cancelled")).is_none());
        assert!(ended_by_workflow(&failed("payment_in_progress: paying")).is_none());
    }
}
