//! `GET|PUT|DELETE /theaters/{id}/connection`: how a theater's box office is connected
//! (designated rows or live). Operators set it; the theater's partner reads it.

use crate::auth::AuthUser;
use crate::auth::access::{forbidden, manage_theater};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::TheaterId;
use mtbp_store::theaters::{self, Connection, Model};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A theater's connection to its box office.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TheaterConnection {
    /// `designated`: the platform sells the seats set aside for it (`platform_reserved`) and
    /// sends each sale after payment. `live`: the box office is the authority; seats are
    /// locked there at hold time and the lock is confirmed after payment.
    pub model: String,
    /// The box office's base URL (`http(s)://host[:port]`, no path).
    pub base_url: String,
    /// How long the box office keeps a lock, seconds (60 to 3,600; 600 by default). It caps a
    /// live theater's holds.
    #[serde(default)]
    pub lock_seconds: Option<u32>,
}

fn out(c: Connection) -> TheaterConnection {
    TheaterConnection {
        model: c.model.as_str().to_owned(),
        base_url: c.base_url,
        lock_seconds: Some(c.lock_seconds),
    }
}

/// The theater's connection; 404 when it is not connected.
#[utoipa::path(get, path = "/theaters/{theater_id}/connection", tag = "catalog",
    params(("theater_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = TheaterConnection), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_connection(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(theater_id): ApiPath<TheaterId>,
) -> ApiResult<ApiJson<TheaterConnection>> {
    manage_theater(&state.db, &user, theater_id).await?;
    theaters::connection_of(&state.db, theater_id)
        .await?
        .map(|c| ApiJson(out(c)))
        .ok_or(ApiError::NotFound("theater connection"))
}

/// Connects the theater (operators). Bookings held from now on follow the new model.
#[utoipa::path(put, path = "/theaters/{theater_id}/connection", tag = "catalog",
    params(("theater_id" = Uuid, Path)), request_body = TheaterConnection,
    security(("bearer" = [])),
    responses((status = 200, body = TheaterConnection), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn put_connection(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(theater_id): ApiPath<TheaterId>,
    ApiJson(body): ApiJson<TheaterConnection>,
) -> ApiResult<ApiJson<TheaterConnection>> {
    manage_theater(&state.db, &user, theater_id).await?;
    if !user.is_operator() {
        return Err(forbidden("only operators connect a theater's box office"));
    }
    let model = Model::parse(&body.model)
        .ok_or_else(|| ApiError::field("model", "`designated` or `live`"))?;
    let url = body.base_url.trim().trim_end_matches('/');
    let valid = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() <= 200
        && url
            .split("://")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid {
        return Err(ApiError::field(
            "base_url",
            "http(s)://host[:port], no path",
        ));
    }
    let lock_seconds = body.lock_seconds.unwrap_or(600);
    if !(60..=3600).contains(&lock_seconds) {
        return Err(ApiError::field("lock_seconds", "between 60 and 3600"));
    }
    let c = Connection {
        theater_id,
        model,
        base_url: url.to_owned(),
        lock_seconds,
    };
    theaters::set_connection(&state.db, &c).await?;
    state.theaters.forget_all();
    Ok(ApiJson(out(c)))
}

/// Disconnects the theater (operators): nothing is shared with it from now on.
#[utoipa::path(delete, path = "/theaters/{theater_id}/connection", tag = "catalog",
    params(("theater_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Disconnected"), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete_connection(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(theater_id): ApiPath<TheaterId>,
) -> ApiResult<StatusCode> {
    manage_theater(&state.db, &user, theater_id).await?;
    if !user.is_operator() {
        return Err(forbidden(
            "only operators disconnect a theater's box office",
        ));
    }
    if theaters::remove_connection(&state.db, theater_id).await? {
        state.theaters.forget_all();
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("theater connection"))
    }
}
