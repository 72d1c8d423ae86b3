//! `PUT /shows/{id}/inventory`: blocking seats, setting rows aside for the platform, or putting
//! them back on sale.

use super::json::{InventoryChange, InventoryStatus, SeatMap};
use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::seats::FieldError;
use mtbp_domain::{SeatStatus, ShowId};
use mtbp_store::seats::inventory::{self, LockedSeat};

impl From<InventoryStatus> for SeatStatus {
    fn from(status: InventoryStatus) -> Self {
        match status {
            InventoryStatus::Available => Self::Free,
            InventoryStatus::Blocked => Self::Blocked,
            InventoryStatus::PlatformReserved => Self::PlatformReserved,
        }
    }
}

/// The named seats and rows the show does not have, as field errors.
fn unknown(seats: &[String], rows: &[String], found: &[LockedSeat]) -> Vec<FieldError> {
    let mut unknown: Vec<FieldError> = seats
        .iter()
        .filter(|s| !found.iter().any(|f| &f.seat_label == *s))
        .map(|s| FieldError::new("seats", format!("{s} is not a seat of this show")))
        .collect();
    unknown.extend(
        rows.iter()
            .filter(|r| !found.iter().any(|f| &f.row == *r))
            .map(|r| FieldError::new("rows", format!("{r} is not a row of this show"))),
    );
    unknown
}

/// The 409 naming seats that are held or booked, if any are.
fn taken(found: &[LockedSeat]) -> Option<ApiError> {
    let taken: Vec<&str> = found
        .iter()
        .filter(|f| matches!(f.status, SeatStatus::Held | SeatStatus::Booked))
        .map(|f| f.seat_label.as_str())
        .collect();
    (!taken.is_empty()).then(|| ApiError::Refused {
        status: StatusCode::CONFLICT,
        code: ErrorCode::SeatsTaken,
        message: format!("these seats are held or booked: {}", taken.join(", ")),
        details: Some(serde_json::json!({ "seats": taken })),
    })
}

/// Blocks seats, sets rows aside for the platform, or puts them back on sale (the theater's
/// partner, or an operator). All or nothing: a seat that is held or booked is a 409 naming it.
#[utoipa::path(put, path = "/shows/{show_id}/inventory", tag = "catalog",
    params(("show_id" = Uuid, Path)), request_body = InventoryChange, security(("bearer" = [])),
    responses((status = 200, body = SeatMap), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Seats held or booked (in `details.seats`)"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_inventory(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(show_id): ApiPath<ShowId>,
    ApiJson(body): ApiJson<InventoryChange>,
) -> ApiResult<ApiJson<SeatMap>> {
    let theater = super::show_theater(&state.db, show_id).await?;
    manage_theater(&state.db, &user, theater).await?;
    let total = body.seats.len() + body.rows.len();
    if !(1..=5_000).contains(&total) {
        return Err(ApiError::field("seats", "name 1 to 5000 seats or rows"));
    }
    let seats: Vec<String> = body.seats.iter().map(|s| s.trim().to_uppercase()).collect();
    let rows: Vec<String> = body.rows.iter().map(|r| r.trim().to_uppercase()).collect();
    let mut tx = state.db.begin().await?;
    // The named seats, locked so no hold lands between the check and the change.
    let found = inventory::lock_named(&mut tx, show_id, &seats, &rows).await?;
    let unknown = unknown(&seats, &rows, &found);
    if !unknown.is_empty() {
        return Err(ApiError::Validation(unknown));
    }
    if let Some(refusal) = taken(&found) {
        return Err(refusal);
    }
    let labels: Vec<String> = found.into_iter().map(|f| f.seat_label).collect();
    inventory::set_status(&mut tx, show_id, &labels, body.status.into()).await?;
    tx.commit().await?;
    super::seat_map::load(&state.db, show_id).await.map(ApiJson)
}
