//! `GET /offers/{id}`.

use super::json::Offer;
use super::{manages, sign_in};
use crate::auth::AuthUser;
use crate::auth::access::forbidden;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use chrono::Utc;
use mtbp_domain::OfferId;
use mtbp_store::offers;

/// Reads an offer. Its managers (the partner's staff, operators) see any live offer with its
/// funding, limit and redemptions; everyone else only listed offers that have not ended.
#[utoipa::path(get, path = "/offers/{offer_id}", tag = "offers",
    params(("offer_id" = Uuid, Path)), security((), ("bearer" = [])),
    responses((status = 200, body = Offer),
              (status = 401, body = ErrorEnvelope, description = "Not listed: sign in as its manager"),
              (status = 403, body = ErrorEnvelope, description = "Not listed, and not yours"),
              (status = 404, body = ErrorEnvelope)))]
pub async fn get_offer(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    ApiPath(offer_id): ApiPath<OfferId>,
) -> ApiResult<ApiJson<Offer>> {
    let record = offers::get(&state.db, offer_id)
        .await?
        .ok_or(ApiError::NotFound("offer"))?;
    if user.is_some_and(|u| manages(&u, record.partner_id)) {
        return Ok(ApiJson(Offer::from_record(record, true)));
    }
    let ended = record.offer.valid_until.is_some_and(|u| u <= Utc::now());
    if record.listed && !ended {
        return Ok(ApiJson(Offer::from_record(record, false)));
    }
    Err(match user {
        None => sign_in(),
        Some(_) => forbidden("this offer is not listed, and not yours to manage"),
    })
}
