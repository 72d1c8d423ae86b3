//! Theaters: `POST /theaters` (with the search, [`crate::routes::discovery`], on the same
//! path), `GET/PUT/DELETE /theaters/{id}`. Their screens are [`crate::routes::screens`].
//!
//! A theater that closes stays in the database for the bookings that name it and leaves the
//! catalog; it may not close while a show there is still to run.

mod connection;
pub(super) mod create;
mod delete;
mod details;
pub mod json;
mod read;
mod update;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The theater routes, but `POST /theaters` (see [`crate::routes::all`]).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            read::get_theater,
            update::update_theater,
            delete::delete_theater
        ))
        .routes(routes!(
            connection::get_connection,
            connection::put_connection,
            connection::delete_connection
        ))
}
