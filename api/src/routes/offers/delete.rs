//! `DELETE /offers/{id}` and `DELETE /offers?partnerId=`: soft deletes.

use super::json::{Deleted, OffersQuery};
use super::{require_manager, require_staff};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use mtbp_domain::{OfferId, PartnerId};
use mtbp_store::accounts::partners;
use mtbp_store::offers::{self, admin};

/// Deletes an offer (its partner's staff, operators): no longer priced, listed or found by its
/// code, which is free again. Redemptions already made stay, and so do vouchers issued.
#[utoipa::path(delete, path = "/offers/{offer_id}", tag = "offers",
    params(("offer_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete_offer(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(offer_id): ApiPath<OfferId>,
) -> ApiResult<StatusCode> {
    require_staff(&user)?;
    let record = offers::get(&state.db, offer_id)
        .await?
        .ok_or(ApiError::NotFound("offer"))?;
    require_manager(&user, record.partner_id)?;
    if !admin::delete(&state.db, offer_id).await? {
        return Err(ApiError::NotFound("offer"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes every live offer of a partner (its staff, operators); answers how many.
#[utoipa::path(delete, path = "/offers", tag = "offers", params(OffersQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Deleted), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope)))]
pub async fn delete_partner_offers(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<OffersQuery>, QueryRejection>,
) -> ApiResult<ApiJson<Deleted>> {
    let q = query(q)?;
    let (Some(partner), None) = (q.partner_id, q.customer_id) else {
        return Err(ApiError::BadRequest(
            "give partnerId (and only that)".into(),
        ));
    };
    require_staff(&user)?;
    let partner = PartnerId::from_uuid(partner);
    require_manager(&user, Some(partner))?;
    partners::status(&state.db, partner)
        .await?
        .ok_or(ApiError::NotFound("partner"))?;
    let deleted = admin::delete_of_partner(&state.db, partner).await?;
    Ok(ApiJson(Deleted { deleted }))
}
