//! Routes grouped by resource. Each group is an `OpenApiRouter`, so the OpenAPI document is
//! generated from the same code that serves the requests. Auth will be a layer over these
//! groups, not a rewrite of them.

pub mod accounts;
pub mod addons;
pub mod analytics;
pub mod bookings;
pub(crate) mod common;
pub mod discovery;
pub mod health;
pub mod movies;
pub mod offers;
pub mod reviews;
pub mod screens;
pub mod settlements;
pub mod shows;
pub mod subscriptions;
pub mod theaters;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the API.
pub fn all() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(health::ready))
        .merge(accounts::router())
        .merge(catalog())
        .merge(bookings::router())
        .merge(offers::router())
        .merge(subscriptions::router())
        .merge(analytics::router())
        .merge(settlements::router())
}

/// The catalog: theaters, screens, movies, shows with their seats, reviews, and discovery.
/// A path served by two groups (`/theaters`, `/shows`: create and search) is routed here once,
/// since a router takes each path only once.
fn catalog() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            theaters::create::create_theater,
            discovery::theaters::search_theaters
        ))
        .merge(theaters::router())
        .merge(screens::router())
        .merge(movies::router())
        .routes(routes!(
            shows::create::create_show,
            discovery::shows::search_shows
        ))
        .merge(discovery::router())
        .merge(shows::router())
        .merge(reviews::router())
        .merge(addons::router())
}
