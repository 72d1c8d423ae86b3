//! `GET /shows/{id}/seats`: the seat map with each seat's status and price.

use super::json::{SeatMap, SeatMapRow, SeatMapSeat};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::seats::FieldError;
use uuid::Uuid;

type SeatRow = (String, i32, String, i64, String, bool);

/// A show's seats in map order with what a customer sees of their status: $1 the show.
pub const SEAT_MAP: &str = "
    select seat_label, col_index, category_code, price_minor,
           case when status = 'free' then 'available'
                when status = 'held' and held_until < now() then
                    case when platform then 'platform_reserved' else 'available' end
                else status end,
           accessible
      from show_seats
     where show_id = $1
     order by row_index, col_index";

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
    let seats: Vec<SeatRow> = sqlx::query_as(SEAT_MAP)
        .bind(show_id)
        .fetch_all(&state.db)
        .await?;
    let available = seats.iter().filter(|s| s.4 == "available").count();
    let mut rows: Vec<SeatMapRow> = Vec::new();
    for (label, column, category, price_minor, status, accessible) in seats {
        let (row, number) = mtbp_domain::seats::split_label(&label);
        let seat = SeatMapSeat {
            number: i32::from(number),
            label: label.clone(),
            column,
            category,
            price_minor,
            status,
            accessible,
        };
        match rows.last_mut() {
            Some(r) if r.label == row => r.seats.push(seat),
            _ => rows.push(SeatMapRow {
                label: row.to_owned(),
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

/// Which seats of a show can be booked now, and nothing else: the part of the seat map that
/// changes from second to second, small enough to poll in a rush (the layout and prices of
/// `GET /shows/{id}/seats` do not change during a sale).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Availability {
    /// The show.
    pub show_id: Uuid,
    /// Seats that can be booked now.
    pub available: usize,
    /// Rows with at least one bookable seat, nearest the screen first.
    pub rows: Vec<AvailableRow>,
}

/// The bookable seats of one row.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AvailableRow {
    /// Row letters, e.g. `H`.
    pub row: String,
    /// Seat numbers in map order (`H12` is 12); neighbours in this list with consecutive
    /// numbers sit side by side unless an aisle is between them (see the seat map's columns).
    pub seats: Vec<i32>,
}

/// The seats that can be booked now, row by row (`available` as on the seat map).
#[utoipa::path(get, path = "/shows/{show_id}/seats/availability", tag = "catalog",
    params(("show_id" = Uuid, Path)),
    responses((status = 200, body = Availability), (status = 404, body = ErrorEnvelope)))]
pub async fn get_availability(
    State(state): State<AppState>,
    ApiPath(show_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Availability>> {
    let labels: Vec<String> = sqlx::query_scalar(
        "select seat_label from show_seats
          where show_id = $1
            and (status = 'free' or (status = 'held' and held_until < now() and not platform))
          order by row_index, col_index",
    )
    .bind(show_id)
    .fetch_all(&state.db)
    .await?;
    if labels.is_empty() {
        let exists: bool =
            sqlx::query_scalar("select exists(select 1 from shows where show_id = $1)")
                .bind(show_id)
                .fetch_one(&state.db)
                .await?;
        if !exists {
            return Err(ApiError::NotFound("show"));
        }
    }
    let available = labels.len();
    let mut rows: Vec<AvailableRow> = Vec::new();
    for label in &labels {
        let (row, number) = mtbp_domain::seats::split_label(label);
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
    let category = q.category.as_deref().map(str::trim);
    let (spots, prices): (Vec<_>, Vec<_>) = mtbp_store::seats::seat_spots(
        &state.db,
        mtbp_domain::ShowId::from_uuid(show_id),
        category,
        false,
    )
    .await?
    .into_iter()
    .unzip();
    let count = usize::try_from(q.count).unwrap_or(1);
    let seats = mtbp_domain::best_seats::best_block(&spots, count).ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::NotEnoughSeatsTogether,
            format!("no row has {count} free seats side by side"),
        )
    })?;
    let amount_minor = spots
        .iter()
        .zip(&prices)
        .filter(|(spot, _)| seats.contains(&spot.label))
        .map(|(_, price)| price)
        .sum();
    Ok(ApiJson(BestSeats {
        show_id,
        seats,
        amount_minor,
        currency,
    }))
}

