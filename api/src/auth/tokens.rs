//! Issuing and checking tokens.

use super::{AuthConfig, AuthUser, Role};
use crate::error::ApiError;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The account.
    pub sub: Uuid,
    /// Its role.
    pub role: Role,
    /// The partner a partner's staff member works for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<Uuid>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
}

/// A pair of tokens for a signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single-use token for `POST /auth/refresh`.
    pub refresh_token: String,
    /// The account.
    pub account_id: Uuid,
    /// Its role.
    pub role: Role,
    /// For partner staff: their partner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<Uuid>,
}

/// Signs an access token for `user`.
pub fn access_token(config: &AuthConfig, user: &AuthUser) -> Result<String, ApiError> {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: user.account_id,
        role: user.role,
        partner_id: user.partner_id,
        iss: config.issuer.clone(),
        aud: config.audience.clone(),
        iat: now,
        exp: now + config.access_ttl.as_secs(),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&config.secret),
    )
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("signing a token: {e}")))
}

/// Checks an access token: signature, expiry, issuer and audience.
pub fn verify_access(config: &AuthConfig, token: &str) -> Option<Claims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[&config.issuer]);
    validation.set_audience(&[&config.audience]);
    validation.leeway = 0;
    decode::<Claims>(
        token,
        &DecodingKey::from_secret(&config.secret),
        &validation,
    )
    .ok()
    .map(|data| data.claims)
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("rt_{}", hex::encode(bytes))
}

/// Issues a token pair, the refresh token in `family` (a new family at login), on `conn`: a
/// transaction that holds the account's row, so that ending the account's sessions waits for
/// it. The access token is signed first, so its `iat` is never later than the commit.
pub async fn issue(
    conn: &mut PgConnection,
    config: &AuthConfig,
    user: &AuthUser,
    family: Uuid,
) -> Result<TokenPair, ApiError> {
    let access_token = access_token(config, user)?;
    let refresh = new_refresh_token();
    sqlx::query(
        "insert into refresh_tokens (token_hash, account_id, family_id, expires_at)
         values ($1, $2, $3, now() + make_interval(secs => $4))",
    )
    .bind(hash_token(&refresh))
    .bind(user.account_id)
    .bind(family)
    .bind(config.refresh_ttl.as_secs_f64())
    .execute(&mut *conn)
    .await?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer",
        expires_in: config.access_ttl.as_secs(),
        refresh_token: refresh,
        account_id: user.account_id,
        role: user.role,
        partner_id: user.partner_id,
    })
}

/// The outcome of presenting a refresh token.
pub enum Refresh {
    /// Valid, now used, and replaced by this pair in the same family.
    Rotated(TokenPair),
    /// Unknown, expired or revoked.
    Invalid,
    /// Already used: the family is now revoked.
    Reused,
}

/// Uses a refresh token once and issues the next, or detects its reuse, in one transaction:
/// marking it used is one conditional update, so of two concurrent uses one rotates and the
/// other, seeing it used, revokes the family, the new token included.
pub async fn rotate(db: &PgPool, config: &AuthConfig, token: &str) -> Result<Refresh, ApiError> {
    let hash = hash_token(token);
    let mut tx = db.begin().await?;
    // The account's row first, shared: ending its sessions (which locks it for update) waits
    // for this rotation and revokes its result, or comes first and this finds the token revoked.
    sqlx::query(
        "select 1 from accounts
          where account_id = (select account_id from refresh_tokens where token_hash = $1)
            for share",
    )
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    let used: Option<(Uuid, Uuid, String, Option<Uuid>)> = sqlx::query_as(
        "update refresh_tokens t set used_at = now()
           from accounts a
          where t.token_hash = $1 and a.account_id = t.account_id and a.erased_at is null
            and t.used_at is null and t.revoked_at is null and t.expires_at > now()
      returning t.account_id, t.family_id, a.role, a.partner_id",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((account_id, family, role, partner_id)) = used {
        let role = Role::parse(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
        let user = AuthUser {
            account_id,
            role,
            partner_id,
        };
        let pair = issue(&mut tx, config, &user, family).await?;
        tx.commit().await?;
        return Ok(Refresh::Rotated(pair));
    }
    let reused: Option<Uuid> = sqlx::query_scalar(
        "select family_id from refresh_tokens where token_hash = $1 and used_at is not null",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(family) = reused else {
        return Ok(Refresh::Invalid);
    };
    revoke_family(&mut *tx, family).await?;
    tx.commit().await?;
    tracing::warn!(refresh.family = %family, "refresh token reused; family revoked");
    Ok(Refresh::Reused)
}

/// Revokes every token of a family.
pub async fn revoke_family(db: impl PgExecutor<'_>, family: Uuid) -> Result<(), ApiError> {
    sqlx::query(
        "update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null",
    )
    .bind(family)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends every session of an account: its refresh tokens are revoked and access tokens issued
/// until now are refused. `conn` must hold the account's row for update, taken before this
/// call, so that a sign-in or refresh in flight has committed its tokens.
pub async fn end_sessions(conn: &mut PgConnection, account_id: Uuid) -> Result<(), sqlx::Error> {
    // clock_timestamp(), not now(): the transaction may have started before the row lock was
    // granted, and a token signed meanwhile must count as issued before this instant.
    sqlx::query(
        "update accounts set sessions_revoked_at = clock_timestamp() where account_id = $1",
    )
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update refresh_tokens set revoked_at = now() where account_id = $1 and revoked_at is null",
    )
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Revokes the family of `token`, if the token is known.
pub async fn revoke(db: &PgPool, token: &str) -> Result<(), ApiError> {
    let family: Option<Uuid> =
        sqlx::query_scalar("select family_id from refresh_tokens where token_hash = $1")
            .bind(hash_token(token))
            .fetch_optional(db)
            .await?;
    if let Some(family) = family {
        revoke_family(db, family).await?;
    }
    Ok(())
}
