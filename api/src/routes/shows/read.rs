//! `GET /shows/{id}`.

use super::json::Show;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use mtbp_domain::ShowId;
use mtbp_store::PgPool;
use mtbp_store::catalog::shows;

/// A show with its prices; 404 if there is no such show.
pub(super) async fn load(db: &PgPool, show_id: ShowId) -> ApiResult<Show> {
    let row = shows::find(db, show_id)
        .await?
        .ok_or(ApiError::NotFound("show"))?;
    let prices = shows::prices(db, show_id).await?;
    Ok(Show {
        show_id: row.show_id,
        movie_id: row.movie_id,
        screen_id: row.screen_id,
        theater_id: row.theater_id,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        language: row.language,
        format: row.format,
        currency: row.currency,
        status: row.status,
        prices,
        on_sale_at: row.on_sale_at,
    })
}

/// Reads a show with its prices.
#[utoipa::path(get, path = "/shows/{show_id}", tag = "catalog",
    params(("show_id" = Uuid, Path)),
    responses((status = 200, body = Show), (status = 404, body = ErrorEnvelope)))]
pub async fn get_show(
    State(state): State<AppState>,
    ApiPath(show_id): ApiPath<ShowId>,
) -> ApiResult<ApiJson<Show>> {
    load(&state.db, show_id).await.map(ApiJson)
}
