//! Operator accounts come from configuration, never from public sign-up.

use super::password;
use crate::config::OperatorSeed;
use sqlx::PgPool;
use uuid::Uuid;

/// Makes sure the configured operator exists with the configured password. Refuses to turn an
/// existing customer, partner or broker account into an operator.
pub async fn ensure(db: &PgPool, seed: &OperatorSeed) -> anyhow::Result<()> {
    let email = seed.email.trim().to_ascii_lowercase();
    let hash = password::Hashing::new(1)
        .hash(seed.password.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let role: Option<String> = sqlx::query_scalar(
        "select role from accounts where lower(email) = $1 and erased_at is null",
    )
    .bind(&email)
    .fetch_optional(db)
    .await?;
    match role.as_deref() {
        None => {
            sqlx::query(
                "insert into accounts (account_id, role, email, password_hash, name)
                 values ($1, 'admin', $2, $3, 'Operator')",
            )
            .bind(Uuid::new_v4())
            .bind(&email)
            .bind(hash)
            .execute(db)
            .await?;
        }
        Some("admin") => {
            sqlx::query(
                "update accounts set password_hash = $2
                  where lower(email) = $1 and role = 'admin' and erased_at is null",
            )
            .bind(&email)
            .bind(hash)
            .execute(db)
            .await?;
        }
        Some(other) => anyhow::bail!("MTBP_ADMIN_EMAIL belongs to a {other} account"),
    }
    tracing::info!("operator account ensured");
    Ok(())
}
