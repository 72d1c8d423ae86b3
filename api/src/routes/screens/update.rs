//! `PUT /theaters/{id}/screens/{screen_id}`.

use super::json::{NewScreen, Screen};
use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope, OnConstraint};
use crate::routes::common::shows_ahead;
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::{ScreenId, SeatLayout, TheaterId};
use mtbp_store::catalog::screens::{self, ScreenFields};
use mtbp_store::catalog::shows;

/// Renames a screen or replaces its layout (the theater's partner, or an operator). A new
/// layout is refused while a show on the screen is still to run; shows that have run keep the
/// seat map they were sold with.
#[utoipa::path(put, path = "/theaters/{theater_id}/screens/{screen_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path), ("screen_id" = Uuid, Path)), request_body = NewScreen,
    security(("bearer" = [])),
    responses((status = 200, body = Screen), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Name taken, or a new layout while shows are still to run"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_screen(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((theater_id, screen_id)): ApiPath<(TheaterId, ScreenId)>,
    ApiJson(body): ApiJson<NewScreen>,
) -> ApiResult<ApiJson<Screen>> {
    manage_theater(&state.db, &user, theater_id).await?;
    let (name, seats) = body.checked()?;
    let fields = ScreenFields {
        name: &name,
        layout: &body.layout,
        seats: &seats,
    };
    let mut tx = state.db.begin().await?;
    let current = screens::lock(&mut tx, theater_id, screen_id)
        .await?
        .ok_or(ApiError::NotFound("screen"))?;
    let new_layout = serde_json::from_value::<SeatLayout>(current)
        .map_or(true, |current| current != body.layout);
    if new_layout {
        let ahead = shows::count_to_run_on_screen(&mut tx, screen_id).await?;
        if ahead > 0 {
            return Err(shows_ahead("this screen", ahead));
        }
    }
    screens::update(&mut tx, screen_id, &fields, new_layout)
        .await
        .on_constraint("screens_theater_name_key", || super::name_taken(&name))?;
    tx.commit().await?;
    let seat_count = fields.seat_count();
    Ok(ApiJson(Screen {
        screen_id,
        theater_id,
        name,
        seat_count,
        layout: body.layout,
    }))
}
