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

/// What to suggest.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BestQuery {
    /// How many seats side by side, 1-10.
    pub count: u32,
    /// Only this seat category.
    pub category: Option<String>,
}

/// Suggested seats.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BestSeats {
    /// The show.
    pub show_id: Uuid,
    /// Seat labels side by side, to pass to `POST /bookings`.
    pub seats: Vec<String>,
    /// Their total price in minor units.
    pub amount_minor: i64,
    /// ISO currency.
    pub currency: String,
}

/// Suggests the best `count` seats side by side: one row, no aisle between them, leaving no
/// single seat stranded when that can be avoided, near the middle about two thirds back.
#[utoipa::path(get, path = "/shows/{show_id}/seats/best", tag = "catalog",
    params(("show_id" = Uuid, Path), BestQuery),
    responses((status = 200, body = BestSeats), (status = 400, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "No row has that many free seats together"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn best_seats(
    State(state): State<AppState>,
    ApiPath(show_id): ApiPath<Uuid>,
    query: Result<axum::extract::Query<BestQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<ApiJson<BestSeats>> {
    let axum::extract::Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if !(1..=10).contains(&q.count) {
        return Err(ApiError::field("count", "between 1 and 10"));
    }
    let currency: Option<String> =
        sqlx::query_scalar("select currency from shows where show_id = $1")
            .bind(show_id)
            .fetch_optional(&state.db)
            .await?;
    let currency = currency.ok_or(ApiError::NotFound("show"))?;
    let rows: Vec<(String, i32, i32, bool, i64)> = sqlx::query_as(
        "select ss.seat_label, sc.row_index, sc.col_index,
                ss.status = 'free' or (ss.status = 'held' and ss.held_until < now()),
                ss.price_minor
           from show_seats ss
           join shows s on s.show_id = ss.show_id
           join screen_seats sc on sc.screen_id = s.screen_id and sc.seat_label = ss.seat_label
          where ss.show_id = $1 and ($2::text is null or ss.category_code = upper($2))",
    )
    .bind(show_id)
    .bind(q.category.as_deref().map(str::trim))
    .fetch_all(&state.db)
    .await?;
    let spots: Vec<mtbp_domain::best_seats::SeatSpot> = rows
        .iter()
        .map(
            |(label, row, col, free, _)| mtbp_domain::best_seats::SeatSpot {
                label: label.clone(),
                row: u32::try_from(*row).unwrap_or(0),
                column: u32::try_from(*col).unwrap_or(0),
                free: *free,
            },
        )
        .collect();
    let count = usize::try_from(q.count).unwrap_or(1);
    let seats = mtbp_domain::best_seats::best_block(&spots, count).ok_or_else(|| {
        ApiError::conflict(
            "not_enough_seats_together",
            format!("no row has {count} free seats side by side"),
        )
    })?;
    let amount_minor = rows
        .iter()
        .filter(|r| seats.contains(&r.0))
        .map(|r| r.4)
        .sum();
    Ok(ApiJson(BestSeats {
        show_id,
        seats,
        amount_minor,
        currency,
    }))
}
