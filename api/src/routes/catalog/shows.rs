//! `POST /shows` (with its seat inventory) and `GET /shows/{id}`.

use super::json::{NewShow, NewShows, Show, UpdateShow};
use super::required_text;
use crate::auth::access::{manage_screen, manage_theater, require};
use crate::auth::{AuthUser, Role};
use crate::dates::{check_instant, check_show_start};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use mtbp_domain::Currency;
use mtbp_domain::seats::FieldError;
use std::collections::BTreeMap;
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
    tx.commit().await?;
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
    let screens: std::collections::BTreeSet<Uuid> =
        body.shows.iter().map(|s| s.screen_id).collect();
    for screen in screens {
        authorize_screen(&state, &user, screen).await?;
    }
    let mut tx = state.db.begin().await?;
    let mut created = Vec::new();
    for (i, show) in body.shows.into_iter().enumerate() {
        match schedule(&state, &mut tx, show).await {
            Ok(s) => created.push(s),
            Err(ApiError::Validation(errors)) => {
                return Err(ApiError::Validation(
                    errors
                        .into_iter()
                        .map(|e| FieldError::new(format!("shows[{i}].{}", e.field), e.message))
                        .collect(),
                ));
            }
            Err(ApiError::Refused {
                status,
                code,
                message,
                ..
            }) => {
                return Err(ApiError::Refused {
                    status,
                    code,
                    message: format!("shows[{i}]: {message}"),
                    details: Some(serde_json::json!({ "index": i })),
                });
            }
            Err(e) => return Err(e),
        }
    }
    tx.commit().await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// An unknown screen is a field error later; a known one must be the caller's.
