//! Sessions: what sign-in reads, whether an access token's account still stands, and refresh
//! tokens (stored only as hashes, single-use, grouped in families: one family per sign-in).

use super::AccountRef;
use mtbp_domain::{AccountId, PartnerId, Role};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// What signing in with a password needs of an account.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// Who the account is.
    pub account: AccountRef,
    /// Its password hash; `None` for accounts without a password.
    pub password_hash: Option<String>,
}

struct CredentialsRow {
    account_id: AccountId,
    role: Role,
    partner_id: Option<PartnerId>,
    password_hash: Option<String>,
}

/// The live account with `email` (lower case), unless it is staff of a deleted partner.
pub async fn credentials(
    db: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<Credentials>> {
    let row = sqlx::query_as!(
        CredentialsRow,
        r#"select a.account_id as "account_id: AccountId", a.role as "role: Role",
                  a.password_hash, a.partner_id as "partner_id: PartnerId"
             from accounts a left join partners p on p.partner_id = a.partner_id
            where lower(a.email) = $1 and a.erased_at is null and p.deleted_at is null"#,
        email,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Credentials {
        account: AccountRef {
            account_id: r.account_id,
            role: r.role,
            partner_id: r.partner_id,
        },
        password_hash: r.password_hash,
    }))
}

/// Whether the live account still has the password hash `hash`, holding its row (for share)
/// for the rest of the transaction.
pub async fn password_unchanged(
    db: impl PgExecutor<'_>,
    account: AccountId,
    hash: Option<&str>,
) -> sqlx::Result<bool> {
    let row = sqlx::query_scalar!(
        r#"select 1 as "one!" from accounts where account_id = $1 and password_hash = $2
              and erased_at is null for share"#,
        account as AccountId,
        hash,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// Whether an access token issued at `issued_at` (seconds since the epoch) for `account` still
/// stands: the account is live, its partner (if any) is not deleted, and its sessions were not
/// ended in or after that second. One primary-key lookup.
pub async fn token_stands(
    db: impl PgExecutor<'_>,
    account: AccountId,
    issued_at: i64,
) -> sqlx::Result<bool> {
    let row = sqlx::query_scalar!(
        r#"select 1 as "one!" from accounts a left join partners p on p.partner_id = a.partner_id
            where a.account_id = $1 and a.erased_at is null and p.deleted_at is null
              and (a.sessions_revoked_at is null
                   or to_timestamp($2::int8) >= date_trunc('second', a.sessions_revoked_at)
                      + interval '1 second')"#,
        account as AccountId,
        issued_at,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// Stores a new refresh token (its hash) of `family`, valid for `ttl_secs`.
pub async fn insert_refresh(
    db: impl PgExecutor<'_>,
    token_hash: &str,
    account: AccountId,
    family: Uuid,
    ttl_secs: f64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into refresh_tokens (token_hash, account_id, family_id, expires_at)
         values ($1, $2, $3, now() + make_interval(secs => $4))",
        token_hash,
        account as AccountId,
        family,
        ttl_secs,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Holds (for share) the row of the account a refresh token belongs to, if any: ending the
/// account's sessions, which locks it for update, then waits for the rotation.
pub async fn hold_account_of(db: impl PgExecutor<'_>, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "select 1 as one from accounts
          where account_id = (select account_id from refresh_tokens where token_hash = $1)
            for share",
        token_hash,
    )
    .fetch_optional(db)
    .await?;
    Ok(())
}

/// A refresh token just used: its account and family.
#[derive(Clone, Copy, Debug)]
pub struct UsedToken {
    /// Who the account is.
    pub account: AccountRef,
    /// The token's family.
    pub family: Uuid,
}

struct UsedRow {
    account_id: AccountId,
    family_id: Uuid,
    role: Role,
    partner_id: Option<PartnerId>,
}

/// Marks a live refresh token used, in one conditional update: of two concurrent uses only
/// one gets it. `None` if it is unknown, used, revoked, expired, or its account erased.
pub async fn use_refresh(
    db: impl PgExecutor<'_>,
    token_hash: &str,
) -> sqlx::Result<Option<UsedToken>> {
    let row = sqlx::query_as!(
        UsedRow,
        r#"update refresh_tokens t set used_at = now()
             from accounts a
            where t.token_hash = $1 and a.account_id = t.account_id and a.erased_at is null
              and t.used_at is null and t.revoked_at is null and t.expires_at > now()
        returning t.account_id as "account_id!: AccountId", t.family_id as "family_id!",
                  a.role as "role!: Role", a.partner_id as "partner_id: PartnerId""#,
        token_hash,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| UsedToken {
        account: AccountRef {
            account_id: r.account_id,
            role: r.role,
            partner_id: r.partner_id,
        },
        family: r.family_id,
    }))
}

/// The family of a refresh token that was already used, if it is one.
pub async fn family_of_used(
    db: impl PgExecutor<'_>,
    token_hash: &str,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "select family_id from refresh_tokens where token_hash = $1 and used_at is not null",
        token_hash,
    )
    .fetch_optional(db)
    .await
}

/// The family of a known refresh token.
pub async fn family_of(db: impl PgExecutor<'_>, token_hash: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "select family_id from refresh_tokens where token_hash = $1",
        token_hash,
    )
    .fetch_optional(db)
    .await
}

/// Revokes every token of a family.
pub async fn revoke_family(db: impl PgExecutor<'_>, family: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null",
        family,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes every refresh token of an account.
pub async fn revoke_account(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<()> {
    sqlx::query!(
        "update refresh_tokens set revoked_at = now() where account_id = $1 and revoked_at is null",
        account as AccountId,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes every refresh token of a partner's staff.
pub async fn revoke_partner_staff(db: impl PgExecutor<'_>, partner: PartnerId) -> sqlx::Result<()> {
    sqlx::query!(
        "update refresh_tokens t set revoked_at = now() from accounts a
          where a.account_id = t.account_id and a.partner_id = $1 and t.revoked_at is null",
        partner as PartnerId,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends every session of an account: its refresh tokens are revoked and access tokens issued
/// until now are refused. `conn` must hold the account's row for update, taken before this
/// call, so that a sign-in or refresh in flight has committed its tokens.
pub async fn end_sessions(conn: &mut PgConnection, account: AccountId) -> sqlx::Result<()> {
    // clock_timestamp(), not now(): the transaction may have started before the row lock was
    // granted, and a token signed meanwhile must count as issued before this instant.
    sqlx::query!(
        "update accounts set sessions_revoked_at = clock_timestamp() where account_id = $1",
        account as AccountId,
    )
    .execute(&mut *conn)
    .await?;
    revoke_account(&mut *conn, account).await
}
