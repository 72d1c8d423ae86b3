//! `POST /auth/login`, `/auth/refresh`, `/auth/logout`.

use super::json::{Login, Me, RefreshRequest};
use crate::auth::AuthUser;
use crate::auth::tokens::{self, Refresh, TokenPair};
use crate::error::envelope;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use mtbp_store::accounts::sessions;
use uuid::Uuid;

fn invalid_credentials() -> ApiError {
    // The same answer for an unknown email and a wrong password.
    ApiError::Refused {
        status: StatusCode::UNAUTHORIZED,
        code: ErrorCode::InvalidCredentials,
        message: "the email or password is wrong".into(),
        details: None,
    }
}

fn too_many(wait_secs: u64) -> Response {
    let mut resp = envelope(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::TooManyAttempts,
        format!("too many sign-in attempts; retry in {wait_secs} s"),
    );
    if let Ok(v) = HeaderValue::from_str(&wait_secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Signs in with email and password; answers an access token and a refresh token.
#[utoipa::path(post, path = "/auth/login", tag = "accounts", request_body = Login,
    responses((status = 200, body = TokenPair), (status = 401, body = ErrorEnvelope),
              (status = 429, body = ErrorEnvelope, description = "Too many attempts; see Retry-After"),
              (status = 503, body = ErrorEnvelope, description = "Too many sign-ins at once; see Retry-After")))]
pub async fn login(State(state): State<AppState>, ApiJson(body): ApiJson<Login>) -> Response {
    let email = body.email.trim().to_ascii_lowercase();
    // No account has a longer email: refused before it becomes a limiter key or a query.
    if email.len() > state.config.flood.email_max_length || email.chars().any(char::is_control) {
        return invalid_credentials().into_response();
    }
    if let Err(not_until) = state.login_limiter.check_key(&email) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return too_many(wait.as_secs().max(1));
    }
    match sign_in(&state, &email, body.password).await {
        Ok(pair) => ApiJson(pair).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn sign_in(state: &AppState, email: &str, password: String) -> ApiResult<TokenPair> {
    // Staff of a deleted partner cannot sign in.
    let found = sessions::credentials(&state.db, email).await?;
    let stored = found.as_ref().and_then(|c| c.password_hash.clone());
    let matches = state.hashing.verify(password, stored.clone()).await?;
    let Some(found) = found.filter(|_| matches) else {
        return Err(invalid_credentials());
    };
    let user = AuthUser::from(found.account);
    // The password may have been taken away while it was being checked (the owner of the
    // email took the account over through the identity provider): hold the row while the
    // tokens are made, and only if the password is still the one that matched.
    let mut tx = state.db.begin().await?;
    if !sessions::password_unchanged(&mut *tx, found.account.account_id, stored.as_deref()).await? {
        return Err(invalid_credentials());
    }
    let pair = tokens::issue(&mut tx, &state.config.auth, &user, Uuid::new_v4()).await?;
    tx.commit().await?;
    Ok(pair)
}

/// Swaps a refresh token for a new pair. Each refresh token works once; reusing one revokes
/// every token issued from the same sign-in.
#[utoipa::path(post, path = "/auth/refresh", tag = "accounts", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = ErrorEnvelope)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<ApiJson<TokenPair>> {
    let refused = |message: &str| ApiError::Refused {
        status: StatusCode::UNAUTHORIZED,
        code: ErrorCode::InvalidRefreshToken,
        message: message.into(),
        details: None,
    };
    match tokens::rotate(&state.db, &state.config.auth, body.refresh_token.trim()).await? {
        Refresh::Rotated(pair) => Ok(ApiJson(pair)),
        Refresh::Invalid => Err(refused("the refresh token is invalid, expired or revoked")),
        Refresh::Reused => Err(refused(
            "the refresh token was already used; every session from that sign-in is revoked",
        )),
    }
}

/// Signs out: revokes the refresh token and every token of its sign-in.
#[utoipa::path(post, path = "/auth/logout", tag = "accounts", request_body = RefreshRequest,
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<StatusCode> {
    tokens::revoke(&state.db, body.refresh_token.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the bearer token belongs to: account, role and, for partner staff, the partner.
#[utoipa::path(get, path = "/auth/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorEnvelope)))]
pub async fn me(user: AuthUser) -> ApiJson<Me> {
    ApiJson(Me {
        account_id: user.account_id,
        role: user.role,
        partner_id: user.partner_id,
    })
}
