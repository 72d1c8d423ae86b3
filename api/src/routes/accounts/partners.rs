//! Theater partners: sign-up (pending until an operator activates it), profile and billing
//! (sensitive values sealed at rest), deletion, staff; and brokers, created by operators.

use super::customers::{insert_account, prepare_account, valid_email, validate_new_account};
use super::json::{
    Account, Billing, NewCustomer, NewPartner, Partner, PartnerSignedUp, PartnerStatus,
    SettlementPeriod, UpdatePartner,
};
use crate::auth::access::{forbidden, manage_partner, require};
use crate::auth::limits::{self, ClientAddr};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::routes::common::required_text;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mtbp_domain::seats::FieldError;
use uuid::Uuid;

type PartnerRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    DateTime<Utc>,
);

fn mask(hint: Option<String>) -> Option<String> {
    hint.map(|h| format!("••••{h}"))
}

fn hint(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

async fn load_partner(db: &sqlx::PgPool, partner_id: Uuid) -> ApiResult<Partner> {
    let row: Option<PartnerRow> = sqlx::query_as(
        "select name, contact_email, status, tax_id_hint, payout_account_hint,
                settlement_period, created_at
           from partners where partner_id = $1 and deleted_at is null",
    )
    .bind(partner_id)
    .fetch_optional(db)
    .await?;
    let (name, contact_email, status, tax, payout, period, created_at) =
        row.ok_or(ApiError::NotFound("partner"))?;
    Ok(Partner {
        partner_id,
        name,
        contact_email,
        status: PartnerStatus::parse(&status)
            .ok_or_else(|| anyhow::anyhow!("unknown partner status {status}"))?,
        billing: Billing {
            tax_id: mask(tax),
            payout_account: mask(payout),
            settlement_period: SettlementPeriod::parse(&period)
                .ok_or_else(|| anyhow::anyhow!("unknown settlement period {period}"))?,
        },
        created_at,
    })
}

/// Signs up a theater partner with its first staff account. The partner is `pending` until an
/// operator activates it; meanwhile its staff can sign in and fill in billing details.
#[utoipa::path(post, path = "/partners", tag = "partners", request_body = NewPartner,
    responses((status = 201, body = PartnerSignedUp), (status = 409, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope),
              (status = 429, body = ErrorEnvelope, description = "Too many sign-ups from this address; see Retry-After")))]
