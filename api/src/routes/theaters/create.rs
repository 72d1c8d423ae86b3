//! `POST /theaters`.

use super::details;
use super::json::{NewTheater, Theater};
use crate::auth::access::{forbidden, require, require_active_partner};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiJson, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::TheaterId;
use mtbp_store::catalog::theaters;
use uuid::Uuid;

/// Creates a theater: partner staff for their (active) partner, or an operator.
#[utoipa::path(post, path = "/theaters", tag = "catalog", request_body = NewTheater,
    security(("bearer" = [])),
    responses((status = 201, body = Theater), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "The partner is not active"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn create_theater(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewTheater>,
) -> ApiResult<(StatusCode, ApiJson<Theater>)> {
    require(&user, &[Role::Partner, Role::Admin], "creating theaters")?;
    let named = body.partner_id;
    let partner_id = if user.is_operator() {
        named
    } else {
        match (user.partner_id, named) {
            (Some(mine), Some(named)) if mine != named => {
                return Err(forbidden(
                    "partner staff create theaters for their own partner",
                ));
            }
            (mine, _) => mine,
        }
    };
    if let Some(partner) = partner_id {
        require_active_partner(&state.db, partner).await?;
    }
    let details = details::parse(&state.db, &body).await?;
    let theater = theaters::insert(
        &state.db,
        TheaterId::from_uuid(Uuid::new_v4()),
        &details,
        partner_id,
    )
    .await?;
    Ok((StatusCode::CREATED, ApiJson(theater.into())))
}
