//! `AuthUser`: the signed-in account of a request, from `Authorization: Bearer <jwt>`: a token
//! this API issued, or one from the configured OIDC provider.

use super::{Role, tokens};
use crate::error::{ErrorCode, envelope};
use crate::state::AppState;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mtbp_domain::{AccountId, PartnerId};
use mtbp_store::accounts::{AccountRef, sessions};

/// The caller, authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthUser {
    /// The account.
    pub account_id: AccountId,
    /// Its role.
    pub role: Role,
    /// For partner staff: the partner they work for.
    pub partner_id: Option<PartnerId>,
}

impl AuthUser {
    /// Whether the caller is an operator.
    pub fn is_operator(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the caller may act for `account` (itself, or an operator).
    pub fn may_act_for(&self, account: AccountId) -> bool {
        self.account_id == account || self.is_operator()
    }

    /// Whether the caller works for `partner` (or is an operator).
    pub fn may_act_for_partner(&self, partner: PartnerId) -> bool {
        self.is_operator() || (self.role == Role::Partner && self.partner_id == Some(partner))
    }
}

impl From<AccountRef> for AuthUser {
    fn from(account: AccountRef) -> Self {
        Self {
            account_id: account.account_id,
            role: account.role,
            partner_id: account.partner_id,
        }
    }
}

pub(super) fn unauthorized(message: &str) -> Response {
    let mut resp = envelope(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message);
    resp.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

/// Reads the bearer token, if any: `Ok(None)` without an `Authorization` header, an error for a
/// token that does not verify (a bad token is never treated as anonymous).
async fn from_headers(parts: &Parts, state: &AppState) -> Result<Option<AuthUser>, Response> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    if let Some(claims) = tokens::verify_access(&state.config.auth, token) {
        // Revocation: a token outlives neither its account (erased, staff removed) nor its
        // partner (deleted), nor the end of the account's sessions (`sessions::end_sessions`:
        // issued in or before that second). One primary-key lookup.
        let issued_at = i64::try_from(claims.iat).unwrap_or(i64::MAX);
        let live = sessions::token_stands(&state.db, claims.sub, issued_at)
            .await
            .map_err(|e| crate::error::ApiError::from(e).into_response())?;
        if !live {
            return Err(unauthorized(
                "the account behind this token no longer exists",
            ));
        }
        return Ok(Some(AuthUser {
            account_id: claims.sub,
            role: claims.role,
            partner_id: claims.partner_id,
        }));
    }
    if let Some(oidc) = &state.oidc
        && let Some(user) = oidc.authenticate(&state.db, token).await?
    {
        return Ok(Some(user));
    }
    Err(unauthorized("the access token is invalid or expired"))
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        from_headers(parts, state)
            .await?
            .ok_or_else(|| unauthorized("sign in: send Authorization: Bearer <access token>"))
    }
}

impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        from_headers(parts, state).await
    }
}
