//! Shows and their seats: `POST /shows` (with the search, [`crate::routes::discovery`], on the
//! same path), `POST /shows/bulk`, `GET/PUT/DELETE /shows/{id}`, the seat map
//! `GET /shows/{id}/seats` with its availability and best-seat suggestions, and the
//! operator's `PUT /shows/{id}/inventory`.

mod announce;
mod best_seats;
pub(super) mod create;
mod delete;
mod inventory;
pub mod json;
mod read;
mod seat_map;
mod update;
mod wire;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use mtbp_domain::{ShowId, TheaterId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The show routes, but `POST /shows` (see [`crate::routes::all`]).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_shows))
        .routes(routes!(
            read::get_show,
            update::update_show,
            delete::delete_show
        ))
        .routes(routes!(seat_map::get_seat_map))
        .routes(routes!(delete::get_show_cancellation))
        .routes(routes!(best_seats::best_seats))
        .routes(routes!(seat_map::get_availability))
        .routes(routes!(inventory::update_inventory))
}

/// The theater of a show; 404 if there is no such show.
async fn show_theater(db: &mtbp_store::PgPool, show_id: ShowId) -> ApiResult<TheaterId> {
    mtbp_store::catalog::shows::theater_of(db, show_id)
        .await?
        .ok_or(ApiError::NotFound("show"))
}

/// The 409 of a change that would move or remove a show with `n` seats held or booked.
fn has_bookings(n: i64) -> ApiError {
    ApiError::conflict(
        ErrorCode::ShowHasBookings,
        format!(
            "{n} seat(s) of this show are held or booked; the show cannot be moved or removed \
             until show cancellation (with refunds) exists"
        ),
    )
}

/// The 409 of the overlap constraint (`shows_no_overlap`).
fn overlaps() -> ApiError {
    ApiError::conflict(
        ErrorCode::ShowOverlaps,
        "another show on this screen overlaps this time (cleaning buffer included)",
    )
}
