//! Maps Temporal client errors to API errors, once.

use crate::error::ApiError;
use axum::http::StatusCode;
use temporalio_client::errors::WorkflowUpdateError;
use temporalio_client::tonic::{Code, Status};

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

/// An update refused by its validator or failed by its handler. Their messages start with a
/// stable code (`payment_in_progress: …`), which becomes the error code.
pub fn update(err: WorkflowUpdateError) -> ApiError {
    match err {
        WorkflowUpdateError::Failed(failure) => from_message(&failure.message),
        WorkflowUpdateError::NotFound(_) => ApiError::conflict(
            "booking_closed",
            "this booking has ended and cannot change any more",
        ),
        WorkflowUpdateError::Rpc(status) => rpc(&status),
        other => ApiError::Internal(anyhow::Error::new(other)),
    }
}

fn from_message(message: &str) -> ApiError {
    let (code, text) = message.split_once(": ").unwrap_or(("", message));
    let known: Option<(&'static str, StatusCode)> = match code {
        "payment_in_progress" => Some(("payment_in_progress", StatusCode::CONFLICT)),
        "already_paid" => Some(("already_paid", StatusCode::CONFLICT)),
        "booking_closed" => Some(("booking_closed", StatusCode::CONFLICT)),
        "not_held" => Some(("not_held", StatusCode::CONFLICT)),
        "extension_limit" => Some(("extension_limit", StatusCode::CONFLICT)),
        "hold_expired" => Some(("hold_expired", StatusCode::CONFLICT)),
        "not_flagged" => Some(("not_flagged", StatusCode::CONFLICT)),
        "operator_action_in_progress" => {
            Some(("operator_action_in_progress", StatusCode::CONFLICT))
        }
        "invalid_note" => Some(("invalid_note", StatusCode::UNPROCESSABLE_ENTITY)),
        "invalid_payment_method" => {
            Some(("invalid_payment_method", StatusCode::UNPROCESSABLE_ENTITY))
        }
        _ => None,
    };
    match known {
        Some((code, status)) => ApiError::Refused {
            status,
            code,
            message: text.to_owned(),
            details: None,
        },
        None if code == "hold_failed" || code == "extend_failed" => {
            ApiError::Unavailable(format!("the seats could not be changed right now: {text}"))
        }
        None => ApiError::Internal(anyhow::anyhow!("workflow update failed: {message}")),
    }
}
