//! Customers: sign-up, profile and consents, erasure.

use super::json::{Account, Consents, Customer, NewCustomer, UpdateCustomer};
use crate::auth::access::forbidden;
use crate::auth::limits::{self, ClientAddr};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::routes::common::required_text;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mtbp_domain::Contact;
use mtbp_domain::seats::FieldError;
use uuid::Uuid;

/// A validated new account with its password hashed, ready to insert.
pub(super) struct PreparedAccount {
    name: String,
    email: String,
    hash: String,
}

/// Validates a new account and hashes its password (before any connection is held: hashing
/// may wait for a slot).
pub(super) async fn prepare_account(
    state: &AppState,
    body: &NewCustomer,
    field_prefix: &str,
) -> ApiResult<PreparedAccount> {
    let (name, email) = validate_new_account(body, field_prefix, state)?;
    let hash = state.hashing.hash(body.password.clone()).await?;
    Ok(PreparedAccount { name, email, hash })
}

/// Creates an account with a password; `partner_id` for partner staff.
pub(super) async fn insert_account(
    db: &mut sqlx::PgConnection,
    role: Role,
    account: PreparedAccount,
    partner_id: Option<Uuid>,
) -> ApiResult<Account> {
    let PreparedAccount { name, email, hash } = account;
    let account_id = Uuid::new_v4();
    let inserted = sqlx::query(
        "insert into accounts (account_id, role, email, password_hash, name, partner_id)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(account_id)
    .bind(role.as_str())
    .bind(&email)
    .bind(hash)
    .bind(&name)
    .bind(partner_id)
    .execute(&mut *db)
    .await;
    if let Err(sqlx::Error::Database(e)) = &inserted
        && e.constraint() == Some("accounts_email_key")
    {
        return Err(ApiError::conflict(
            ErrorCode::EmailTaken,
            "an account with this email exists; sign in instead",
        ));
    }
    inserted?;
    Ok(Account {
        account_id,
        role,
        name,
        email,
    })
}

/// Checks name, email and password; returns the trimmed name and the normalised email.
pub(super) fn validate_new_account(
    body: &NewCustomer,
    prefix: &str,
    state: &AppState,
) -> ApiResult<(String, String)> {
    let mut errors = Vec::new();
    let name = required_text(&format!("{prefix}name"), &body.name, 100, &mut errors);
    let email = valid_email(&body.email, &format!("{prefix}email"), &mut errors);
    let max = state.config.flood.email_max_length;
    if email.len() > max {
        errors.push(FieldError::new(
            format!("{prefix}email"),
            format!("at most {max} characters"),
        ));
    }
    let length = body.password.chars().count();
    if !(10..=200).contains(&length) {
        errors.push(FieldError::new(
            format!("{prefix}password"),
            "10-200 characters",
        ));
    }
    if errors.is_empty() {
        Ok((name, email))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Normalises an email, or records why it is not one.
pub(super) fn valid_email(raw: &str, field: &str, errors: &mut Vec<FieldError>) -> String {
    match Contact::parse("x", raw, None) {
        Ok(c) => c.email,
        Err(e) => {
            errors.extend(
                e.into_iter()
                    .filter(|f| f.field == "contact.email")
                    .map(|f| FieldError::new(field, f.message)),
            );
            String::new()
        }
    }
}

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

fn not_yours() -> ApiError {
    forbidden("this account is not yours")
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
    ApiPath(customer_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    if !user.may_act_for(customer_id) {
        return Err(not_yours());
    }
    let mut tx = state.db.begin().await?;
    let erased = sqlx::query(
        "update accounts set name = '', email = '', password_hash = null, phone = null,
                preferred_city = null, languages = '{}', genres = '{}', consent_email = false,
                consent_sms = false, consent_push = false, external_subject = null,
                erased_at = now()
          where account_id = $1 and role = 'customer' and erased_at is null",
    )
    .bind(customer_id)
    .execute(&mut *tx)
    .await?;
    if erased.rows_affected() == 0 {
        return Err(ApiError::NotFound("customer"));
    }
    sqlx::query(
        "update refresh_tokens set revoked_at = now() where account_id = $1 and revoked_at is null",
    )
    .bind(customer_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "update bookings set contact_name = null, contact_email = null, contact_phone = null
          where customer_id = $1",
    )
    .bind(customer_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("delete from email_verifications where account_id = $1")
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    let cards: Vec<String> = sqlx::query_scalar(
        "delete from payment_methods where account_id = $1 returning gateway_payment_method_id",
    )
    .bind(customer_id)
    .fetch_all(&mut *tx)
    .await?;
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

type CustomerRow = (
    String,
    String,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<String>,
    Vec<String>,
    Vec<String>,
    bool,
    bool,
    bool,
    DateTime<Utc>,
);

/// Loads a live customer's profile.
pub(super) async fn load_customer(db: &sqlx::PgPool, customer_id: Uuid) -> ApiResult<Customer> {
    let row: Option<CustomerRow> = sqlx::query_as(
        "select name, email, email_verified_at, phone, preferred_city, languages, genres,
                consent_email, consent_sms, consent_push, created_at
           from accounts
          where account_id = $1 and role = 'customer' and erased_at is null",
    )
    .bind(customer_id)
    .fetch_optional(db)
    .await?;
    let (name, email, verified, phone, city, languages, genres, ce, cs, cp, created) =
        row.ok_or(ApiError::NotFound("customer"))?;
    Ok(Customer {
        account_id: customer_id,
        role: Role::Customer,
        name,
        email,
        email_verified: verified.is_some(),
        phone,
        preferred_city: city,
        languages,
        genres,
        consents: Consents {
            email: ce,
            sms: cs,
            push: cp,
        },
        created_at: created,
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
    ApiPath(customer_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Customer>> {
    if !user.may_act_for(customer_id) {
        return Err(not_yours());
    }
    load_customer(&state.db, customer_id).await.map(ApiJson)
}

fn clean_list(
    field: &str,
    raw: &[String],
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    if raw.len() > max {
        errors.push(FieldError::new(field, format!("at most {max} entries")));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, v) in raw.iter().enumerate() {
        let v = v.trim();
        if v.is_empty() || v.chars().count() > 40 {
            errors.push(FieldError::new(format!("{field}[{i}]"), "1-40 characters"));
        } else if !out.iter().any(|o| o.eq_ignore_ascii_case(v)) {
            out.push(v.to_owned());
        }
    }
    out
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
    ApiPath(customer_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateCustomer>,
) -> ApiResult<ApiJson<Customer>> {
    if !user.may_act_for(customer_id) {
        return Err(not_yours());
    }
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .map(|n| required_text("name", n, 100, &mut errors));
    let phone = body.phone.as_ref().map(|p| {
        p.as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                let digits = p.chars().filter(char::is_ascii_digit).count();
                let allowed = p
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'));
                if !allowed || !(7..=15).contains(&digits) {
                    errors.push(FieldError::new(
                        "phone",
                        "7-15 digits, optionally with + - and spaces",
                    ));
                }
                p.to_owned()
            })
    });
    let city = body.preferred_city.as_ref().map(|c| {
        c.as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| {
                if c.chars().count() > 80 {
                    errors.push(FieldError::new("preferred_city", "at most 80 characters"));
                }
                c.to_owned()
            })
    });
    let languages = body
        .languages
        .as_deref()
        .map(|l| clean_list("languages", l, 10, &mut errors));
    let genres = body
        .genres
        .as_deref()
        .map(|g| clean_list("genres", g, 20, &mut errors));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let consents = body.consents;
    let updated = sqlx::query(
        "update accounts set
            name = coalesce($2, name),
            phone = case when $3 then $4 else phone end,
            preferred_city = case when $5 then $6 else preferred_city end,
            languages = coalesce($7, languages),
            genres = coalesce($8, genres),
            consent_email = coalesce($9, consent_email),
            consent_sms = coalesce($10, consent_sms),
            consent_push = coalesce($11, consent_push)
          where account_id = $1 and role = 'customer' and erased_at is null",
    )
    .bind(customer_id)
    .bind(name)
    .bind(phone.is_some())
    .bind(phone.flatten())
    .bind(city.is_some())
    .bind(city.flatten())
    .bind(languages)
    .bind(genres)
    .bind(consents.map(|c| c.email))
    .bind(consents.map(|c| c.sms))
    .bind(consents.map(|c| c.push))
    .execute(&state.db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::NotFound("customer"));
    }
    load_customer(&state.db, customer_id).await.map(ApiJson)
}
