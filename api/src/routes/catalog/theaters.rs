//! Theaters and their screens: `POST/GET/PUT/DELETE /theaters/{id}`, `GET/POST
//! /theaters/{id}/screens`, `PUT/DELETE /theaters/{id}/screens/{screen_id}`, `GET /screens/{id}`.
//!
//! A theater that closes and a screen that is retired stay in the database for the bookings
//! that name them and leave the catalog; neither may go while a show on it is still to run.

use super::json::{NewScreen, NewTheater, Screen, THEATER_COLUMNS, Theater};
use super::required_text;
use crate::auth::access::{forbidden, manage_theater, require, require_active_partner};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::SeatLayout;
use mtbp_domain::seats::{FieldError, LayoutSeat};
use sqlx::PgPool;
use uuid::Uuid;

/// Checks a theater body; returns the cleaned name, city and time zone.
async fn validate_theater(db: &PgPool, body: &NewTheater) -> ApiResult<(String, String, String)> {
    let mut errors = Vec::new();
    let name = required_text("name", &body.name, 120, &mut errors);
    let city = required_text("city", &body.city, 80, &mut errors);
    if body.address.chars().count() > 300 {
        errors.push(FieldError::new("address", "at most 300 characters"));
    }
    if let Some(p) = &body.pincode
        && !(3..=10).contains(&p.trim().len())
    {
        errors.push(FieldError::new("pincode", "3-10 characters"));
    }
    match (body.latitude, body.longitude) {
        (Some(lat), Some(lng)) => {
            if !(-90.0..=90.0).contains(&lat) {
                errors.push(FieldError::new("latitude", "between -90 and 90"));
            }
            if !(-180.0..=180.0).contains(&lng) {
                errors.push(FieldError::new("longitude", "between -180 and 180"));
            }
        }
        (None, None) => {}
        _ => errors.push(FieldError::new(
            "latitude",
            "give latitude and longitude together",
        )),
    }
    let timezone = body
        .timezone
        .as_deref()
        .map_or("Asia/Kolkata", str::trim)
        .to_owned();
    let known = timezone.len() <= 64
        && sqlx::query_scalar::<_, bool>(
            "select exists (select 1 from pg_timezone_names where name = $1)",
        )
        .bind(&timezone)
        .fetch_one(db)
        .await?;
    if !known {
        errors.push(FieldError::new(
            "timezone",
            "an IANA time zone, e.g. Asia/Kolkata",
        ));
    }
    if errors.is_empty() {
        Ok((name, city, timezone))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Creates a theater: partner staff for their (active) partner, or an operator.
#[utoipa::path(post, path = "/theaters", tag = "catalog", request_body = NewTheater,
    security(("bearer" = [])),
    responses((status = 201, body = Theater), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "The partner is not active"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn create_theater(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewTheater>,
) -> ApiResult<(StatusCode, ApiJson<Theater>)> {
    require(&user, &[Role::Partner, Role::Admin], "creating theaters")?;
    let partner_id = if user.is_operator() {
        body.partner_id
    } else {
        match (user.partner_id, body.partner_id) {
            (Some(mine), Some(named)) if mine != named => {
                return Err(forbidden(
                    "partner staff create theaters for their own partner",
                ));
            }
            (mine, _) => mine,
        }
    };
    if let Some(partner) = partner_id {
        require_active_partner(&state.db, partner).await?;
    }
    let (name, city, timezone) = validate_theater(&state.db, &body).await?;
    let theater: Theater = sqlx::query_as(&format!(
        "insert into theaters (theater_id, name, city, address, pincode, latitude, longitude,
                               partner_id, timezone)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         returning {THEATER_COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(name)
    .bind(city)
    .bind(body.address.trim())
    .bind(body.pincode.as_deref().map(str::trim))
    .bind(body.latitude)
    .bind(body.longitude)
    .bind(partner_id)
    .bind(timezone)
    .fetch_one(&state.db)
    .await?;
    Ok((StatusCode::CREATED, ApiJson(theater)))
}

/// Reads a theater (404 once it has closed).
#[utoipa::path(get, path = "/theaters/{theater_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path)),
    responses((status = 200, body = Theater), (status = 404, body = ErrorEnvelope)))]
pub async fn get_theater(
    State(state): State<AppState>,
    ApiPath(theater_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Theater>> {
    sqlx::query_as(&format!(
        "select {THEATER_COLUMNS} from theaters where theater_id = $1 and closed_at is null"
    ))
    .bind(theater_id)
    .fetch_optional(&state.db)
    .await?
    .map(ApiJson)
    .ok_or(ApiError::NotFound("theater"))
}

/// Replaces a theater's details (its partner, or an operator). Only an operator may hand it
/// to another partner; a time zone change applies to the dates of later searches.
#[utoipa::path(put, path = "/theaters/{theater_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path)), request_body = NewTheater,
    security(("bearer" = [])),
    responses((status = 200, body = Theater), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "The new partner is not active"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_theater(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(theater_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewTheater>,
) -> ApiResult<ApiJson<Theater>> {
    manage_theater(&state.db, &user, theater_id).await?;
    if let Some(partner) = body.partner_id {
        if !user.is_operator() && user.partner_id != Some(partner) {
            return Err(forbidden(
                "only an operator may move a theater to another partner",
            ));
        }
        require_active_partner(&state.db, partner).await?;
    }
    let (name, city, timezone) = validate_theater(&state.db, &body).await?;
    sqlx::query_as(&format!(
        "update theaters
            set name = $2, city = $3, address = $4, pincode = $5, latitude = $6, longitude = $7,
                partner_id = coalesce($8, partner_id), timezone = $9
          where theater_id = $1 and closed_at is null
         returning {THEATER_COLUMNS}"
    ))
    .bind(theater_id)
    .bind(name)
    .bind(city)
    .bind(body.address.trim())
    .bind(body.pincode.as_deref().map(str::trim))
    .bind(body.latitude)
    .bind(body.longitude)
    .bind(body.partner_id)
    .bind(timezone)
    .fetch_optional(&state.db)
    .await?
    .map(ApiJson)
    .ok_or(ApiError::NotFound("theater"))
}

/// A 409 naming how many shows still to run keep `what` in use.
fn shows_ahead(what: &str, count: i64) -> ApiError {
    ApiError::Refused {
        status: StatusCode::CONFLICT,
        code: ErrorCode::HasUpcomingShows,
        message: format!(
            "{what} has {count} scheduled show(s) still to run; move or cancel them first"
        ),
        details: Some(serde_json::json!({ "upcoming_shows": count })),
    }
}

/// Closes a theater and retires its screens (its partner, or an operator): it leaves the
/// catalog, its bookings keep naming it. Refused while any show there is still to run.
#[utoipa::path(delete, path = "/theaters/{theater_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Shows still to run")))]
pub async fn delete_theater(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(theater_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    manage_theater(&state.db, &user, theater_id).await?;
    let mut tx = state.db.begin().await?;
    // Screens locked first: scheduling a show takes a share lock on its screen.
    sqlx::query("select 1 from screens where theater_id = $1 for update")
        .bind(theater_id)
        .execute(&mut *tx)
        .await?;
    let ahead = shows_still_to_run(&mut tx, Venue::Theater(theater_id)).await?;
    if ahead > 0 {
        return Err(shows_ahead("this theater", ahead));
    }
    let closed = sqlx::query(
        "update theaters set closed_at = now() where theater_id = $1 and closed_at is null",
    )
    .bind(theater_id)
    .execute(&mut *tx)
    .await?;
    if closed.rows_affected() == 0 {
        return Err(ApiError::NotFound("theater"));
    }
    sqlx::query(
        "update screens set retired_at = now() where theater_id = $1 and retired_at is null",
    )
    .bind(theater_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The screens of a theater, by name.
#[utoipa::path(get, path = "/theaters/{theater_id}/screens", tag = "catalog",
    params(("theater_id" = Uuid, Path)),
    responses((status = 200, body = [Screen]), (status = 404, body = ErrorEnvelope)))]
pub async fn list_screens(
    State(state): State<AppState>,
    ApiPath(theater_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Vec<Screen>>> {
    require_open(&state.db, theater_id, "").await?;
    let rows: Vec<ScreenRow> = sqlx::query_as(
        "select screen_id, theater_id, name, seat_count, layout from screens
          where theater_id = $1 and retired_at is null order by name",
    )
    .bind(theater_id)
    .fetch_all(&state.db)
    .await?;
    Ok(ApiJson(
        rows.into_iter()
            .map(screen_body)
            .collect::<ApiResult<_>>()?,
    ))
}

/// Checks a screen body; returns the cleaned name and the expanded seats.
fn validate_screen(body: &NewScreen) -> ApiResult<(String, Vec<LayoutSeat>)> {
    let mut errors = Vec::new();
    let name = required_text("name", &body.name, 60, &mut errors);
    let seats = body.layout.expand().unwrap_or_else(|mut e| {
        errors.append(&mut e);
        Vec::new()
    });
    if errors.is_empty() {
        Ok((name, seats))
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn name_taken(
    result: Result<sqlx::postgres::PgQueryResult, sqlx::Error>,
    name: &str,
) -> ApiResult<()> {
    match result {
        Err(sqlx::Error::Database(db)) if db.constraint() == Some("screens_theater_name_key") => {
            Err(ApiError::conflict(
                ErrorCode::ScreenExists,
                format!("this theater already has a screen named {name:?}"),
            ))
        }
        other => other.map(|_| ()).map_err(ApiError::from),
    }
}

fn seat_count(seats: &[LayoutSeat]) -> i32 {
    i32::try_from(seats.len()).unwrap_or(i32::MAX)
}

/// Adds a screen with its seat layout to a theater (the theater's partner, or an operator).
#[utoipa::path(post, path = "/theaters/{theater_id}/screens", tag = "catalog",
    params(("theater_id" = Uuid, Path)), request_body = NewScreen,
    security(("bearer" = [])),
    responses((status = 201, body = Screen), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_screen(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(theater_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewScreen>,
) -> ApiResult<(StatusCode, ApiJson<Screen>)> {
    manage_theater(&state.db, &user, theater_id).await?;
    let (name, seats) = validate_screen(&body)?;
    let mut tx = state.db.begin().await?;
    // Shared lock: closing the theater waits for the new screen, or the screen for the close.
    require_open(&mut *tx, theater_id, "for share").await?;
    let screen_id = Uuid::new_v4();
    let layout_json = serde_json::to_value(&body.layout).map_err(anyhow::Error::from)?;
    let inserted = sqlx::query(
        "insert into screens (screen_id, theater_id, name, layout, seat_count)
         values ($1, $2, $3, $4, $5)",
    )
    .bind(screen_id)
    .bind(theater_id)
    .bind(&name)
    .bind(layout_json)
    .bind(seat_count(&seats))
    .execute(&mut *tx)
    .await;
    name_taken(inserted, &name)?;
    insert_layout(&mut tx, screen_id, &body.layout, &seats).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(Screen {
            screen_id,
            theater_id,
            name,
            seat_count: seat_count(&seats),
            layout: body.layout,
        }),
    ))
}

/// Locks a screen of the theater for a change; 404 unless it is one of the theater's open
/// screens.
async fn lock_screen(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    theater_id: Uuid,
    screen_id: Uuid,
) -> ApiResult<serde_json::Value> {
    let layout: Option<serde_json::Value> = sqlx::query_scalar(
        "select layout from screens
          where screen_id = $1 and theater_id = $2 and retired_at is null
            for update",
    )
    .bind(screen_id)
    .bind(theater_id)
    .fetch_optional(&mut **tx)
    .await?;
    layout.ok_or(ApiError::NotFound("screen"))
}

/// 404 unless the theater exists and is open; `lock` is a row-lock clause (`""` for none).
async fn require_open<'e, E: sqlx::PgExecutor<'e>>(
    db: E,
    theater_id: Uuid,
    lock: &'static str,
) -> ApiResult<()> {
    let open: Option<Uuid> = sqlx::query_scalar(&format!(
        "select theater_id from theaters where theater_id = $1 and closed_at is null {lock}"
    ))
    .bind(theater_id)
    .fetch_optional(db)
    .await?;
    open.map(drop).ok_or(ApiError::NotFound("theater"))
}

/// Where shows still to run are counted.
#[derive(Clone, Copy)]
enum Venue {
    Theater(Uuid),
    Screen(Uuid),
}

/// Scheduled shows at the venue that have not ended yet (cleaning buffer included).
async fn shows_still_to_run(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    venue: Venue,
) -> Result<i64, sqlx::Error> {
    let (column, id) = match venue {
        Venue::Theater(id) => ("theater_id", id),
        Venue::Screen(id) => ("screen_id", id),
    };
    sqlx::query_scalar(&format!(
        "select count(*) from shows
          where {column} = $1 and status = 'scheduled' and busy_until > now()"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await
}

/// Renames a screen or replaces its layout (the theater's partner, or an operator). A new
/// layout is refused while a show on the screen is still to run; shows that have run keep the
/// seat map they were sold with.
#[utoipa::path(put, path = "/theaters/{theater_id}/screens/{screen_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path), ("screen_id" = Uuid, Path)), request_body = NewScreen,
    security(("bearer" = [])),
    responses((status = 200, body = Screen), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Name taken, or a new layout while shows are still to run"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_screen(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((theater_id, screen_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<NewScreen>,
) -> ApiResult<ApiJson<Screen>> {
    manage_theater(&state.db, &user, theater_id).await?;
    let (name, seats) = validate_screen(&body)?;
    let mut tx = state.db.begin().await?;
    let current = lock_screen(&mut tx, theater_id, screen_id).await?;
    let layout_json = serde_json::to_value(&body.layout).map_err(anyhow::Error::from)?;
    let new_layout = serde_json::from_value::<SeatLayout>(current)
        .map_or(true, |current| current != body.layout);
    if new_layout {
        let ahead = shows_still_to_run(&mut tx, Venue::Screen(screen_id)).await?;
        if ahead > 0 {
            return Err(shows_ahead("this screen", ahead));
        }
    }
    let updated = sqlx::query(
        "update screens set name = $2, layout = $3, seat_count = $4 where screen_id = $1",
    )
    .bind(screen_id)
    .bind(&name)
    .bind(layout_json)
    .bind(seat_count(&seats))
    .execute(&mut *tx)
    .await;
    name_taken(updated, &name)?;
    if new_layout {
        sqlx::query("delete from screen_seats where screen_id = $1")
            .bind(screen_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from seat_categories where screen_id = $1")
            .bind(screen_id)
            .execute(&mut *tx)
            .await?;
        insert_layout(&mut tx, screen_id, &body.layout, &seats).await?;
    }
    tx.commit().await?;
    Ok(ApiJson(Screen {
        screen_id,
        theater_id,
        name,
        seat_count: seat_count(&seats),
        layout: body.layout,
    }))
}

/// Retires a screen (the theater's partner, or an operator): no new shows, gone from the
/// catalog, its name free again. Refused while a show on it is still to run.
#[utoipa::path(delete, path = "/theaters/{theater_id}/screens/{screen_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path), ("screen_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Shows still to run")))]
pub async fn delete_screen(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((theater_id, screen_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    manage_theater(&state.db, &user, theater_id).await?;
    let mut tx = state.db.begin().await?;
    lock_screen(&mut tx, theater_id, screen_id).await?;
    let ahead = shows_still_to_run(&mut tx, Venue::Screen(screen_id)).await?;
    if ahead > 0 {
        return Err(shows_ahead("this screen", ahead));
    }
    sqlx::query("update screens set retired_at = now() where screen_id = $1")
        .bind(screen_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn insert_layout(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    screen_id: Uuid,
    layout: &SeatLayout,
    seats: &[LayoutSeat],
) -> Result<(), sqlx::Error> {
    let codes: Vec<&str> = layout.categories.iter().map(|c| c.code.as_str()).collect();
    let names: Vec<&str> = layout.categories.iter().map(|c| c.name.trim()).collect();
    let prices: Vec<i64> = layout.categories.iter().map(|c| c.price_minor).collect();
    sqlx::query(
        "insert into seat_categories (screen_id, code, name, price_minor)
         select $1, * from unnest($2::text[], $3::text[], $4::bigint[])",
    )
    .bind(screen_id)
    .bind(&codes)
    .bind(&names)
    .bind(&prices)
    .execute(&mut **tx)
    .await?;
    let labels: Vec<&str> = seats.iter().map(|s| s.label.as_str()).collect();
    let rows: Vec<&str> = seats.iter().map(|s| s.row.as_str()).collect();
    let numbers: Vec<i32> = seats.iter().map(|s| i32::from(s.number)).collect();
    let cats: Vec<&str> = seats.iter().map(|s| s.category.as_str()).collect();
    let row_idx: Vec<i32> = seats.iter().map(|s| i32::from(s.row_index)).collect();
    let cols: Vec<i32> = seats.iter().map(|s| i32::from(s.column)).collect();
    let accessible: Vec<bool> = seats.iter().map(|s| s.accessible).collect();
    sqlx::query(
        "insert into screen_seats (screen_id, seat_label, row_label, seat_number, category_code,
                                   row_index, col_index, accessible)
         select $1, * from unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::int[],
                                  $7::int[], $8::bool[])",
    )
    .bind(screen_id)
    .bind(&labels)
    .bind(&rows)
    .bind(&numbers)
    .bind(&cats)
    .bind(&row_idx)
    .bind(&cols)
    .bind(&accessible)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

type ScreenRow = (Uuid, Uuid, String, i32, serde_json::Value);

fn screen_body((screen_id, theater_id, name, seat_count, layout): ScreenRow) -> ApiResult<Screen> {
    let layout = serde_json::from_value(layout).map_err(anyhow::Error::from)?;
    Ok(Screen {
        screen_id,
        theater_id,
        name,
        seat_count,
        layout,
    })
}

/// Reads a screen with its layout (404 once retired).
#[utoipa::path(get, path = "/screens/{screen_id}", tag = "catalog",
    params(("screen_id" = Uuid, Path)),
    responses((status = 200, body = Screen), (status = 404, body = ErrorEnvelope)))]
pub async fn get_screen(
    State(state): State<AppState>,
    ApiPath(screen_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Screen>> {
    let row: Option<ScreenRow> = sqlx::query_as(
        "select screen_id, theater_id, name, seat_count, layout from screens
          where screen_id = $1 and retired_at is null",
    )
    .bind(screen_id)
    .fetch_optional(&state.db)
    .await?;
    screen_body(row.ok_or(ApiError::NotFound("screen"))?).map(ApiJson)
}
