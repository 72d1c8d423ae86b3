//! Operator accounts come from configuration, never from public sign-up.

use super::password;
use crate::config::OperatorSeed;
use mtbp_domain::Role;
use mtbp_store::PgPool;
use mtbp_store::accounts::operators;

/// Makes sure the configured operator exists with the configured password. Refuses to turn an
/// existing customer, partner or broker account into an operator.
pub async fn ensure(db: &PgPool, seed: &OperatorSeed) -> anyhow::Result<()> {
    let email = seed.email.trim().to_ascii_lowercase();
    let hash = password::Hashing::new(1)
        .hash(seed.password.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    match operators::role_of_email(db, &email).await? {
        None => operators::insert(db, &email, &hash).await?,
        Some(Role::Admin) => operators::set_password(db, &email, &hash).await?,
        Some(other) => anyhow::bail!("MTBP_ADMIN_EMAIL belongs to a {other} account"),
    }
    tracing::info!("operator account ensured");
    Ok(())
}
