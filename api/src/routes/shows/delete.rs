//! `DELETE /shows/{id}`: cancelling a show nobody has seats for.

use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::error::{ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::ShowId;
use mtbp_store::catalog::shows;
use mtbp_store::seats::inventory;

/// Removes a show with no seats held or booked: it is marked `cancelled`, stops being bookable
/// and frees its screen time (the theater's partner, or an operator). With bookings: 409.
#[utoipa::path(delete, path = "/shows/{show_id}", tag = "catalog",
    params(("show_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Cancelled"), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Seats are held or booked")))]
pub async fn delete_show(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(show_id): ApiPath<ShowId>,
) -> ApiResult<StatusCode> {
    let theater = super::show_theater(&state.db, show_id).await?;
    manage_theater(&state.db, &user, theater).await?;
    // With the seat rows locked no hold can slip in between the count and the cancellation;
    // blocking the free seats keeps any later hold off them.
    let mut tx = state.db.begin().await?;
    let live = inventory::lock_and_count_taken(&mut tx, show_id).await?;
    if live > 0 {
        return Err(super::has_bookings(live));
    }
    inventory::block_free(&mut tx, show_id).await?;
    shows::cancel(&mut tx, show_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
