//! Routes grouped by resource. Each group is an `OpenApiRouter`, so the OpenAPI document is
//! generated from the same code that serves the requests. Auth will be a layer over these
//! groups, not a rewrite of them.

pub mod accounts;
pub mod bookings;
pub mod catalog;
mod health;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the API.
pub fn all() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .merge(accounts::router())
        .merge(catalog::router())
        .merge(bookings::router())
}
