//! Theater partners: sign-up (pending until an operator activates it), profile and billing
//! (sensitive values sealed at rest), deletion.

use super::json::{Billing, NewPartner, Partner, PartnerSignedUp, UpdatePartner};
use super::new_account::{check_new_account, insert_account, prepare_account};
use crate::auth::access::{forbidden, manage_partner};
use crate::auth::limits::{self, ClientAddr};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mtbp_domain::PartnerId;
use mtbp_domain::account::{self, PARTNER_NAME_MAX, PAYOUT_ACCOUNT_MAX, TAX_ID_MAX};
use mtbp_store::accounts::partners::{self as store, PartnerChanges, Sealed};

async fn load_partner(db: &mtbp_store::PgPool, partner_id: PartnerId) -> ApiResult<Partner> {
    let row = store::load(db, partner_id)
        .await?
        .ok_or(ApiError::NotFound("partner"))?;
    Ok(Partner {
        partner_id,
        name: row.name,
        contact_email: row.contact_email,
        status: row.status,
        billing: Billing {
            tax_id: account::masked(row.tax_id_hint),
            payout_account: account::masked(row.payout_account_hint),
            settlement_period: row.settlement_period,
        },
        created_at: row.created_at,
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
    let name = account::required_text("name", &body.name, PARTNER_NAME_MAX, &mut errors);
    let contact = account::email("contact_email", &body.contact_email, &mut errors);
    check_new_account(&body.owner, "owner.", state, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // Hashed before a connection is held.
    let owner = prepare_account(state, &body.owner, "owner.").await?;
    let partner_id = PartnerId::from_uuid(uuid::Uuid::new_v4());
    let mut tx = state.db.begin().await?;
    store::insert(&mut *tx, partner_id, &name, &contact).await?;
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
    ApiPath(partner_id): ApiPath<PartnerId>,
) -> ApiResult<ApiJson<Partner>> {
    manage_partner(&state.db, &user, partner_id).await?;
    load_partner(&state.db, partner_id).await.map(ApiJson)
}

/// Checks the changes of a partner by the domain's rules and seals its sensitive values (bound
/// to the partner and the column, so a sealed value cannot be moved to another row).
fn partner_changes(
    state: &AppState,
    partner_id: PartnerId,
    body: UpdatePartner,
) -> ApiResult<PartnerChanges> {
    let mut errors = Vec::new();
    let e = &mut errors;
    let name = body
        .name
        .as_deref()
        .map(|n| account::required_text("name", n, PARTNER_NAME_MAX, e));
    let contact_email = body
        .contact_email
        .as_deref()
        .map(|c| account::email("contact_email", c, e));
    let billing = body.billing.unwrap_or_default();
    let tax_id = billing
        .tax_id
        .as_deref()
        .map(|v| account::sensitive("billing.tax_id", v, TAX_ID_MAX, e));
    let payout = billing
        .payout_account
        .as_deref()
        .map(|v| account::sensitive("billing.payout_account", v, PAYOUT_ACCOUNT_MAX, e));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let seal = |value: Option<String>, column: &str| -> ApiResult<Option<Sealed>> {
        value
            .map(|v| {
                let sealed = state
                    .sealer
                    .seal(&v, &format!("partners.{column}:{partner_id}"))?;
                Ok::<_, anyhow::Error>(Sealed {
                    sealed,
                    hint: account::hint(&v),
                })
            })
            .transpose()
            .map_err(ApiError::Internal)
    };
    Ok(PartnerChanges {
        name,
        contact_email,
        status: body.status,
        tax_id: seal(tax_id, "tax_id")?,
        payout_account: seal(payout, "payout_account")?,
        settlement_period: billing.settlement_period,
    })
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
    ApiPath(partner_id): ApiPath<PartnerId>,
    ApiJson(body): ApiJson<UpdatePartner>,
) -> ApiResult<ApiJson<Partner>> {
    manage_partner(&state.db, &user, partner_id).await?;
    if body.status.is_some() && !user.is_operator() {
        return Err(forbidden("only operators change a partner's status"));
    }
    let changes = partner_changes(&state, partner_id, body)?;
    if !store::update(&state.db, partner_id, changes).await? {
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
    ApiPath(partner_id): ApiPath<PartnerId>,
) -> ApiResult<StatusCode> {
    manage_partner(&state.db, &user, partner_id).await?;
    let mut tx = state.db.begin().await?;
    store::delete(&mut tx, partner_id).await?;
    tx.commit().await?;
    tracing::info!(partner.id = %partner_id, "partner deleted");
    Ok(StatusCode::NO_CONTENT)
}
