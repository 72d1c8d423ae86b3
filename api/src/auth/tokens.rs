//! Issuing and checking tokens.

use super::{AuthConfig, AuthUser, Role};
use crate::error::ApiError;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use mtbp_domain::{AccountId, PartnerId};
use mtbp_store::accounts::sessions;
use mtbp_store::{PgConnection, PgPool};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The account (on the wire its UUID, as every token issued so far has it).
    pub sub: AccountId,
    /// Its role.
    pub role: Role,
    /// The partner a partner's staff member works for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<PartnerId>,
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single-use token for `POST /auth/refresh`.
    pub refresh_token: String,
    /// The account.
    #[schema(value_type = Uuid)]
    pub account_id: AccountId,
    /// Its role.
    pub role: Role,
    /// For partner staff: their partner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Uuid>)]
    pub partner_id: Option<PartnerId>,
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
    sessions::insert_refresh(
        &mut *conn,
        &hash_token(&refresh),
        user.account_id,
        family,
        config.refresh_ttl.as_secs_f64(),
    )
    .await?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer".into(),
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
    sessions::hold_account_of(&mut *tx, &hash).await?;
    if let Some(used) = sessions::use_refresh(&mut *tx, &hash).await? {
        let user = AuthUser::from(used.account);
        let pair = issue(&mut tx, config, &user, used.family).await?;
        tx.commit().await?;
        return Ok(Refresh::Rotated(pair));
    }
    let Some(family) = sessions::family_of_used(&mut *tx, &hash).await? else {
        return Ok(Refresh::Invalid);
    };
    sessions::revoke_family(&mut *tx, family).await?;
    tx.commit().await?;
    tracing::warn!(refresh.family = %family, "refresh token reused; family revoked");
    Ok(Refresh::Reused)
}

/// Revokes the family of `token`, if the token is known.
pub async fn revoke(db: &PgPool, token: &str) -> Result<(), ApiError> {
    if let Some(family) = sessions::family_of(db, &hash_token(token)).await? {
        sessions::revoke_family(db, family).await?;
    }
    Ok(())
}
