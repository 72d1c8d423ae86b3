//! `GET /shows/{id}/seats/best`: suggesting seats side by side.

use super::json::{BestQuery, BestSeats};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use mtbp_domain::{Money, ShowId};
use mtbp_store::catalog::shows;

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
    ApiPath(show_id): ApiPath<ShowId>,
    q: Result<Query<BestQuery>, QueryRejection>,
) -> ApiResult<ApiJson<BestSeats>> {
    let q = query(q)?;
    if !(1..=10).contains(&q.count) {
        return Err(ApiError::field("count", "between 1 and 10"));
    }
    let currency = shows::currency_of(&state.db, show_id)
        .await?
        .ok_or(ApiError::NotFound("show"))?;
    let category = q.category.as_deref().map(str::trim);
    let (spots, prices): (Vec<_>, Vec<_>) =
        mtbp_store::seats::seat_spots(&state.db, show_id, category, false)
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
    let chosen = spots
        .iter()
        .zip(prices)
        .filter(|(spot, _)| seats.contains(&spot.label))
        .map(|(_, price)| price);
    let amount = Money::sum(currency.clone(), chosen)
        .ok_or_else(|| anyhow::anyhow!("the seats' prices overflow"))?;
    Ok(ApiJson(BestSeats {
        show_id,
        seats,
        amount,
        currency: currency.to_string(),
    }))
}
