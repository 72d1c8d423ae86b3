//! `AuthUser`: the signed-in account of a request, from `Authorization: Bearer <jwt>`.

use super::{Role, tokens};
use crate::state::AppState;
use axum::extract::FromRequestParts;
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

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "sign in: send Authorization: Bearer <access token>",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        match tokens::verify_access(&state.config.auth, token) {
            Some(claims) => Ok(Self {
                account_id: claims.sub,
                role: claims.role,
            }),
            None => Err(unauthorized("the access token is invalid or expired")),
        }
    }
}
