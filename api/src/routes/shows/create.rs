//! `POST /shows` and `POST /shows/bulk`: scheduling shows with their seat inventory.

use super::announce;
use super::json::{NewShow, NewShows, Show};
use crate::auth::access::{manage_screen, require};
use crate::auth::{AuthUser, Role};
use crate::dates::{check_instant, check_show_start};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope, OnConstraint};
use crate::routes::common::required_text;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use mtbp_domain::schedule::{ShowTimes, category_prices, check_prices};
use mtbp_domain::seats::FieldError;
use mtbp_domain::{Currency, ScreenId, ShowId, ShowStatus};
use mtbp_store::PgConnection;
use mtbp_store::catalog::shows::NewShowRow;
use mtbp_store::catalog::{movies, screens, shows};
use mtbp_store::seats::inventory;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Schedules a show and creates one inventory row per seat of the screen (the theater's
/// partner, or an operator).
#[utoipa::path(post, path = "/shows", tag = "catalog", request_body = NewShow,
    security(("bearer" = [])),
    responses((status = 201, body = Show), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn create_show(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewShow>,
) -> ApiResult<(StatusCode, ApiJson<Show>)> {
    require(&user, &[Role::Partner, Role::Admin], "scheduling shows")?;
    authorize_screen(&state, &user, body.screen_id).await?;
    let mut tx = state.db.begin().await?;
    let show = schedule(&state, &mut tx, body).await?;
    let firsts = announce::firsts(&mut tx, vec![show.show_id]).await?;
    tx.commit().await?;
    announce::start(&state, firsts).await;
    Ok((StatusCode::CREATED, ApiJson(show)))
}

/// Schedules a day's shows (or any up to 100) at once: all of them, or none with every problem
/// named by its index (the theater's partner, or an operator).
#[utoipa::path(post, path = "/shows/bulk", tag = "catalog", request_body = NewShows,
    security(("bearer" = [])),
    responses((status = 201, body = [Show]), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "A show overlaps; `details.index` names it"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn create_shows(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewShows>,
) -> ApiResult<(StatusCode, ApiJson<Vec<Show>>)> {
    require(&user, &[Role::Partner, Role::Admin], "scheduling shows")?;
    if !(1..=100).contains(&body.shows.len()) {
        return Err(ApiError::field("shows", "1 to 100 shows"));
    }
    let screens: BTreeSet<ScreenId> = body.shows.iter().map(|s| s.screen_id).collect();
    for screen in screens {
        authorize_screen(&state, &user, screen).await?;
    }
    let mut tx = state.db.begin().await?;
    let mut created = Vec::new();
    for (i, show) in body.shows.into_iter().enumerate() {
        let show = schedule(&state, &mut tx, show)
            .await
            .map_err(|e| at_index(i, e))?;
        created.push(show);
    }
    let firsts = announce::firsts(&mut tx, created.iter().map(|s| s.show_id).collect()).await?;
    tx.commit().await?;
    announce::start(&state, firsts).await;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// Names the show of a bulk request an error is about.
fn at_index(i: usize, error: ApiError) -> ApiError {
    match error {
        ApiError::Validation(errors) => ApiError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError::new(format!("shows[{i}].{}", e.field), e.message))
                .collect(),
        ),
        ApiError::Refused {
            status,
            code,
            message,
            ..
        } => ApiError::Refused {
            status,
            code,
            message: format!("shows[{i}]: {message}"),
            details: Some(serde_json::json!({ "index": i })),
        },
        other => other,
    }
}

/// An unknown screen is a field error later; a known one must be the caller's.
async fn authorize_screen(state: &AppState, user: &AuthUser, screen_id: ScreenId) -> ApiResult<()> {
    match manage_screen(&state.db, user, screen_id).await {
        Ok(_) | Err(ApiError::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The checks that need no database; returns the cleaned language and format, and the
/// currency.
fn check_body(state: &AppState, body: &NewShow) -> ApiResult<(String, String, Currency)> {
    let mut errors = Vec::new();
    let language = required_text("language", &body.language, 40, &mut errors);
    let format = required_text("format", &body.format, 20, &mut errors);
    let currency = Currency::parse(&body.currency)
        .inspect_err(|e| errors.push(FieldError::new("currency", e.to_string())));
    // Before any date arithmetic below.
    let horizon = state.config.limits.show_horizon_days;
    check_show_start(
        "starts_at",
        body.starts_at,
        Utc::now(),
        horizon,
        &mut errors,
    );
    if let Some(ends_at) = body.ends_at {
        check_instant("ends_at", ends_at, &mut errors);
    }
    check_on_sale(body.on_sale_at, body.starts_at, &mut errors);
    check_prices(&body.prices, &mut errors);
    match currency {
        Ok(currency) if errors.is_empty() => Ok((language, format, currency)),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// A sale's opening is a sane instant before the show starts.
pub(super) fn check_on_sale(
    on_sale_at: Option<DateTime<Utc>>,
    starts_at: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) {
    let Some(on_sale_at) = on_sale_at else {
        return;
    };
    if check_instant("on_sale_at", on_sale_at, errors) && on_sale_at >= starts_at {
        errors.push(FieldError::new("on_sale_at", "before the show starts"));
    }
}

/// Validates and inserts one show with its inventory in `tx`.
async fn schedule(state: &AppState, tx: &mut PgConnection, body: NewShow) -> ApiResult<Show> {
    let (language, format, currency) = check_body(state, &body)?;
    let runtime = movies::running_time(&mut *tx, body.movie_id).await?;
    let theater = screens::lock_open_for_share(tx, body.screen_id).await?;
    let (Some(runtime), Some(theater_id)) = (runtime, theater) else {
        let mut errors = Vec::new();
        if runtime.is_none() {
            errors.push(FieldError::new("movie_id", "no such movie"));
        }
        if theater.is_none() {
            errors.push(FieldError::new("screen_id", "no such screen"));
        }
        return Err(ApiError::Validation(errors));
    };
    let times = ShowTimes::for_movie(body.starts_at, body.ends_at, runtime)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let defaults = screens::category_prices(&mut *tx, body.screen_id).await?;
    let prices =
        category_prices(&currency, &defaults, &body.prices).map_err(ApiError::Validation)?;
    let row = NewShowRow {
        show_id: ShowId::from_uuid(Uuid::new_v4()),
        movie_id: body.movie_id,
        screen_id: body.screen_id,
        theater_id,
        starts_at: times.starts_at(),
        ends_at: times.ends_at(),
        busy_until: times.busy_until(state.config.cleaning_minutes),
        language,
        format,
        currency: body.currency,
        on_sale_at: body.on_sale_at,
    };
    shows::insert(tx, &row)
        .await
        .on_constraint("shows_no_overlap", super::overlaps)?;
    inventory::create(tx, row.show_id, row.screen_id, &prices).await?;
    Ok(Show {
        show_id: row.show_id,
        movie_id: row.movie_id,
        screen_id: row.screen_id,
        theater_id,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        language: row.language,
        format: row.format,
        currency: row.currency,
        status: ShowStatus::Scheduled,
        prices,
        on_sale_at: row.on_sale_at,
    })
}
