//! `AuthUser`: the signed-in account of a request, from `Authorization: Bearer <jwt>`.

use super::{Role, tokens};
use crate::state::AppState;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use uuid::Uuid;

/// The caller, authenticated.
#[derive(Clone, Copy, Debug)]
pub struct AuthUser {
    /// The account.
    pub account_id: Uuid,
    /// Its role.
    pub role: Role,
}

impl AuthUser {
    /// Whether the caller may act for `account` (itself, or an operator).
    pub fn may_act_for(&self, account: Uuid) -> bool {
        self.account_id == account || self.role == Role::Admin
    }
}

fn unauthorized(message: &str) -> Response {
    let mut resp = (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": {"code": "unauthorized", "message": message}})),
    )
        .into_response();
    resp.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

/// Reads the bearer token, if any: `Ok(None)` without an `Authorization` header, an error for a
/// token that does not verify (a bad token is never treated as anonymous).
fn from_headers(parts: &Parts, state: &AppState) -> Result<Option<AuthUser>, &'static str> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    match tokens::verify_access(&state.config.auth, token) {
        Some(claims) => Ok(Some(AuthUser {
            account_id: claims.sub,
            role: claims.role,
        })),
        None => Err("the access token is invalid or expired"),
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        from_headers(parts, state)
            .map_err(unauthorized)?
            .ok_or_else(|| unauthorized("sign in: send Authorization: Bearer <access token>"))
    }
}

impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        from_headers(parts, state).map_err(unauthorized)
    }
}
