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
use mtbp_domain::AccountId;
use mtbp_domain::account::is_verification_code;
use mtbp_store::accounts::{customers, verification};
use mtbp_store::outbox;
use rand::Rng;
use sha2::{Digest, Sha256};

const CODE_MINUTES: i32 = 15;
const MAX_ATTEMPTS: i32 = 5;

fn code_hash(account: AccountId, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{account}:{code}").as_bytes()))
}

fn only_self(user: &AuthUser, customer_id: AccountId) -> ApiResult<()> {
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
    ApiPath(customer_id): ApiPath<AccountId>,
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
    customers::lock(&mut *tx, customer_id).await?;
    if verification::sent_recently(&mut *tx, customer_id).await? {
        return Err(ApiError::Refused {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: ErrorCode::CodeRecentlySent,
            message: "a code was sent less than a minute ago; check your inbox".into(),
            details: None,
        });
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let hash = code_hash(customer_id, &code);
    let expires_at =
        verification::insert(&mut *tx, customer_id, &customer.email, &hash, CODE_MINUTES).await?;
    let body = format!(
        "Hello {},\n\nYour verification code is {code}. It works for {CODE_MINUTES} minutes.\n",
        customer.name
    );
    outbox::queue_email(
        &mut *tx,
        &customer.email,
        "Your mtbp verification code",
        &body,
    )
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
    ApiPath(customer_id): ApiPath<AccountId>,
    ApiJson(body): ApiJson<VerificationCode>,
) -> ApiResult<ApiJson<Customer>> {
    only_self(&user, customer_id)?;
    let code = body.code.trim();
    if !is_verification_code(code) {
        return Err(ApiError::field("code", "six digits"));
    }
    let mut tx = state.db.begin().await?;
    let live = verification::live_code(&mut *tx, customer_id).await?;
    let Some(live) = live.filter(|l| l.attempts < MAX_ATTEMPTS) else {
        return Err(ApiError::conflict(
            ErrorCode::NoLiveCode,
            "no usable code: it expired, was used, or was tried too often; ask for a new one",
        ));
    };
    if live.code_hash != code_hash(customer_id, code) {
        verification::count_attempt(&mut *tx, live.verification_id).await?;
        tx.commit().await?;
        return Err(ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: ErrorCode::WrongCode,
            message: format!(
                "the code is wrong; {} tries left",
                MAX_ATTEMPTS - live.attempts - 1
            ),
            details: None,
        });
    }
    verification::mark_used(&mut *tx, live.verification_id).await?;
    customers::mark_email_verified(&mut *tx, customer_id).await?;
    tx.commit().await?;
    load_customer(&state.db, customer_id).await.map(ApiJson)
}
