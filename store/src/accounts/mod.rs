//! Accounts and what hangs off them: customers' profiles, partners and their staff, sessions
//! (refresh tokens), email verification, saved payment methods, operators and external
//! identities. One module per table or concern; every write to `accounts`, `partners`,
//! `refresh_tokens`, `email_verifications` and `payment_methods` goes through here.

pub mod customers;
pub mod identities;
pub mod members;
pub mod operators;
pub mod ownership;
pub mod partners;
pub mod payment_methods;
pub mod sessions;
pub mod verification;

use mtbp_domain::{AccountId, PartnerId, Role};
use sqlx::PgExecutor;

/// The unique index on live accounts' emails (case-insensitive): a second account with the
/// same email violates it.
pub const EMAIL_KEY: &str = "accounts_email_key";

/// Who an account is, as a signed-in caller: its id, role and, for partner staff, the partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountRef {
    /// The account.
    pub account_id: AccountId,
    /// Its role.
    pub role: Role,
    /// For partner staff: the partner.
    pub partner_id: Option<PartnerId>,
}

/// A new account with a password (or none, for accounts that sign in elsewhere).
#[derive(Clone, Copy, Debug)]
pub struct NewAccount<'a> {
    /// Its id.
    pub account_id: AccountId,
    /// Its role.
    pub role: Role,
    /// Normalised email.
    pub email: &'a str,
    /// Argon2 hash of the password.
    pub password_hash: Option<&'a str>,
    /// Display name.
    pub name: &'a str,
    /// For partner staff: the partner.
    pub partner_id: Option<PartnerId>,
}

/// Inserts an account. A live account with the same email violates [`EMAIL_KEY`].
pub async fn insert(db: impl PgExecutor<'_>, account: &NewAccount<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into accounts (account_id, role, email, password_hash, name, partner_id)
         values ($1, $2, $3, $4, $5, $6)",
        account.account_id as AccountId,
        account.role as Role,
        account.email,
        account.password_hash,
        account.name,
        account.partner_id as Option<PartnerId>,
    )
    .execute(db)
    .await?;
    Ok(())
}
