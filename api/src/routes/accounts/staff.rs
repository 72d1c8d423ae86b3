//! A partner's staff accounts, and brokers (created by operators).

use super::json::{Account, NewCustomer};
use super::new_account::{insert_account, prepare_account};
use crate::auth::access::{manage_partner, require};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::{AccountId, PartnerId};
use mtbp_store::accounts::members;

/// Adds a staff account to a partner (its staff, or an operator).
#[utoipa::path(post, path = "/partners/{partner_id}/staff", tag = "partners",
    params(("partner_id" = Uuid, Path)), request_body = NewCustomer,
    security(("bearer" = [])),
    responses((status = 201, body = Account), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn add_staff(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
    ApiJson(body): ApiJson<NewCustomer>,
) -> ApiResult<(StatusCode, ApiJson<Account>)> {
    manage_partner(&state.db, &user, partner_id).await?;
    let prepared = prepare_account(&state, &body, "").await?;
    let mut conn = state.db.acquire().await?;
    let account = insert_account(&mut conn, Role::Partner, prepared, Some(partner_id)).await?;
    Ok((StatusCode::CREATED, ApiJson(account)))
}

/// Lists a partner's staff (its staff, or an operator).
#[utoipa::path(get, path = "/partners/{partner_id}/staff", tag = "partners",
    params(("partner_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = [Account]), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn list_staff(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
) -> ApiResult<ApiJson<Vec<Account>>> {
    manage_partner(&state.db, &user, partner_id).await?;
    let staff = members::list(&state.db, partner_id).await?;
    Ok(ApiJson(
        staff
            .into_iter()
            .map(|m| Account {
                account_id: m.account_id,
                role: Role::Partner,
                name: m.name,
                email: m.email,
            })
            .collect(),
    ))
}

/// Removes a staff account (its partner's staff, or an operator): it can no longer sign in.
#[utoipa::path(delete, path = "/partners/{partner_id}/staff/{account_id}", tag = "partners",
    params(("partner_id" = Uuid, Path), ("account_id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn remove_staff(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((partner_id, account_id)): ApiPath<(PartnerId, AccountId)>,
) -> ApiResult<StatusCode> {
    manage_partner(&state.db, &user, partner_id).await?;
    let mut tx = state.db.begin().await?;
    if !members::remove(&mut tx, partner_id, account_id).await? {
        return Err(ApiError::NotFound("staff account"));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a broker account, which books for groups (operators only).
#[utoipa::path(post, path = "/brokers", tag = "partners", request_body = NewCustomer,
    security(("bearer" = [])),
    responses((status = 201, body = Account), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn create_broker(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewCustomer>,
) -> ApiResult<(StatusCode, ApiJson<Account>)> {
    require(&user, &[Role::Admin], "creating brokers")?;
    let prepared = prepare_account(&state, &body, "").await?;
    let mut conn = state.db.acquire().await?;
    let account = insert_account(&mut conn, Role::Broker, prepared, None).await?;
    Ok((StatusCode::CREATED, ApiJson(account)))
}
