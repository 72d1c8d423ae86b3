//! The payment gateway as the API's handlers use it outside the saga (checking and saving a
//! payment method): one home shared by the booking and account routes, which import from here
//! rather than from each other.

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use axum::http::StatusCode;
use mtbp_infra::gateway::{GatewayError, PaymentMethod};

/// Checks a client-supplied gateway payment method id.
pub fn valid_payment_method_id(raw: &str) -> ApiResult<&str> {
    let pm = raw.trim();
    if pm.is_empty()
        || pm.len() > 255
        || !pm.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(ApiError::field(
            "payment_method",
            "a gateway payment method id such as pm_…",
        ));
    }
    Ok(pm)
}

/// The payment method as the gateway has it; 422 if the gateway does not know it.
pub async fn known_payment_method(state: &AppState, pm_id: &str) -> ApiResult<PaymentMethod> {
    state
        .gateway
        .payment_method(pm_id)
        .await
        .map_err(gateway_error)?
        .ok_or_else(|| {
            ApiError::field(
                "payment_method",
                "the gateway does not know this payment method",
            )
        })
}

/// A gateway failure outside the saga (checking or saving a payment method), as an API error.
pub fn gateway_error(e: GatewayError) -> ApiError {
    match e {
        GatewayError::Declined { code, message } => ApiError::Refused {
            status: StatusCode::PAYMENT_REQUIRED,
            code: ErrorCode::CardDeclined,
            message: format!("the gateway declined the card ({code}): {message}"),
            details: None,
        },
        GatewayError::Rejected { status: 404, .. } => ApiError::field(
            "payment_method",
            "the gateway does not know this payment method",
        ),
        GatewayError::Unavailable(e) => {
            ApiError::Unavailable(format!("the payment gateway did not answer: {e}"))
        }
        other @ GatewayError::Rejected { .. } => ApiError::Internal(anyhow::Error::new(other)),
    }
}
