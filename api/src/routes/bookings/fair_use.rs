//! The hold's fair-use limits and minimum charge as the API applies and explains them: which
//! limits a request runs under, and the 429 or 422 when one is reached.

use crate::auth::Role;
use crate::error::{ApiError, ErrorCode};
use crate::limits::ClientAddr;
use crate::state::AppState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mtbp_domain::Money;
use mtbp_store::seats::{HoldLimits, LimitScope, TooManyHolds};
use serde_json::json;

/// The limits a hold by `role` (none: a guest) from `client` runs under. Brokers book groups
/// under contract and are not limited; an exempt or unknown address has no per-address limit.
pub(super) fn hold_limits(state: &AppState, role: Option<Role>, client: ClientAddr) -> HoldLimits {
    if matches!(role, Some(Role::Broker)) {
        return HoldLimits::default();
    }
    let limits = &state.config.limits;
    HoldLimits {
        per_email: limits.holds_per_email,
        per_address: client
            .0
            .filter(|addr| !limits.is_exempt(*addr))
            .map(|addr| (addr, limits.holds_per_address)),
    }
}

/// 429 with `Retry-After`: the seconds until the first of the counted holds lapses.
pub(super) fn too_many_holds(refused: TooManyHolds) -> Response {
    let whose = match refused.scope {
        LimitScope::Email => "this contact email",
        LimitScope::Address => "this network address",
    };
    let message = format!(
        "{whose} already has {} unpaid holds on this show: pay for or cancel one, or retry once \
         one lapses",
        refused.limit
    );
    let mut resp = ApiError::Refused {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: ErrorCode::TooManyHolds,
        message,
        details: Some(json!({
            "scope": refused.scope.as_str(),
            "limit": refused.limit,
            "retry_after_seconds": refused.retry_after_seconds,
        })),
    }
    .into_response();
    resp.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(refused.retry_after_seconds),
    );
    resp
}

/// 422: the gateway could never charge a total this small.
pub(super) fn below_minimum(total: &Money, minimum: &Money) -> ApiError {
    let (amount_minor, minimum_minor) = (total.amount_minor, minimum.amount_minor);
    let currency = total.currency.as_str();
    ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: ErrorCode::AmountBelowMinimum,
        message: format!(
            "the seats cost {amount_minor} ({currency} minor units), below the smallest \
             payment the gateway takes: {minimum_minor}"
        ),
        details: Some(json!({
            "amount_minor": amount_minor,
            "minimum_minor": minimum_minor,
            "currency": currency,
        })),
    }
}
