//! Customers: sign-up, profile and consents, erasure.

use super::json::{Account, Consents, Customer, NewCustomer, UpdateCustomer};
use super::new_account::{insert_account, prepare_account};
use crate::auth::access::forbidden;
use crate::auth::limits::{self, ClientAddr};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mtbp_domain::AccountId;
use mtbp_domain::account::{self, ACCOUNT_NAME_MAX, MAX_GENRES, MAX_LANGUAGES};
use mtbp_store::accounts::customers::{self as store, ProfileChanges};

/// Creates a customer account. Sign-ups are limited per client address.
#[utoipa::path(post, path = "/customers", tag = "accounts", request_body = NewCustomer,
    responses((status = 201, body = Account), (status = 409, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope),
              (status = 429, body = ErrorEnvelope, description = "Too many sign-ups from this address; see Retry-After")))]
pub async fn sign_up(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(body): ApiJson<NewCustomer>,
) -> Response {
    if let Some(refused) = limits::refuse_sign_up(&state, client) {
        return refused;
    }
    let created = async {
        let prepared = prepare_account(&state, &body, "").await?;
        let mut conn = state.db.acquire().await?;
        insert_account(&mut conn, Role::Customer, prepared, None).await
    };
    match created.await {
        Ok(account) => (StatusCode::CREATED, ApiJson(account)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The customer themself, or an operator.
fn may_act_for(user: &AuthUser, customer: AccountId) -> ApiResult<()> {
    if user.may_act_for(customer) {
        Ok(())
    } else {
        Err(forbidden("this account is not yours"))
    }
}

/// Erases a customer's personal data: the account can no longer sign in, its sessions end,
/// saved cards are detached at the gateway, and its bookings lose the contact details, while
/// bookings, payments and refunds stay for accounting.
#[utoipa::path(delete, path = "/customers/{customer_id}", tag = "accounts",
    params(("customer_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Erased"), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn erase_customer(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(customer_id): ApiPath<AccountId>,
) -> ApiResult<StatusCode> {
    may_act_for(&user, customer_id)?;
    let mut tx = state.db.begin().await?;
    let cards = store::erase(&mut tx, customer_id)
        .await?
        .ok_or(ApiError::NotFound("customer"))?;
    tx.commit().await?;
    // The account is erased either way; a card the gateway could not detach now is logged for
    // the operators (it can no longer be used here: the platform forgot it).
    for card in cards {
        if let Err(e) = state.gateway.detach_payment_method(&card).await {
            tracing::warn!(error = %e, payment_method = %card, "detaching an erased customer's card failed");
        }
    }
    tracing::info!(customer.id = %customer_id, "customer personal data erased");
    Ok(StatusCode::NO_CONTENT)
}

/// Loads a live customer's profile.
pub(super) async fn load_customer(
    db: &mtbp_store::PgPool,
    customer_id: AccountId,
) -> ApiResult<Customer> {
    let row = store::load(db, customer_id)
        .await?
        .ok_or(ApiError::NotFound("customer"))?;
    Ok(Customer {
        account_id: customer_id,
        role: Role::Customer,
        name: row.name,
        email: row.email,
        email_verified: row.email_verified_at.is_some(),
        phone: row.phone,
        preferred_city: row.preferred_city,
        languages: row.languages,
        genres: row.genres,
        consents: Consents {
            email: row.consent_email,
            sms: row.consent_sms,
            push: row.consent_push,
        },
        created_at: row.created_at,
    })
}

/// Reads a customer's account and profile: the customer themself, or an operator.
#[utoipa::path(get, path = "/customers/{customer_id}", tag = "accounts",
    params(("customer_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = Customer), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_customer(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(customer_id): ApiPath<AccountId>,
) -> ApiResult<ApiJson<Customer>> {
    may_act_for(&user, customer_id)?;
    load_customer(&state.db, customer_id).await.map(ApiJson)
}

/// Checks the changes of a profile by the domain's rules.
fn profile_changes(body: UpdateCustomer) -> ApiResult<ProfileChanges> {
    let mut errors = Vec::new();
    let e = &mut errors;
    let changes = ProfileChanges {
        name: body
            .name
            .as_deref()
            .map(|n| account::required_text("name", n, ACCOUNT_NAME_MAX, e)),
        phone: body.phone.map(|p| account::phone("phone", p.as_deref(), e)),
        preferred_city: body
            .preferred_city
            .map(|c| account::city("preferred_city", c.as_deref(), e)),
        languages: body
            .languages
            .map(|l| account::tag_list("languages", &l, MAX_LANGUAGES, e)),
        genres: body
            .genres
            .map(|g| account::tag_list("genres", &g, MAX_GENRES, e)),
        consent_email: body.consents.map(|c| c.email),
        consent_sms: body.consents.map(|c| c.sms),
        consent_push: body.consents.map(|c| c.push),
    };
    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Updates a customer's profile and contact consents (the customer themself, or an operator).
#[utoipa::path(put, path = "/customers/{customer_id}", tag = "accounts",
    params(("customer_id" = Uuid, Path)), request_body = UpdateCustomer,
    security(("bearer" = [])),
    responses((status = 200, body = Customer), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_customer(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(customer_id): ApiPath<AccountId>,
    ApiJson(body): ApiJson<UpdateCustomer>,
) -> ApiResult<ApiJson<Customer>> {
    may_act_for(&user, customer_id)?;
    let changes = profile_changes(body)?;
    if !store::update_profile(&state.db, customer_id, changes).await? {
        return Err(ApiError::NotFound("customer"));
    }
    load_customer(&state.db, customer_id).await.map(ApiJson)
}
