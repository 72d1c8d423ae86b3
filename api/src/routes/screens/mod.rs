//! Screens of a theater with their seat layouts: `GET/POST /theaters/{id}/screens`,
//! `PUT/DELETE /theaters/{id}/screens/{screen_id}`, `GET /screens/{id}`.
//!
//! A retired screen stays in the database for the shows and bookings that name it and leaves
//! the catalog; it may not retire, nor change its layout, while a show on it is still to run.

mod create;
mod delete;
pub mod json;
mod read;
mod update;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The screen routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_screen, read::list_screens))
        .routes(routes!(update::update_screen, delete::delete_screen))
        .routes(routes!(read::get_screen))
}

/// The 409 of a screen name the theater already uses (`screens_theater_name_key`).
fn name_taken(name: &str) -> ApiError {
    ApiError::conflict(
        ErrorCode::ScreenExists,
        format!("this theater already has a screen named {name:?}"),
    )
}
