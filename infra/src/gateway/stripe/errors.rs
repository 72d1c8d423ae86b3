//! What a gateway failure means: a decline (a business outcome), a rejection (a bug, do not
//! retry) or trouble worth retrying, decided once from the HTTP status and Stripe's error body.

use super::wire::ErrorBody;

/// What went wrong talking to the gateway.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The card or payment method was refused: a business outcome, not a fault.
    #[error("card refused: {code}: {message}")]
    Declined {
        /// Gateway decline code, e.g. `card_declined`.
        code: String,
        /// Gateway message.
        message: String,
    },
    /// The gateway refused the request itself (4xx): retrying will not help.
    #[error("gateway rejected the request ({status}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Gateway message.
        message: String,
    },
    /// Network trouble or a gateway 5xx: worth retrying.
    #[error("gateway unavailable: {0}")]
    Unavailable(String),
}

/// Codes that mean "this card or payment method will not pay", as opposed to a bad request.
const DECLINE_CODES: &[&str] = &[
    "card_declined",
    "expired_card",
    "incorrect_cvc",
    "incorrect_number",
    "insufficient_funds",
    "processing_error",
    "authentication_required",
    "payment_intent_authentication_failure",
    "payment_method_unactivated",
];

/// Error codes that mean "another request is working on this object right now": the same
/// request, retried a moment later, is answered (Stripe's `idempotency_key_in_use` on a
/// concurrent request with the same key, `lock_timeout` on a busy object).
const IN_FLIGHT_CODES: &[&str] = &["idempotency_key_in_use", "lock_timeout"];

pub(super) fn classify(status: u16, err: Option<ErrorBody>) -> GatewayError {
    // A 409 without a body we can read is a conflict with a request in flight: retry it.
    if status == 409
        && err.as_ref().is_none_or(|e| {
            e.code
                .as_deref()
                .is_none_or(|c| IN_FLIGHT_CODES.contains(&c))
        })
    {
        return GatewayError::Unavailable("another request for this payment is in flight".into());
    }
    if err
        .as_ref()
        .and_then(|e| e.code.as_deref())
        .is_some_and(|c| IN_FLIGHT_CODES.contains(&c))
    {
        return GatewayError::Unavailable("the gateway is busy with this payment".into());
    }
    let Some(err) = err else {
        return GatewayError::Rejected {
            status,
            message: "no error body".into(),
        };
    };
    let message = err.message.clone().unwrap_or_default();
    let code = err
        .decline_code
        .clone()
        .or(err.code.clone())
        .unwrap_or_default();
    let is_card = err.kind.as_deref() == Some("card_error")
        || status == 402
        || DECLINE_CODES.contains(&code.as_str());
    if is_card {
        GatewayError::Declined { code, message }
    } else {
        GatewayError::Rejected { status, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(kind: &str, code: &str) -> Option<ErrorBody> {
        Some(ErrorBody {
            kind: Some(kind.into()),
            code: Some(code.into()),
            message: Some("m".into()),
            decline_code: None,
        })
    }

    #[test]
    fn card_errors_are_declines_and_bad_requests_are_rejections() {
        assert!(matches!(
            classify(402, body("card_error", "card_declined")),
            GatewayError::Declined { .. }
        ));
        // localstripe reports declines as invalid_request_error with a decline code.
        assert!(matches!(
            classify(400, body("invalid_request_error", "card_declined")),
            GatewayError::Declined { .. }
        ));
        assert!(matches!(
            classify(400, body("invalid_request_error", "parameter_missing")),
            GatewayError::Rejected { status: 400, .. }
        ));
        assert!(matches!(
            classify(404, None),
            GatewayError::Rejected { status: 404, .. }
        ));
    }

    #[test]
    fn a_request_in_flight_with_the_same_key_is_retried_not_refused() {
        assert!(matches!(
            classify(409, body("idempotency_error", "idempotency_key_in_use")),
            GatewayError::Unavailable(_)
        ));
        assert!(matches!(classify(409, None), GatewayError::Unavailable(_)));
        assert!(matches!(
            classify(400, body("invalid_request_error", "lock_timeout")),
            GatewayError::Unavailable(_)
        ));
        // The same key reused with other parameters is a bug, not a race: refused.
        assert!(matches!(
            classify(400, body("idempotency_error", "idempotency_key_reused")),
            GatewayError::Rejected { status: 400, .. }
        ));
    }
}
