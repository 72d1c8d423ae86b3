//! `GET /offers?partnerId=` and `GET /offers?customerId=`.

use super::json::{Offer, OffersQuery};
use super::{require_manager, sign_in};
use crate::auth::AuthUser;
use crate::auth::access::forbidden;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::Utc;
use mtbp_domain::{AccountId, PartnerId};
use mtbp_store::accounts::partners;
use mtbp_store::offers::admin;

/// Lists offers: with `partnerId`, the partner's live offers whatever their window (its staff,
/// operators); with `customerId`, the listed offers the customer may use now (the customer,
/// operators): in their window, not used up, with uses left for them, members-only offers for
/// members, first-booking offers before their first paid booking. Exactly one of the two.
#[utoipa::path(get, path = "/offers", tag = "offers", params(OffersQuery),
    security(("bearer" = [])),
    responses((status = 200, body = [Offer]), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope)))]
pub async fn list_offers(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    q: Result<Query<OffersQuery>, QueryRejection>,
) -> ApiResult<ApiJson<Vec<Offer>>> {
    let q = query(q)?;
    let user = user.ok_or_else(sign_in)?;
    match (q.partner_id, q.customer_id) {
        (Some(partner), None) => {
            let partner = PartnerId::from_uuid(partner);
            require_manager(&user, Some(partner))?;
            partners::status(&state.db, partner)
                .await?
                .ok_or(ApiError::NotFound("partner"))?;
            let records = admin::of_partner(&state.db, partner).await?;
            Ok(ApiJson(
                records
                    .into_iter()
                    .map(|r| Offer::from_record(r, true))
                    .collect(),
            ))
        }
        (None, Some(customer)) => {
            let customer = AccountId::from_uuid(customer);
            if !user.may_act_for(customer) {
                return Err(forbidden(
                    "customers see only the offers they are eligible for",
                ));
            }
            let now = Utc::now();
            // Members-only offers are listed to customers whose subscription covers now.
            let member = mtbp_store::subscriptions::membership(&state.db, customer, now)
                .await?
                .is_some();
            let records = admin::eligible(&state.db, customer, member, now).await?;
            Ok(ApiJson(
                records
                    .into_iter()
                    .map(|r| Offer::from_record(r, user.is_operator()))
                    .collect(),
            ))
        }
        _ => Err(ApiError::BadRequest(
            "give exactly one of partnerId and customerId".into(),
        )),
    }
}
