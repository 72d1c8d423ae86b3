//! `POST /offers`.

use super::checks::{check, code_for};
use super::json::{NewOffer, Offer};
use super::{code_taken, require_staff};
use crate::auth::AuthUser;
use crate::auth::access::{forbidden, require_active_partner};
use crate::error::{ApiJson, ApiResult, ErrorEnvelope, OnConstraint};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use mtbp_domain::OfferId;
use mtbp_store::offers::admin;
use uuid::Uuid;

/// Creates an offer. Partner staff create their own partner's offers (the scope's
/// `partner_id` is theirs whatever the body says); operators any partner's (`scope.partner_id`)
/// or, without one, a platform-wide offer.
#[utoipa::path(post, path = "/offers", tag = "offers", request_body = NewOffer,
    security(("bearer" = [])),
    responses((status = 201, body = Offer), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Code taken, or the partner is not active"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn create_offer(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewOffer>,
) -> ApiResult<(StatusCode, ApiJson<Offer>)> {
    require_staff(&user)?;
    let partner = if user.is_operator() {
        body.scope.partner_id
    } else {
        let own = user
            .partner_id
            .ok_or_else(|| forbidden("this account works for no partner"))?;
        require_active_partner(&state.db, own).await?;
        Some(own)
    };
    let draft = check(&state.db, body, &user, partner, None, Utc::now()).await?;
    let code = code_for(&state.db, &draft, None).await?;
    let offer_id = OfferId::from_uuid(Uuid::new_v4());
    let record = admin::insert(
        &state.db,
        offer_id,
        &draft.fields(code.as_deref()),
        user.account_id,
    )
    .await
    .on_constraint("offers_code", || code_taken(code.as_deref().unwrap_or("")))?;
    Ok((
        StatusCode::CREATED,
        ApiJson(Offer::from_record(record, true)),
    ))
}
