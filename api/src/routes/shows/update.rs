//! `PUT /shows/{id}`: moving a show, changing what is shown, or repricing it.

use super::json::{Show, UpdateShow};
use crate::auth::AuthUser;
use crate::auth::access::manage_theater;
use crate::dates::{check_instant, check_show_start};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope, OnConstraint};
use crate::routes::common::required_text;
use crate::state::AppState;
use axum::extract::State;
use chrono::Utc;
use mtbp_domain::schedule::{ShowTimes, category_prices, check_prices};
use mtbp_domain::{ShowId, ShowStatus};
use mtbp_store::PgConnection;
use mtbp_store::catalog::shows::{self, ShowChange};
use mtbp_store::seats::inventory;

/// The checks that need no database; returns the cleaned language and format, if given.
fn check_body(state: &AppState, body: &UpdateShow) -> ApiResult<(Option<String>, Option<String>)> {
    let mut errors = Vec::new();
    let language = body
        .language
        .as_deref()
        .map(|l| required_text("language", l, 40, &mut errors));
    let format = body
        .format
        .as_deref()
        .map(|f| required_text("format", f, 20, &mut errors));
    if let Some(starts_at) = body.starts_at {
        let horizon = state.config.limits.show_horizon_days;
        check_show_start("starts_at", starts_at, Utc::now(), horizon, &mut errors);
    }
    if let Some(ends_at) = body.ends_at {
        check_instant("ends_at", ends_at, &mut errors);
    }
    if let Some(on_sale_at) = body.on_sale_at {
        check_instant("on_sale_at", on_sale_at, &mut errors);
    }
    check_prices(&body.prices, &mut errors);
    if errors.is_empty() {
        Ok((language, format))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Changes a show's time, language, format, prices or sale opening (the theater's partner, or
/// an operator). Fields left out stay. Once seats are held or booked, only prices of free seats change;
/// moving it or changing what is shown is a 409.
#[utoipa::path(put, path = "/shows/{show_id}", tag = "catalog",
    params(("show_id" = Uuid, Path)), request_body = UpdateShow, security(("bearer" = [])),
    responses((status = 200, body = Show), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Overlap, cancelled, or seats already held or booked"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_show(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(show_id): ApiPath<ShowId>,
    ApiJson(body): ApiJson<UpdateShow>,
) -> ApiResult<ApiJson<Show>> {
    let theater = super::show_theater(&state.db, show_id).await?;
    manage_theater(&state.db, &user, theater).await?;
    let (language, format) = check_body(&state, &body)?;
    let mut tx = state.db.begin().await?;
    let current = shows::lock(&mut tx, show_id).await?;
    if current.status != ShowStatus::Scheduled {
        return Err(ApiError::conflict(
            ErrorCode::ShowCancelled,
            "the show is cancelled",
        ));
    }
    let moves = body.starts_at.is_some() || body.ends_at.is_some();
    if moves || language.is_some() || format.is_some() {
        let live = inventory::lock_and_count_taken(&mut tx, show_id).await?;
        if live > 0 {
            return Err(super::has_bookings(live));
        }
    }
    let times = ShowTimes::moved(
        current.starts_at,
        current.ends_at,
        body.starts_at,
        body.ends_at,
    )
    .map_err(|e| ApiError::Validation(vec![e]))?;
    if let Some(on_sale_at) = body.on_sale_at.or(current.on_sale_at)
        && on_sale_at >= times.starts_at()
    {
        return Err(ApiError::field("on_sale_at", "before the show starts"));
    }
    let change = ShowChange {
        starts_at: times.starts_at(),
        ends_at: times.ends_at(),
        busy_until: times.busy_until(state.config.cleaning_minutes),
        language,
        format,
        on_sale_at: body.on_sale_at.map(Some),
    };
    shows::update(&mut tx, show_id, &change)
        .await
        .on_constraint("shows_no_overlap", super::overlaps)?;
    if !body.prices.is_empty() {
        reprice(&mut tx, show_id, &body).await?;
    }
    tx.commit().await?;
    super::read::load(&state.db, show_id).await.map(ApiJson)
}

/// Sets the show's new prices; seats already held or booked keep the price they were sold at.
async fn reprice(tx: &mut PgConnection, show_id: ShowId, body: &UpdateShow) -> ApiResult<()> {
    let currency = shows::currency_of(&mut *tx, show_id)
        .await?
        .ok_or(ApiError::NotFound("show"))?;
    let current = shows::prices(&mut *tx, show_id).await?;
    let amounts = current
        .into_iter()
        .map(|(code, price)| (code, price.amount_minor))
        .collect();
    let prices =
        category_prices(&currency, &amounts, &body.prices).map_err(ApiError::Validation)?;
    for (code, price) in &prices {
        shows::set_price(tx, show_id, code, price).await?;
        inventory::reprice(tx, show_id, code, price).await?;
    }
    Ok(())
}
