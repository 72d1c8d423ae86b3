//! Who may change what: the ownership rules shared by the handlers. Every rule answers 401
//! without a token (the extractor), 403 for a signed-in caller it does not allow, and 404 only
//! when the thing does not exist at all.

use super::{AuthUser, Role};
use crate::error::{ApiError, ApiResult, ErrorCode};
use axum::http::StatusCode;
use mtbp_domain::{PartnerId, PartnerStatus, ScreenId, TheaterId};
use mtbp_store::PgPool;
use mtbp_store::accounts::{ownership, partners};

/// A 403 with `message`.
pub fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::Refused {
        status: StatusCode::FORBIDDEN,
        code: ErrorCode::Forbidden,
        message: message.into(),
        details: None,
    }
}

/// Allows only `roles` (operators are listed explicitly where they are allowed).
pub fn require(user: &AuthUser, roles: &[Role], what: &str) -> ApiResult<()> {
    if roles.contains(&user.role) {
        Ok(())
    } else {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(forbidden(format!(
            "{what} is for {} accounts only",
            names.join(" or ")
        )))
    }
}

/// A partner may publish only while active: pending partners wait for an operator, suspended
/// or deleted ones are stopped.
pub async fn require_active_partner(db: &PgPool, partner_id: PartnerId) -> ApiResult<()> {
    match partners::status(db, partner_id).await? {
        Some(PartnerStatus::Active) => Ok(()),
        Some(other) => Err(ApiError::conflict(
            ErrorCode::PartnerNotActive,
            format!("the partner account is {other}; an operator must activate it first"),
        )),
        None => Err(ApiError::NotFound("partner")),
    }
}

/// Checks that `user` may change the theater (its partner's staff while active, or an
/// operator); 404 if there is no such theater.
pub async fn manage_theater(db: &PgPool, user: &AuthUser, theater_id: TheaterId) -> ApiResult<()> {
    let owner = ownership::theater_partner(db, theater_id)
        .await?
        .ok_or(ApiError::NotFound("theater"))?;
    if user.is_operator() {
        return Ok(());
    }
    match owner {
        Some(partner) if user.may_act_for_partner(partner) => {
            require_active_partner(db, partner).await
        }
        _ => Err(forbidden(
            "only the theater's partner or an operator may change this theater",
        )),
    }
}

/// Checks that `user` may change the screen's theater; returns the theater.
pub async fn manage_screen(
    db: &PgPool,
    user: &AuthUser,
    screen_id: ScreenId,
) -> ApiResult<TheaterId> {
    let theater = ownership::screen_theater(db, screen_id)
        .await?
        .ok_or(ApiError::NotFound("screen"))?;
    manage_theater(db, user, theater).await?;
    Ok(theater)
}

/// Checks that `user` may manage the partner account (its staff, or an operator); 404 if the
/// partner does not exist or was deleted.
pub async fn manage_partner(db: &PgPool, user: &AuthUser, partner_id: PartnerId) -> ApiResult<()> {
    partners::status(db, partner_id)
        .await?
        .ok_or(ApiError::NotFound("partner"))?;
    if user.may_act_for_partner(partner_id) {
        Ok(())
    } else {
        Err(forbidden("this partner account is not yours"))
    }
}