async fn authorize_screen(state: &AppState, user: &AuthUser, screen_id: Uuid) -> ApiResult<()> {
    match manage_screen(&state.db, user, screen_id).await {
        Ok(_) | Err(ApiError::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Validates and inserts one show with its inventory in `tx`.
async fn schedule(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    body: NewShow,
) -> ApiResult<Show> {
    let mut errors = Vec::new();
    let language = required_text("language", &body.language, 40, &mut errors);
    let format = required_text("format", &body.format, 20, &mut errors);
    if let Err(e) = Currency::parse(&body.currency) {
        errors.push(FieldError::new("currency", e.to_string()));
    }
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
    check_prices(&body.prices, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }

    let movie: Option<i32> =
        sqlx::query_scalar("select duration_minutes from movies where movie_id = $1")
            .bind(body.movie_id)
            .fetch_optional(&mut **tx)
            .await?;
    let screen: Option<Uuid> =
        // Shared lock: the screen's layout cannot change, nor the screen retire, under the show.
        sqlx::query_scalar(
            "select theater_id from screens where screen_id = $1 and retired_at is null for share",
        )
            .bind(body.screen_id)
            .fetch_optional(&mut **tx)
            .await?;
    let (Some(duration), Some(theater_id)) = (movie, screen) else {
        let mut errors = Vec::new();
        if movie.is_none() {
            errors.push(FieldError::new("movie_id", "no such movie"));
        }
        if screen.is_none() {
            errors.push(FieldError::new("screen_id", "no such screen"));
        }
        return Err(ApiError::Validation(errors));
    };
    let ends_at = body
        .ends_at
        .unwrap_or(body.starts_at + Duration::minutes(i64::from(duration)));
    check_ends(body.starts_at, ends_at)?;
    let categories: Vec<(String, i64)> = sqlx::query_as(
        "select code, price_minor from seat_categories where screen_id = $1 order by code",
    )
    .bind(body.screen_id)
    .fetch_all(&mut **tx)
    .await?;
    let prices = show_prices(&categories, &body.prices)?;

    let show_id = Uuid::new_v4();
    let busy_until = ends_at + Duration::minutes(i64::from(state.config.cleaning_minutes));
    let inserted = sqlx::query(
        "insert into shows (show_id, movie_id, screen_id, theater_id, starts_at, ends_at,
                            busy_until, language, format, currency)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(show_id)
    .bind(body.movie_id)
    .bind(body.screen_id)
    .bind(theater_id)
    .bind(body.starts_at)
    .bind(ends_at)
    .bind(busy_until)
    .bind(&language)
    .bind(&format)
    .bind(&body.currency)
    .execute(&mut **tx)
    .await;
    overlap(inserted)?;
    create_inventory(tx, show_id, body.screen_id, &prices).await?;
    Ok(Show {
        show_id,
        movie_id: body.movie_id,
        screen_id: body.screen_id,
        theater_id,
        starts_at: body.starts_at,
        ends_at,
        language,
        format,
        currency: body.currency,
        status: "scheduled".into(),
        prices,
    })
}

fn check_prices(prices: &BTreeMap<String, i64>, errors: &mut Vec<FieldError>) {
    for (code, price) in prices {
        if !(0..=100_000_000).contains(price) {
            errors.push(FieldError::new(
                format!("prices.{code}"),
                "between 0 and 100000000",
            ));
        }
    }
}

fn check_ends(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> ApiResult<()> {
    if ends_at <= starts_at || ends_at > starts_at + Duration::hours(12) {
        return Err(ApiError::field(
            "ends_at",
            "after starts_at, and within 12 hours of it",
        ));
    }
    Ok(())
}

/// The overlap constraint's refusal as a 409.
fn overlap<T>(result: Result<T, sqlx::Error>) -> ApiResult<T> {
    match result {
        Err(sqlx::Error::Database(db)) if db.constraint() == Some("shows_no_overlap") => {
            Err(ApiError::conflict(
                ErrorCode::ShowOverlaps,
                "another show on this screen overlaps this time (cleaning buffer included)",
            ))
        }
        other => Ok(other?),
    }
}

/// Locks every seat row of the show (a hold racing this transaction waits for it, then sees
/// its outcome) and counts the seats held or booked.
async fn lock_seats(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    show_id: Uuid,
) -> ApiResult<i64> {
    Ok(sqlx::query_scalar(
        "select count(*) filter (where status in ('held', 'booked'))
           from (select status from show_seats where show_id = $1 for update) s",
    )
    .bind(show_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// The theater of a show; 404 if there is no such show.
pub(super) async fn show_theater(db: &sqlx::PgPool, show_id: Uuid) -> ApiResult<Uuid> {
    let theater: Option<Uuid> =
        sqlx::query_scalar("select theater_id from shows where show_id = $1")
            .bind(show_id)
            .fetch_optional(db)
            .await?;
    theater.ok_or(ApiError::NotFound("show"))
}

fn has_bookings(n: i64) -> ApiError {
    ApiError::conflict(
        ErrorCode::ShowHasBookings,
        format!(
            "{n} seat(s) of this show are held or booked; the show cannot be moved or removed \
             until show cancellation (with refunds) exists"
        ),
    )
}

/// Changes a show's time, language, format or prices (the theater's partner, or an operator).
/// Fields left out stay. Once seats are held or booked, only prices of free seats change;
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
    ApiPath(show_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateShow>,
) -> ApiResult<ApiJson<Show>> {
    let theater = show_theater(&state.db, show_id).await?;
    manage_theater(&state.db, &user, theater).await?;
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
    check_prices(&body.prices, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    let current: (DateTime<Utc>, DateTime<Utc>, String) = sqlx::query_as(
        "select starts_at, ends_at, status from shows where show_id = $1 for update",
    )
    .bind(show_id)
    .fetch_one(&mut *tx)
    .await?;
    let (old_start, old_end, status) = current;
    if status != "scheduled" {
        return Err(ApiError::conflict(
            ErrorCode::ShowCancelled,
            "the show is cancelled",
        ));
    }
    let moves = body.starts_at.is_some() || body.ends_at.is_some();
    if moves || language.is_some() || format.is_some() {
        let live = lock_seats(&mut tx, show_id).await?;
        if live > 0 {
            return Err(has_bookings(live));
        }
    }
    let starts_at = body.starts_at.unwrap_or(old_start);
    let ends_at = body.ends_at.unwrap_or(starts_at + (old_end - old_start));
    check_ends(starts_at, ends_at)?;
    let busy_until = ends_at + Duration::minutes(i64::from(state.config.cleaning_minutes));
    let updated = sqlx::query(
        "update shows set starts_at = $2, ends_at = $3, busy_until = $4,
                language = coalesce($5, language), format = coalesce($6, format)
          where show_id = $1",
    )
    .bind(show_id)
    .bind(starts_at)
    .bind(ends_at)
    .bind(busy_until)
    .bind(language)
    .bind(format)
    .execute(&mut *tx)
    .await;
    overlap(updated)?;
    if !body.prices.is_empty() {
        let categories: Vec<(String, i64)> =
            sqlx::query_as("select category_code, price_minor from show_prices where show_id = $1")
                .bind(show_id)
                .fetch_all(&mut *tx)
                .await?;
        let prices = show_prices(&categories, &body.prices)?;
        for (code, price) in &prices {
            sqlx::query(
                "update show_prices set price_minor = $3 where show_id = $1 and category_code = $2",
            )
            .bind(show_id)
            .bind(code)
            .bind(price)
            .execute(&mut *tx)
            .await?;
            // Seats already held or booked keep the price they were sold at.
            sqlx::query(
                "update show_seats set price_minor = $3
                  where show_id = $1 and category_code = $2 and status not in ('held', 'booked')",
            )
            .bind(show_id)
            .bind(code)
            .bind(price)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    get_show(State(state), ApiPath(show_id)).await
}

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
    ApiPath(show_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let theater = show_theater(&state.db, show_id).await?;
    manage_theater(&state.db, &user, theater).await?;
    // With the seat rows locked no hold can slip in between the count and the cancellation;
    // blocking the free seats keeps any later hold off them.
    let mut tx = state.db.begin().await?;
    let live = lock_seats(&mut tx, show_id).await?;
    if live > 0 {
        return Err(has_bookings(live));
    }
    sqlx::query(
        "update show_seats set status = 'blocked', updated_at = now()
          where show_id = $1 and status = 'free'",
    )
    .bind(show_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("update shows set status = 'cancelled' where show_id = $1")
        .bind(show_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The show's price per category: the screen's default unless overridden.
fn show_prices(
    categories: &[(String, i64)],
    overrides: &BTreeMap<String, i64>,
) -> ApiResult<BTreeMap<String, i64>> {
    let unknown: Vec<FieldError> = overrides
        .keys()
        .filter(|code| !categories.iter().any(|(c, _)| c == *code))
        .map(|code| {
            FieldError::new(
                format!("prices.{code}"),
                "not a seat category of this screen",
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::Validation(unknown));
    }
    Ok(categories
        .iter()
        .map(|(code, price)| (code.clone(), *overrides.get(code).unwrap_or(price)))
        .collect())
}

async fn create_inventory(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    show_id: Uuid,
    screen_id: Uuid,
    prices: &BTreeMap<String, i64>,
) -> Result<(), sqlx::Error> {
    let codes: Vec<&str> = prices.keys().map(String::as_str).collect();
    let amounts: Vec<i64> = prices.values().copied().collect();
    sqlx::query(
        "with p as (
             insert into show_prices (show_id, category_code, price_minor)
             select $1, * from unnest($3::text[], $4::bigint[])
          returning category_code, price_minor)
         insert into show_seats (show_id, seat_label, category_code, price_minor, row_index,
                                 col_index, accessible)
         select $1, ss.seat_label, ss.category_code, p.price_minor, ss.row_index, ss.col_index,
                ss.accessible
           from screen_seats ss join p on p.category_code = ss.category_code
          where ss.screen_id = $2",
    )
    .bind(show_id)
    .bind(screen_id)
    .bind(&codes)
    .bind(&amounts)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reads a show with its prices.
#[utoipa::path(get, path = "/shows/{show_id}", tag = "catalog",
    params(("show_id" = Uuid, Path)),
    responses((status = 200, body = Show), (status = 404, body = ErrorEnvelope)))]
pub async fn get_show(
    State(state): State<AppState>,
    ApiPath(show_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Show>> {
    type Row = (
        Uuid,
        Uuid,
        Uuid,
        chrono::DateTime<Utc>,
        chrono::DateTime<Utc>,
        String,
        String,
        String,
        String,
    );
    let row: Option<Row> = sqlx::query_as(
        "select movie_id, screen_id, theater_id, starts_at, ends_at, language, format, currency,
                status
           from shows where show_id = $1",
    )
    .bind(show_id)
    .fetch_optional(&state.db)
    .await?;
    let (movie_id, screen_id, theater_id, starts_at, ends_at, language, format, currency, status) =
        row.ok_or(ApiError::NotFound("show"))?;
    let prices: Vec<(String, i64)> =
        sqlx::query_as("select category_code, price_minor from show_prices where show_id = $1")
            .bind(show_id)
            .fetch_all(&state.db)
            .await?;
    Ok(ApiJson(Show {
        show_id,
        movie_id,
        screen_id,
        theater_id,
        starts_at,
        ends_at,
        language,
        format,
        currency,
        status,
        prices: prices.into_iter().collect(),
    }))
}
