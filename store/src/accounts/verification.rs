//! Email verification codes: stored as hashes, live for a few minutes, a few tries each.

use chrono::{DateTime, Utc};
use mtbp_domain::AccountId;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Whether a code was sent to the account in the last minute.
pub async fn sent_recently(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from email_verifications
                          where account_id = $1 and created_at > now() - interval '1 minute')
                  as "recent!""#,
        account as AccountId,
    )
    .fetch_one(db)
    .await
}

/// Stores a new code (its hash) for `email`, live for `minutes`; answers when it expires.
pub async fn insert(
    db: impl PgExecutor<'_>,
    account: AccountId,
    email: &str,
    code_hash: &str,
    minutes: i32,
) -> sqlx::Result<DateTime<Utc>> {
    sqlx::query_scalar!(
        "insert into email_verifications (verification_id, account_id, email, code_hash, expires_at)
         values ($1, $2, $3, $4, now() + make_interval(mins => $5))
         returning expires_at",
        Uuid::new_v4(),
        account as AccountId,
        email,
        code_hash,
        minutes,
    )
    .fetch_one(db)
    .await
}

/// The newest code of an account that can still be used.
#[derive(Clone, Debug)]
pub struct LiveCode {
    /// Its id.
    pub verification_id: Uuid,
    /// Hash of the code.
    pub code_hash: String,
    /// Wrong tries so far.
    pub attempts: i32,
}

/// The newest unused, unexpired code sent to the live account's current email, locked for
/// update for the rest of the transaction.
pub async fn live_code(
    db: impl PgExecutor<'_>,
    account: AccountId,
) -> sqlx::Result<Option<LiveCode>> {
    sqlx::query_as!(
        LiveCode,
        "select v.verification_id, v.code_hash, v.attempts
           from email_verifications v join accounts a using (account_id)
          where v.account_id = $1 and v.used_at is null and v.expires_at > now()
            and v.email = a.email and a.erased_at is null
          order by v.created_at desc limit 1 for update of v",
        account as AccountId,
    )
    .fetch_optional(db)
    .await
}

/// Counts a wrong try of a code.
pub async fn count_attempt(db: impl PgExecutor<'_>, verification: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update email_verifications set attempts = attempts + 1 where verification_id = $1",
        verification,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a code used.
pub async fn mark_used(db: impl PgExecutor<'_>, verification: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update email_verifications set used_at = now() where verification_id = $1",
        verification,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets every code of an account.
pub async fn delete_all(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from email_verifications where account_id = $1",
        account as AccountId,
    )
    .execute(db)
    .await?;
    Ok(())
}
