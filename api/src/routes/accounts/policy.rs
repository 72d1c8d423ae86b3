//! `GET|PUT /partners/{id}/policy`: what a partner's customers may do (hold length, refund
//! windows and fees, partial cancellation). Operators set it; the partner's staff read it.

use crate::auth::AuthUser;
use crate::auth::access::{forbidden, manage_partner};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::PartnerId;
use mtbp_domain::cancellation::{PartnerPolicy, PolicyError};
use mtbp_store::theaters;

/// The partner's policy (the defaults until an operator sets one).
#[utoipa::path(get, path = "/partners/{partner_id}/policy", tag = "partners",
    params(("partner_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = PartnerPolicy), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_policy(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
) -> ApiResult<ApiJson<PartnerPolicy>> {
    manage_partner(&state.db, &user, partner_id).await?;
    theaters::policy(&state.db, partner_id)
        .await?
        .map(ApiJson)
        .ok_or(ApiError::NotFound("partner"))
}

/// Sets the partner's policy (operators). Holds made from now on, and cancellations quoted
/// from now on, follow it.
#[utoipa::path(put, path = "/partners/{partner_id}/policy", tag = "partners",
    params(("partner_id" = Uuid, Path)), request_body = PartnerPolicy, security(("bearer" = [])),
    responses((status = 200, body = PartnerPolicy), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn put_policy(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
    ApiJson(body): ApiJson<PartnerPolicy>,
) -> ApiResult<ApiJson<PartnerPolicy>> {
    manage_partner(&state.db, &user, partner_id).await?;
    if !user.is_operator() {
        return Err(forbidden("only operators set a partner's policy"));
    }
    body.validate().map_err(|e| match e {
        PolicyError::HoldSeconds => ApiError::field("hold_seconds", e.to_string()),
        PolicyError::Windows(_) => ApiError::field("refund_windows", e.to_string()),
    })?;
    let policy = body.sorted();
    theaters::set_policy(&state.db, partner_id, &policy, user.account_id).await?;
    state.theaters.forget_all();
    Ok(ApiJson(policy))
}
