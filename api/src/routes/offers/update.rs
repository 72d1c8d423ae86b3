//! `PUT /offers/{id}`: an edit, or with `?action=redeem` a meal voucher's redemption.

use super::checks::{check, code_for};
use super::json::{NewOffer, Offer, OfferPut, PutQuery, VoucherCode};
use super::{code_taken, require_manager, require_staff};
use crate::auth::AuthUser;
use crate::auth::access::require_active_partner;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope, OnConstraint};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use mtbp_domain::OfferId;
use mtbp_store::offers::admin;
use serde::de::DeserializeOwned;

/// Edits an offer (its partner's staff, operators): the body replaces every field, as on
/// `POST` (its partner stays). A total limit below the redemptions so far is refused (409).
/// With `?action=redeem` and `{"voucher_code": …}`, the box office (the staff of the booking's
/// theater, operators) redeems a meal voucher of this offer, once, for a paid booking.
#[utoipa::path(put, path = "/offers/{offer_id}", tag = "offers",
    params(("offer_id" = Uuid, Path), PutQuery), request_body = OfferPut,
    security(("bearer" = [])),
    responses((status = 200, body = Offer, description = "The edited offer, or (redeem) the redeemed voucher"),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope, description = "No such offer, or no such voucher of it"),
              (status = 409, body = ErrorEnvelope, description = "Code taken, limit below the redemptions, voucher already redeemed or its booking not paid"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn put_offer(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(offer_id): ApiPath<OfferId>,
    q: Result<Query<PutQuery>, QueryRejection>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    match query(q)?.action.as_deref() {
        None => {
            let offer = edit(&state, &user, offer_id, parse(body)?).await?;
            Ok(ApiJson(offer).into_response())
        }
        Some("redeem") => {
            let VoucherCode { voucher_code } = parse(body)?;
            let voucher = super::redeem::redeem(&state, &user, offer_id, &voucher_code).await?;
            Ok(ApiJson(voucher).into_response())
        }
        Some(other) => Err(ApiError::BadRequest(format!(
            "unknown action {other:?}: the only action is redeem"
        ))),
    }
}

/// The body read as `T`, or the 422 a body of the wrong shape gets.
fn parse<T: DeserializeOwned>(body: serde_json::Value) -> ApiResult<T> {
    serde_json::from_value(body).map_err(|e| ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: ErrorCode::InvalidBody,
        message: format!("the body does not fit: {e}"),
        details: None,
    })
}

async fn edit(
    state: &AppState,
    user: &AuthUser,
    offer_id: OfferId,
    body: NewOffer,
) -> ApiResult<Offer> {
    require_staff(user)?;
    let mut tx = state.db.begin().await?;
    let current = admin::lock(&mut tx, offer_id)
        .await?
        .ok_or(ApiError::NotFound("offer"))?;
    require_manager(user, current.partner_id)?;
    // Like the catalog, a partner that is not active (suspended, pending) publishes nothing.
    if let Some(partner) = current.partner_id
        && !user.is_operator()
    {
        require_active_partner(&state.db, partner).await?;
    }
    let draft = check(
        &state.db,
        body,
        user,
        current.partner_id,
        Some(&current),
        Utc::now(),
    )
    .await?;
    if let Some(limit) = draft.limit_total
        && limit < current.redeemed
    {
        return Err(ApiError::conflict(
            ErrorCode::LimitBelowRedeemed,
            format!(
                "the offer was redeemed {} times already; limit_total cannot be {limit}",
                current.redeemed
            ),
        ));
    }
    let code = code_for(&state.db, &draft, Some(offer_id)).await?;
    let record = admin::update(&mut tx, offer_id, &draft.fields(code.as_deref()))
        .await
        .on_constraint("offers_code", || code_taken(code.as_deref().unwrap_or("")))?;
    tx.commit().await?;
    Ok(Offer::from_record(record, true))
}
