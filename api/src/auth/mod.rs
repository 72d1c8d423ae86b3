//! Authentication: argon2id passwords, short-lived JWT access tokens, rotating refresh tokens.
//!
//! Access tokens are HS256 JWTs carrying the account id and role, checked for signature,
//! expiry, issuer and audience. Refresh tokens are random, stored only as SHA-256 hashes, and
//! single-use: each refresh issues a new one in the same family; presenting a used one again
//! (a stolen token racing its owner) revokes the whole family.

pub mod access;
mod extract;
pub mod limits;
pub mod oidc;
pub mod operators;
pub mod password;
pub mod seal;
pub mod tokens;

pub use extract::AuthUser;

use std::time::Duration;

/// What an account may do (stored as `accounts.role`).
pub use mtbp_domain::Role;

/// Token settings.
#[derive(Clone)]
pub struct AuthConfig {
    /// HMAC key of access tokens.
    pub secret: Vec<u8>,
    /// `iss` of issued tokens.
    pub issuer: String,
    /// `aud` of issued tokens.
    pub audience: String,
    /// Life of an access token.
    pub access_ttl: Duration,
    /// Life of a refresh token.
    pub refresh_ttl: Duration,
    /// Failed logins allowed per email per minute before 429.
    pub login_attempts_per_minute: u32,
    /// An external identity provider whose tokens are accepted too.
    pub oidc: Option<oidc::OidcConfig>,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl", &self.access_ttl)
            .field("oidc", &self.oidc)
            .finish_non_exhaustive()
    }
}
