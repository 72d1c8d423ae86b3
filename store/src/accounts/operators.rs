//! Operator accounts, which come from configuration, never from public sign-up.

use super::NewAccount;
use mtbp_domain::{AccountId, Role};
use sqlx::PgExecutor;

/// The role of the live account with `email` (lower case).
pub async fn role_of_email(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<Option<Role>> {
    sqlx::query_scalar!(
        r#"select role as "role: Role" from accounts where lower(email) = $1 and erased_at is null"#,
        email,
    )
    .fetch_optional(db)
    .await
}

/// Creates an operator account named `Operator`.
pub async fn insert(db: impl PgExecutor<'_>, email: &str, password_hash: &str) -> sqlx::Result<()> {
    super::insert(
        db,
        &NewAccount {
            account_id: AccountId::from_uuid(uuid::Uuid::new_v4()),
            role: Role::Admin,
            email,
            password_hash: Some(password_hash),
            name: "Operator",
            partner_id: None,
        },
    )
    .await
}

/// Sets the password of the live operator account with `email`.
pub async fn set_password(
    db: impl PgExecutor<'_>,
    email: &str,
    password_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set password_hash = $2
          where lower(email) = $1 and role = $3 and erased_at is null",
        email,
        password_hash,
        Role::Admin as Role,
    )
    .execute(db)
    .await?;
    Ok(())
}