pub async fn sign_up_partner(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(body): ApiJson<NewPartner>,
) -> Response {
    if let Some(refused) = limits::refuse_sign_up(&state, client) {
        return refused;
    }
    match create_partner(&state, &body).await {
        Ok(created) => created.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn create_partner(
    state: &AppState,
    body: &NewPartner,
) -> ApiResult<(StatusCode, ApiJson<PartnerSignedUp>)> {
    let mut errors = Vec::new();
    let name = required_text("name", &body.name, 120, &mut errors);
    let contact = valid_email(&body.contact_email, "contact_email", &mut errors);
    if let Err(ApiError::Validation(mut owner)) = validate_new_account(&body.owner, "owner.", state)
    {
        errors.append(&mut owner);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // Hashed before a connection is held.
    let owner = prepare_account(state, &body.owner, "owner.").await?;
    let partner_id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    sqlx::query("insert into partners (partner_id, name, contact_email) values ($1, $2, $3)")
        .bind(partner_id)
        .bind(&name)
        .bind(&contact)
        .execute(&mut *tx)
        .await?;
    let owner = insert_account(&mut tx, Role::Partner, owner, Some(partner_id)).await?;
    tx.commit().await?;
    tracing::info!(partner.id = %partner_id, "partner signed up; pending activation");
    let partner = load_partner(&state.db, partner_id).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(PartnerSignedUp { partner, owner }),
    ))
}

/// Reads a partner (its staff, or an operator).
#[utoipa::path(get, path = "/partners/{partner_id}", tag = "partners",
    params(("partner_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = Partner), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_partner(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Partner>> {
    manage_partner(&state.db, &user, partner_id).await?;
    load_partner(&state.db, partner_id).await.map(ApiJson)
}

/// Updates a partner's name, contact and billing details (its staff, or an operator); only
/// operators change `status` (activate, suspend).
#[utoipa::path(put, path = "/partners/{partner_id}", tag = "partners",
    params(("partner_id" = Uuid, Path)), request_body = UpdatePartner,
    security(("bearer" = [])),
    responses((status = 200, body = Partner), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_partner(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdatePartner>,
) -> ApiResult<ApiJson<Partner>> {
    manage_partner(&state.db, &user, partner_id).await?;
    if body.status.is_some() && !user.is_operator() {
        return Err(forbidden("only operators change a partner's status"));
    }
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .map(|n| required_text("name", n, 120, &mut errors));
    let contact = body
        .contact_email
        .as_deref()
        .map(|e| valid_email(e, "contact_email", &mut errors));
    let billing = body.billing.unwrap_or_default();
    let mut sensitive = |field: &str, value: Option<&String>, max: usize| {
        value.map(|v| {
            let v = v.trim().to_owned();
            if !(4..=max).contains(&v.chars().count()) {
                errors.push(FieldError::new(field, format!("4-{max} characters")));
            }
            v
        })
    };
    let tax_id = sensitive("billing.tax_id", billing.tax_id.as_ref(), 40);
    let payout = sensitive(
        "billing.payout_account",
        billing.payout_account.as_ref(),
        80,
    );
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let seal = |value: &Option<String>, column: &str| -> ApiResult<Option<Vec<u8>>> {
        value
            .as_deref()
            .map(|v| {
                state
                    .sealer
                    .seal(v, &format!("partners.{column}:{partner_id}"))
            })
            .transpose()
            .map_err(ApiError::Internal)
    };
    let tax_sealed = seal(&tax_id, "tax_id")?;
    let payout_sealed = seal(&payout, "payout_account")?;
    let updated = sqlx::query(
        "update partners set
            name = coalesce($2, name),
            contact_email = coalesce($3, contact_email),
            status = coalesce($4, status),
            tax_id_sealed = coalesce($5, tax_id_sealed),
            tax_id_hint = coalesce($6, tax_id_hint),
            payout_account_sealed = coalesce($7, payout_account_sealed),
            payout_account_hint = coalesce($8, payout_account_hint),
            settlement_period = coalesce($9, settlement_period)
          where partner_id = $1 and deleted_at is null",
    )
    .bind(partner_id)
    .bind(name)
    .bind(contact)
    .bind(body.status.map(PartnerStatus::as_str))
    .bind(tax_sealed)
    .bind(tax_id.as_deref().map(hint))
    .bind(payout_sealed)
    .bind(payout.as_deref().map(hint))
    .bind(billing.settlement_period.map(SettlementPeriod::as_str))
    .execute(&state.db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::NotFound("partner"));
    }
    load_partner(&state.db, partner_id).await.map(ApiJson)
}

/// Deletes a partner (its staff, or an operator): staff can no longer sign in, its theaters
/// take no new shows; tickets already sold, payments and settlements stay.
#[utoipa::path(delete, path = "/partners/{partner_id}", tag = "partners",
    params(("partner_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete_partner(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    manage_partner(&state.db, &user, partner_id).await?;
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "update partners set deleted_at = now(), status = 'suspended'
          where partner_id = $1 and deleted_at is null",
    )
    .bind(partner_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "update refresh_tokens t set revoked_at = now() from accounts a
          where a.account_id = t.account_id and a.partner_id = $1 and t.revoked_at is null",
    )
    .bind(partner_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(partner.id = %partner_id, "partner deleted");
    Ok(StatusCode::NO_CONTENT)
}

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
    ApiPath(partner_id): ApiPath<Uuid>,
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
    ApiPath(partner_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Vec<Account>>> {
    manage_partner(&state.db, &user, partner_id).await?;
    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
        "select account_id, name, email from accounts
          where partner_id = $1 and erased_at is null order by created_at",
    )
    .bind(partner_id)
    .fetch_all(&state.db)
    .await?;
    Ok(ApiJson(
        rows.into_iter()
            .map(|(account_id, name, email)| Account {
                account_id,
                role: Role::Partner,
                name,
                email,
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
    ApiPath((partner_id, account_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    manage_partner(&state.db, &user, partner_id).await?;
    let mut tx = state.db.begin().await?;
    let removed = sqlx::query(
        "update accounts set name = '', email = '', password_hash = null, erased_at = now()
          where account_id = $1 and partner_id = $2 and erased_at is null",
    )
    .bind(account_id)
    .bind(partner_id)
    .execute(&mut *tx)
    .await?;
    if removed.rows_affected() == 0 {
        return Err(ApiError::NotFound("staff account"));
    }
    sqlx::query(
        "update refresh_tokens set revoked_at = now() where account_id = $1 and revoked_at is null",
    )
    .bind(account_id)
    .execute(&mut *tx)
    .await?;
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
