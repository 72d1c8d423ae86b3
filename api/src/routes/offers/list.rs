//! `GET /offers?partnerId=`, `GET /offers?customerId=` and (operators) `GET /offers`.

use super::json::{ListOffersQuery, Offer};
use super::{require_manager, sign_in};
use crate::auth::AuthUser;
use crate::auth::access::forbidden;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::Utc;
use mtbp_domain::seats::FieldError;
use mtbp_domain::{AccountId, PartnerId};
use mtbp_store::accounts::partners;
use mtbp_store::offers::admin;

/// Lists offers: with `partnerId`, the partner's live offers whatever their window (its staff,
/// operators); with `customerId`, the listed offers the customer may use now (the customer,
/// operators): in their window, not used up, with uses left for them, members-only offers for
/// members, first-booking offers before their first paid booking. At most one of the two;
/// with neither, operators page through every live offer, newest first (`limit`, `before`).
#[utoipa::path(get, path = "/offers", tag = "offers", params(ListOffersQuery),
    security(("bearer" = [])),
    responses((status = 200, body = [Offer]), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope, description = "A bad page of the operators' list")))]
pub async fn list_offers(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    q: Result<Query<ListOffersQuery>, QueryRejection>,
) -> ApiResult<ApiJson<Vec<Offer>>> {
    let q = query(q)?;
    let user = user.ok_or_else(sign_in)?;
    if (q.limit.is_some() || q.before.is_some()) && (q.partner_id, q.customer_id) != (None, None) {
        return Err(ApiError::BadRequest(
            "limit and before page the operators' list of all offers, without a filter".into(),
        ));
    }
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
        (None, None) => {
            if !user.is_operator() {
                return Err(ApiError::BadRequest(
                    "give partnerId or customerId (only operators list every offer)".into(),
                ));
            }
            let limit = q.limit.unwrap_or(50);
            let mut errors = Vec::new();
            if !(1..=200).contains(&limit) {
                errors.push(FieldError::new("limit", "between 1 and 200"));
            }
            if let Some(before) = q.before {
                crate::dates::check_instant("before", before, &mut errors);
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let records = admin::all(&state.db, q.before, limit).await?;
            Ok(ApiJson(
                records
                    .into_iter()
                    .map(|r| Offer::from_record(r, true))
                    .collect(),
            ))
        }
        (Some(_), Some(_)) => Err(ApiError::BadRequest(
            "give one of partnerId and customerId, not both".into(),
        )),
    }
}
