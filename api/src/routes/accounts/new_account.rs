//! Making an account with a password, shared by customer sign-up, partner sign-up, staff and
//! brokers: the details checked by the domain's rules, the password hashed, the row inserted.

use super::json::{Account, NewCustomer};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult, ErrorCode, OnConstraint};
use crate::state::AppState;
use mtbp_domain::account::{self, ACCOUNT_NAME_MAX};
use mtbp_domain::seats::FieldError;
use mtbp_domain::{AccountId, PartnerId};
use mtbp_store::accounts::{self as store, NewAccount};

/// A validated new account with its password hashed, ready to insert.
pub(super) struct PreparedAccount {
    name: String,
    email: String,
    hash: String,
}

/// Checks name, email and password, recording problems under `prefix` (e.g. `owner.`);
/// returns the trimmed name and the normalised email.
pub(super) fn check_new_account(
    body: &NewCustomer,
    prefix: &str,
    state: &AppState,
    errors: &mut Vec<FieldError>,
) -> (String, String) {
    let name = account::required_text(
        &format!("{prefix}name"),
        &body.name,
        ACCOUNT_NAME_MAX,
        errors,
    );
    let email = account::new_email(
        &format!("{prefix}email"),
        &body.email,
        state.config.flood.email_max_length,
        errors,
    );
    account::password(&format!("{prefix}password"), &body.password, errors);
    (name, email)
}

/// Validates a new account and hashes its password (before any connection is held: hashing
/// may wait for a slot).
pub(super) async fn prepare_account(
    state: &AppState,
    body: &NewCustomer,
    prefix: &str,
) -> ApiResult<PreparedAccount> {
    let mut errors = Vec::new();
    let (name, email) = check_new_account(body, prefix, state, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = state.hashing.hash(body.password.clone()).await?;
    Ok(PreparedAccount { name, email, hash })
}

/// Creates an account with a password; `partner_id` for partner staff. A live account with
/// the same email answers 409 `email_taken`.
pub(super) async fn insert_account(
    db: &mut mtbp_store::PgConnection,
    role: Role,
    account: PreparedAccount,
    partner_id: Option<PartnerId>,
) -> ApiResult<Account> {
    let PreparedAccount { name, email, hash } = account;
    let account_id = AccountId::from_uuid(uuid::Uuid::new_v4());
    let new = NewAccount {
        account_id,
        role,
        email: &email,
        password_hash: Some(&hash),
        name: &name,
        partner_id,
    };
    store::insert(db, &new)
        .await
        .on_constraint(store::EMAIL_KEY, || {
            ApiError::conflict(
                ErrorCode::EmailTaken,
                "an account with this email exists; sign in instead",
            )
        })?;
    Ok(Account {
        account_id,
        role,
        name,
        email,
    })
}
