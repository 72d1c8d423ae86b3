//! Food and beverage add-ons of a theater: `POST/GET /theaters/{id}/addons`,
//! `PUT/DELETE /addons/{id}`. The theater's partner (its active staff) and operators manage
//! them; everyone sees the ones on sale.

mod create;
mod delete;
pub mod json;
mod read;
mod update;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The add-on routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_addon, read::list_addons))
        .routes(routes!(update::update_addon, delete::delete_addon))
}

/// The 409 of a code another live add-on of the theater has (`addons_code`).
fn code_taken(code: &str) -> ApiError {
    ApiError::conflict(
        ErrorCode::AddonCodeTaken,
        format!("this theater already has an add-on with the code {code}"),
    )
}
