//! `POST /customers` (sign-up) and `GET /customers/{id}`.

use super::json::{Account, NewCustomer};
use crate::auth::{AuthUser, Role, password};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::routes::catalog::required_text;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::Contact;
use mtbp_domain::seats::FieldError;
use uuid::Uuid;

/// Creates a customer account.
#[utoipa::path(post, path = "/customers", tag = "accounts", request_body = NewCustomer,
    responses((status = 201, body = Account), (status = 409, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewCustomer>,
) -> ApiResult<(StatusCode, ApiJson<Account>)> {
    let mut errors = Vec::new();
    let name = required_text("name", &body.name, 100, &mut errors);
    let email = match Contact::parse(&name, &body.email, None) {
        Ok(c) => c.email,
        Err(e) => {
            errors.extend(
                e.into_iter()
                    .filter(|f| f.field == "contact.email")
                    .map(|f| FieldError::new("email", f.message)),
            );
            String::new()
        }
    };
    let length = body.password.chars().count();
    if !(10..=200).contains(&length) {
        errors.push(FieldError::new("password", "10-200 characters"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = password::hash(body.password).await?;
    let account_id = Uuid::new_v4();
    let inserted = sqlx::query(
        "insert into accounts (account_id, role, email, password_hash, name)
         values ($1, 'customer', $2, $3, $4)",
    )
    .bind(account_id)
    .bind(&email)
    .bind(hash)
    .bind(&name)
    .execute(&state.db)
    .await;
    if let Err(sqlx::Error::Database(db)) = &inserted
        && db.constraint() == Some("accounts_email_key")
    {
        return Err(ApiError::conflict(
            "email_taken",
            "an account with this email exists; sign in instead",
        ));
    }
    inserted?;
    Ok((
        StatusCode::CREATED,
        ApiJson(Account {
            account_id,
            role: Role::Customer,
            name,
            email,
        }),
    ))
}

fn not_yours() -> ApiError {
    ApiError::Refused {
        status: StatusCode::FORBIDDEN,
        code: "forbidden",
        message: "this account is not yours".into(),
        details: None,
    }
}

/// Erases a customer's personal data: the account can no longer sign in, its sessions end, and
/// its bookings lose the contact details, while bookings, payments and refunds stay for
/// accounting.
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
        "update accounts set name = '', email = '', password_hash = null, erased_at = now()
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
    tx.commit().await?;
    tracing::info!(customer.id = %customer_id, "customer personal data erased");
    Ok(StatusCode::NO_CONTENT)
}

/// Reads a customer account: the customer themself, or an operator.
#[utoipa::path(get, path = "/customers/{customer_id}", tag = "accounts",
    params(("customer_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_customer(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(customer_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Account>> {
    if !user.may_act_for(customer_id) {
        return Err(not_yours());
    }
    let row: Option<(String, String, String)> = sqlx::query_as(
        "select role, name, email from accounts
          where account_id = $1 and role = 'customer' and erased_at is null",
    )
    .bind(customer_id)
    .fetch_optional(&state.db)
    .await?;
    let (role, name, email) = row.ok_or(ApiError::NotFound("customer"))?;
    Ok(ApiJson(Account {
        account_id: customer_id,
        role: Role::parse(&role).unwrap_or(Role::Customer),
        name,
        email,
    }))
}
