//! Account endpoints: customer sign-up and profile; sign-in, refresh and sign-out.

mod customers;
pub mod json;
mod sessions;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The account routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(customers::sign_up))
        .routes(routes!(customers::get_customer, customers::erase_customer))
        .routes(routes!(sessions::login))
        .routes(routes!(sessions::refresh))
        .routes(routes!(sessions::logout))
}
