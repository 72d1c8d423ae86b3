//! Proving a customer owns their email: a six-digit code sent by email (through the outbox),
//! typed back within 15 minutes, five tries. A verified email lets the customer claim the guest
//! bookings made with it.

use super::customers::load_customer;
use super::json::{Customer, VerificationCode, VerificationSent};
use crate::auth::AuthUser;
use crate::auth::access::forbidden;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

const CODE_MINUTES: i64 = 15;
const MAX_ATTEMPTS: i32 = 5;

fn code_hash(account: Uuid, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{account}:{code}").as_bytes()))
}

fn only_self(user: &AuthUser, customer_id: Uuid) -> ApiResult<()> {
    if user.account_id == customer_id {
        Ok(())
    } else {
        Err(forbidden("only the customer can verify their own email"))
    }
}

/// Emails a verification code to the customer's address. At most one code a minute.
#[utoipa::path(post, path = "/customers/{customer_id}/email-verification", tag = "accounts",
    params(("customer_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 202, body = VerificationSent), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Already verified"),
              (status = 429, body = ErrorEnvelope, description = "A code was sent less than a minute ago")))]
pub async fn send_code(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(customer_id): ApiPath<Uuid>,
) -> ApiResult<(StatusCode, ApiJson<VerificationSent>)> {
    only_self(&user, customer_id)?;
    let customer = load_customer(&state.db, customer_id).await?;
    if customer.email_verified {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyVerified,
            "this email is already verified",
        ));
    }
    let mut tx = state.db.begin().await?;
    // Serialises concurrent requests of one account.
    sqlx::query("select 1 from accounts where account_id = $1 for update")
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    let recent: Option<DateTime<Utc>> = sqlx::query_scalar(
        "select max(created_at) from email_verifications
          where account_id = $1 and created_at > now() - interval '1 minute'",
    )
    .bind(customer_id)
    .fetch_one(&mut *tx)
    .await?;
    if recent.is_some() {
        return Err(ApiError::Refused {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: ErrorCode::CodeRecentlySent,
            message: "a code was sent less than a minute ago; check your inbox".into(),
            details: None,
        });
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let expires_at: DateTime<Utc> = sqlx::query_scalar(
        "insert into email_verifications (verification_id, account_id, email, code_hash, expires_at)
         values ($1, $2, $3, $4, now() + make_interval(mins => $5))
         returning expires_at",
    )
    .bind(Uuid::new_v4())
    .bind(customer_id)
    .bind(&customer.email)
    .bind(code_hash(customer_id, &code))
    .bind(i32::try_from(CODE_MINUTES).unwrap_or(15))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "insert into outbox_emails (email_id, to_address, subject, body) values ($1, $2, $3, $4)",
    )
    .bind(Uuid::new_v4())
    .bind(&customer.email)
    .bind("Your mtbp verification code")
    .bind(format!(
        "Hello {},\n\nYour verification code is {code}. It works for {CODE_MINUTES} minutes.\n",
        customer.name
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(VerificationSent {
            email: customer.email,
            expires_at,
        }),
    ))
}

/// Confirms the emailed code; the customer's email is then verified.
#[utoipa::path(post, path = "/customers/{customer_id}/email-verification/confirm", tag = "accounts",
    params(("customer_id" = Uuid, Path)), request_body = VerificationCode,
    security(("bearer" = [])),
    responses((status = 200, body = Customer), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "No live code: ask for a new one"),
              (status = 422, body = ErrorEnvelope, description = "Wrong code")))]
pub async fn confirm_code(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(customer_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<VerificationCode>,
) -> ApiResult<ApiJson<Customer>> {
    only_self(&user, customer_id)?;
    let code = body.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::field("code", "six digits"));
    }
    let mut tx = state.db.begin().await?;
    let live: Option<(Uuid, String, String, i32)> = sqlx::query_as(
        "select v.verification_id, v.code_hash, v.email, v.attempts
           from email_verifications v join accounts a using (account_id)
          where v.account_id = $1 and v.used_at is null and v.expires_at > now()
            and v.email = a.email and a.erased_at is null
          order by v.created_at desc limit 1 for update of v",
    )
    .bind(customer_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((verification_id, hash, _email, attempts)) = live.filter(|l| l.3 < MAX_ATTEMPTS)
    else {
        return Err(ApiError::conflict(
            ErrorCode::NoLiveCode,
            "no usable code: it expired, was used, or was tried too often; ask for a new one",
        ));
    };
    if hash != code_hash(customer_id, code) {
        sqlx::query(
            "update email_verifications set attempts = attempts + 1 where verification_id = $1",
        )
        .bind(verification_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Err(ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: ErrorCode::WrongCode,
            message: format!(
                "the code is wrong; {} tries left",
                MAX_ATTEMPTS - attempts - 1
            ),
            details: None,
        });
    }
    sqlx::query("update email_verifications set used_at = now() where verification_id = $1")
        .bind(verification_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("update accounts set email_verified_at = now() where account_id = $1")
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    load_customer(&state.db, customer_id).await.map(ApiJson)
}
