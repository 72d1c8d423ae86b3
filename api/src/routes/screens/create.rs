//! `POST /theaters/{id}/screens`.

use super::json::{NewScreen, Screen};
use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope, OnConstraint};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::{ScreenId, TheaterId};
use mtbp_store::catalog::screens::{self, ScreenFields};
use mtbp_store::catalog::theaters;
use uuid::Uuid;

/// Adds a screen with its seat layout to a theater (the theater's partner, or an operator).
#[utoipa::path(post, path = "/theaters/{theater_id}/screens", tag = "catalog",
    params(("theater_id" = Uuid, Path)), request_body = NewScreen,
    security(("bearer" = [])),
    responses((status = 201, body = Screen), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_screen(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(theater_id): ApiPath<TheaterId>,
    ApiJson(body): ApiJson<NewScreen>,
) -> ApiResult<(StatusCode, ApiJson<Screen>)> {
    manage_theater(&state.db, &user, theater_id).await?;
    let (name, seats) = body.checked()?;
    let fields = ScreenFields {
        name: &name,
        layout: &body.layout,
        seats: &seats,
    };
    let mut tx = state.db.begin().await?;
    // Shared lock: closing the theater waits for the new screen, or the screen for the close.
    if !theaters::lock_open_for_share(&mut tx, theater_id).await? {
        return Err(ApiError::NotFound("theater"));
    }
    let screen_id = ScreenId::from_uuid(Uuid::new_v4());
    screens::insert(&mut tx, screen_id, theater_id, &fields)
        .await
        .on_constraint("screens_theater_name_key", || super::name_taken(&name))?;
    tx.commit().await?;
    let seat_count = fields.seat_count();
    Ok((
        StatusCode::CREATED,
        ApiJson(Screen {
            screen_id,
            theater_id,
            name,
            seat_count,
            layout: body.layout,
        }),
    ))
}
