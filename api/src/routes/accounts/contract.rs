//! `GET|PUT /partners/{id}/contract`: how a partner is settled (period, time zone and cut-off,
//! commission, fee shares, minimum payout). Operators set it; the partner's staff read it.

use crate::auth::AuthUser;
use crate::auth::access::{forbidden, manage_partner};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::PartnerId;
use mtbp_domain::settlement::Contract;
use mtbp_store::contracts::{self, StoredContract};
use serde::Serialize;
use utoipa::ToSchema;

/// A partner's settlement contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerContract {
    /// The terms.
    #[serde(flatten)]
    pub contract: Contract,
    /// Whether an operator has set them (otherwise these are the platform's defaults).
    pub set: bool,
    /// Bumped on every change; 0 for the defaults.
    pub version: i32,
    /// The last four characters of the payout account the partner gave, if any (the account
    /// itself is sealed and never shown).
    pub payout_account_hint: Option<String>,
}

impl From<StoredContract> for PartnerContract {
    fn from(s: StoredContract) -> Self {
        Self {
            contract: s.contract,
            set: s.set,
            version: s.version,
            payout_account_hint: s.payout_account_hint,
        }
    }
}

/// The partner's contract (the defaults until an operator sets one).
#[utoipa::path(get, path = "/partners/{partner_id}/contract", tag = "partners",
    params(("partner_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = PartnerContract), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_contract(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
) -> ApiResult<ApiJson<PartnerContract>> {
    manage_partner(&state.db, &user, partner_id).await?;
    contracts::contract(&state.db, partner_id)
        .await?
        .map(|c| ApiJson(c.into()))
        .ok_or(ApiError::NotFound("partner"))
}

/// Sets the partner's contract (operators). Periods not yet settled are settled by it.
#[utoipa::path(put, path = "/partners/{partner_id}/contract", tag = "partners",
    params(("partner_id" = Uuid, Path)), request_body = Contract, security(("bearer" = [])),
    responses((status = 200, body = PartnerContract), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn put_contract(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
    ApiJson(body): ApiJson<Contract>,
) -> ApiResult<ApiJson<PartnerContract>> {
    manage_partner(&state.db, &user, partner_id).await?;
    if !user.is_operator() {
        return Err(forbidden("only operators set a partner's contract"));
    }
    body.validate()
        .map_err(|e| ApiError::field(e.field(), e.to_string()))?;
    if body.period_seconds.is_some() && !state.config.settlement_short_periods {
        return Err(ApiError::field(
            "period_seconds",
            "short settlement periods are for trials and tests; this platform does not allow them",
        ));
    }
    contracts::set_contract(&state.db, partner_id, &body, user.account_id)
        .await?
        .ok_or(ApiError::NotFound("partner"))?;
    // The schedule follows at once; if Temporal is down the worker's next start (or
    // `mtbp-worker schedules`) brings it in step.
    if let Err(e) = crate::routes::settlements::reconcile(&state, partner_id, &body).await {
        tracing::warn!(partner.id = %partner_id, error = %e, "settlement schedule not in step yet");
    }
    contracts::contract(&state.db, partner_id)
        .await?
        .map(|c| ApiJson(c.into()))
        .ok_or(ApiError::NotFound("partner"))
}
