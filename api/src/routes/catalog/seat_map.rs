//! `GET /shows/{id}/seats`: the seat map with each seat's status and price.

use super::json::{SeatMap, SeatMapRow, SeatMapSeat};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use uuid::Uuid;

type SeatRow = (String, String, i32, i32, String, i64, String);

/// The seat map of a show. A hold whose time ran out shows as `available`: it is, for the next
/// customer, even before the old booking's timer releases it.
#[utoipa::path(get, path = "/shows/{show_id}/seats", tag = "catalog",
    params(("show_id" = Uuid, Path)),
    responses((status = 200, body = SeatMap), (status = 404, body = ErrorEnvelope)))]
pub async fn get_seat_map(
    State(state): State<AppState>,
    ApiPath(show_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<SeatMap>> {
    let currency: Option<String> =
        sqlx::query_scalar("select currency from shows where show_id = $1")
            .bind(show_id)
            .fetch_optional(&state.db)
            .await?;
    let currency = currency.ok_or(ApiError::NotFound("show"))?;
    let seats: Vec<SeatRow> = sqlx::query_as(
        "select ss.seat_label, sc.row_label, sc.seat_number, sc.col_index, ss.category_code,
                ss.price_minor,
                case when ss.status = 'free' then 'available'
                     when ss.status = 'held' and ss.held_until < now() then 'available'
                     else ss.status end
           from show_seats ss
           join shows s on s.show_id = ss.show_id
           join screen_seats sc on sc.screen_id = s.screen_id and sc.seat_label = ss.seat_label
          where ss.show_id = $1
          order by sc.row_index, sc.col_index",
    )
    .bind(show_id)
    .fetch_all(&state.db)
    .await?;
    let available = seats.iter().filter(|s| s.6 == "available").count();
    let mut rows: Vec<SeatMapRow> = Vec::new();
    for (label, row, number, column, category, price_minor, status) in seats {
        let seat = SeatMapSeat {
            label,
            number,
            column,
            category,
            price_minor,
            status,
        };
        match rows.last_mut() {
            Some(r) if r.label == row => r.seats.push(seat),
            _ => rows.push(SeatMapRow {
                label: row,
                seats: vec![seat],
            }),
        }
    }
    Ok(ApiJson(SeatMap {
        show_id,
        currency,
        available,
        rows,
    }))
}
