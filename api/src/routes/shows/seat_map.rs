//! `GET /shows/{id}/seats` and `GET /shows/{id}/seats/availability`.

use super::json::{Availability, AvailableRow, SeatMap, SeatMapRow, SeatMapSeat};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::seats::split_label;
use mtbp_domain::{Currency, Money, ShowId};
use mtbp_store::PgPool;
use mtbp_store::catalog::shows;
use mtbp_store::seats::inventory::{self, MapSeat};

/// The seat map of a show; 404 if there is no such show.
pub(super) async fn load(db: &PgPool, show_id: ShowId) -> ApiResult<SeatMap> {
    let currency = shows::currency_of(db, show_id)
        .await?
        .ok_or(ApiError::NotFound("show"))?;
    let seats = inventory::seat_map(db, show_id).await?;
    let available = seats
        .iter()
        .filter(|s| s.shown_status == "available")
        .count();
    Ok(SeatMap {
        show_id,
        available,
        rows: by_row(&currency, seats),
        currency: currency.to_string(),
    })
}

/// Groups seats in map order into their rows.
fn by_row(currency: &Currency, seats: Vec<MapSeat>) -> Vec<SeatMapRow> {
    let mut rows: Vec<SeatMapRow> = Vec::new();
    for s in seats {
        let (row, number) = split_label(&s.seat_label);
        let row = row.to_owned();
        let seat = SeatMapSeat {
            number: i32::from(number),
            label: s.seat_label,
            column: s.col_index,
            category: s.category_code,
            price: Money {
                amount_minor: s.price_minor,
                currency: currency.clone(),
            },
            status: s.shown_status,
            accessible: s.accessible,
        };
        match rows.last_mut() {
            Some(r) if r.label == row => r.seats.push(seat),
            _ => rows.push(SeatMapRow {
                label: row,
                seats: vec![seat],
            }),
        }
    }
    rows
}

/// The seat map of a show. A hold whose time ran out shows as `available`: it is, for the next
/// customer, even before the old booking's timer releases it.
#[utoipa::path(get, path = "/shows/{show_id}/seats", tag = "catalog",
    params(("show_id" = Uuid, Path)),
    responses((status = 200, body = SeatMap), (status = 404, body = ErrorEnvelope)))]
pub async fn get_seat_map(
    State(state): State<AppState>,
    ApiPath(show_id): ApiPath<ShowId>,
) -> ApiResult<ApiJson<SeatMap>> {
    let mut map = load(&state.db, show_id).await?;
    if let Some(taken) = live_taken(&state, show_id).await? {
        for seat in map.rows.iter_mut().flat_map(|r| r.seats.iter_mut()) {
            if seat.status == "available" && taken.contains(&seat.label.to_uppercase()) {
                seat.status = "held".into();
                map.available = map.available.saturating_sub(1);
            }
        }
    }
    Ok(ApiJson(map))
}

/// The seats a live theater has taken (locked or sold at its own counter), from its box
/// office's answer of the last few seconds; `None` for other theaters or a box office that does
/// not answer (the hold asks it anyway, and it has the last word).
async fn live_taken(state: &AppState, show_id: ShowId) -> ApiResult<Option<Vec<String>>> {
    let Some(terms) = state.theaters.terms(&state.db, show_id).await? else {
        return Ok(None);
    };
    Ok(state.theaters.live_unavailable(&terms, show_id).await)
}

/// The seats that can be booked now, row by row (`available` as on the seat map).
#[utoipa::path(get, path = "/shows/{show_id}/seats/availability", tag = "catalog",
    params(("show_id" = Uuid, Path)),
    responses((status = 200, body = Availability), (status = 404, body = ErrorEnvelope)))]
pub async fn get_availability(
    State(state): State<AppState>,
    ApiPath(show_id): ApiPath<ShowId>,
) -> ApiResult<ApiJson<Availability>> {
    let mut labels = inventory::available_labels(&state.db, show_id).await?;
    if labels.is_empty() && !shows::exists(&state.db, show_id).await? {
        return Err(ApiError::NotFound("show"));
    }
    if let Some(taken) = live_taken(&state, show_id).await? {
        labels.retain(|l| !taken.contains(&l.to_uppercase()));
    }
    let available = labels.len();
    let mut rows: Vec<AvailableRow> = Vec::new();
    for label in &labels {
        let (row, number) = split_label(label);
        match rows.last_mut() {
            Some(r) if r.row == row => r.seats.push(i32::from(number)),
            _ => rows.push(AvailableRow {
                row: row.to_owned(),
                seats: vec![i32::from(number)],
            }),
        }
    }
    Ok(ApiJson(Availability {
        show_id,
        available,
        rows,
    }))
}