/// What a seat's inventory status may be set to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InventoryStatus {
    /// Back on sale.
    Available,
    /// Not for sale (broken seat, house seats…).
    Blocked,
    /// Set aside for the platform (the designated-rows model): not for sale by the theater.
    PlatformReserved,
}

/// Seats and rows to set to one inventory status.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryChange {
    /// Seat labels.
    #[serde(default)]
    pub seats: Vec<String>,
    /// Whole rows, by row letters.
    #[serde(default)]
    pub rows: Vec<String>,
    /// The new status.
    pub status: InventoryStatus,
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
    user: crate::auth::AuthUser,
    ApiPath(show_id): ApiPath<Uuid>,
    crate::error::ApiJson(body): crate::error::ApiJson<InventoryChange>,
) -> ApiResult<ApiJson<SeatMap>> {
    let theater = super::shows::show_theater(&state.db, show_id).await?;
    crate::auth::access::manage_theater(&state.db, &user, theater).await?;
    let total = body.seats.len() + body.rows.len();
    if !(1..=5_000).contains(&total) {
        return Err(ApiError::field("seats", "name 1 to 5000 seats or rows"));
    }
    let seats: Vec<String> = body.seats.iter().map(|s| s.trim().to_uppercase()).collect();
    let rows: Vec<String> = body.rows.iter().map(|r| r.trim().to_uppercase()).collect();
    let mut tx = state.db.begin().await?;
    // The named seats, locked so no hold lands between the check and the change.
    let found: Vec<(String, String, String)> = sqlx::query_as(
        "select ss.seat_label, r.letters, ss.status
           from show_seats ss
          cross join lateral (select substring(ss.seat_label from '^[A-Z]+')) as r(letters)
          where ss.show_id = $1 and (ss.seat_label = any($2) or r.letters = any($3))
          order by ss.seat_label
            for update of ss",
    )
    .bind(show_id)
    .bind(&seats)
    .bind(&rows)
    .fetch_all(&mut *tx)
    .await?;
    let mut unknown: Vec<FieldError> = seats
        .iter()
        .filter(|s| !found.iter().any(|f| &f.0 == *s))
        .map(|s| FieldError::new("seats", format!("{s} is not a seat of this show")))
        .collect();
    unknown.extend(
        rows.iter()
            .filter(|r| !found.iter().any(|f| &f.1 == *r))
            .map(|r| FieldError::new("rows", format!("{r} is not a row of this show"))),
    );
    if !unknown.is_empty() {
        return Err(ApiError::Validation(unknown));
    }
    let taken: Vec<&str> = found
        .iter()
        .filter(|f| matches!(f.2.as_str(), "held" | "booked"))
        .map(|f| f.0.as_str())
        .collect();
    if !taken.is_empty() {
        return Err(ApiError::Refused {
            status: axum::http::StatusCode::CONFLICT,
            code: ErrorCode::SeatsTaken,
            message: format!("these seats are held or booked: {}", taken.join(", ")),
            details: Some(serde_json::json!({ "seats": taken })),
        });
    }
    let labels: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    let status = match body.status {
        InventoryStatus::Available => "free",
        InventoryStatus::Blocked => "blocked",
        InventoryStatus::PlatformReserved => "platform_reserved",
    };
    sqlx::query(
        "update show_seats set status = $3, platform = $3 = 'platform_reserved', updated_at = now()
          where show_id = $1 and seat_label = any($2)",
    )
    .bind(show_id)
    .bind(&labels)
    .bind(status)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    get_seat_map(State(state), ApiPath(show_id)).await
}
