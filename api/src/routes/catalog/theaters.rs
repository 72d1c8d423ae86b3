//! `POST /theaters`, `GET /theaters/{id}`, `POST /theaters/{id}/screens`, `GET /screens/{id}`.

use super::json::{NewScreen, NewTheater, Screen, Theater};
use super::required_text;
use crate::auth::access::{forbidden, manage_theater, require, require_active_partner};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use mtbp_domain::SeatLayout;
use mtbp_domain::seats::FieldError;
use uuid::Uuid;

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
    let mut errors = Vec::new();
    let name = required_text("name", &body.name, 120, &mut errors);
    let city = required_text("city", &body.city, 80, &mut errors);
    if body.address.chars().count() > 300 {
        errors.push(FieldError::new("address", "at most 300 characters"));
    }
    if let Some(p) = &body.pincode
        && !(3..=10).contains(&p.len())
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
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let theater: Theater = sqlx::query_as(
        "insert into theaters (theater_id, name, city, address, pincode, latitude, longitude,
                               partner_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning theater_id, name, city, address, pincode, latitude, longitude, partner_id",
    )
    .bind(Uuid::new_v4())
    .bind(name)
    .bind(city)
    .bind(body.address.trim())
    .bind(body.pincode.as_deref().map(str::trim))
    .bind(body.latitude)
    .bind(body.longitude)
    .bind(partner_id)
    .fetch_one(&state.db)
    .await?;
    Ok((StatusCode::CREATED, ApiJson(theater)))
}

/// Reads a theater.
#[utoipa::path(get, path = "/theaters/{theater_id}", tag = "catalog",
    params(("theater_id" = Uuid, Path)),
    responses((status = 200, body = Theater), (status = 404, body = ErrorEnvelope)))]
pub async fn get_theater(
    State(state): State<AppState>,
    ApiPath(theater_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Theater>> {
    sqlx::query_as(
        "select theater_id, name, city, address, pincode, latitude, longitude, partner_id
           from theaters where theater_id = $1",
    )
    .bind(theater_id)
    .fetch_optional(&state.db)
    .await?
    .map(ApiJson)
    .ok_or(ApiError::NotFound("theater"))
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
    let mut errors = Vec::new();
    let name = required_text("name", &body.name, 60, &mut errors);
    let seats = body.layout.expand().unwrap_or_else(|mut e| {
        errors.append(&mut e);
        Vec::new()
    });
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    let exists: Option<Uuid> =
        sqlx::query_scalar("select theater_id from theaters where theater_id = $1 for share")
            .bind(theater_id)
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_none() {
        return Err(ApiError::NotFound("theater"));
    }
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
    .bind(i32::try_from(seats.len()).unwrap_or(i32::MAX))
    .execute(&mut *tx)
    .await;
    if let Err(sqlx::Error::Database(db)) = &inserted
        && db.constraint() == Some("screens_theater_name_key")
    {
        return Err(ApiError::conflict(
            "screen_exists",
            format!("this theater already has a screen named {name:?}"),
        ));
    }
    inserted?;
    insert_layout(&mut tx, screen_id, &body.layout, &seats).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(Screen {
            screen_id,
            theater_id,
            name,
            seat_count: i32::try_from(seats.len()).unwrap_or(i32::MAX),
            layout: body.layout,
        }),
    ))
}

async fn insert_layout(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    screen_id: Uuid,
    layout: &SeatLayout,
    seats: &[mtbp_domain::seats::LayoutSeat],
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
    sqlx::query(
        "insert into screen_seats (screen_id, seat_label, row_label, seat_number, category_code,
                                   row_index, col_index)
         select $1, * from unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::int[])",
    )
    .bind(screen_id)
    .bind(&labels)
    .bind(&rows)
    .bind(&numbers)
    .bind(&cats)
    .bind(&row_idx)
    .bind(&cols)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reads a screen with its layout.
#[utoipa::path(get, path = "/screens/{screen_id}", tag = "catalog",
    params(("screen_id" = Uuid, Path)),
    responses((status = 200, body = Screen), (status = 404, body = ErrorEnvelope)))]
pub async fn get_screen(
    State(state): State<AppState>,
    ApiPath(screen_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Screen>> {
    let row: Option<(Uuid, Uuid, String, i32, serde_json::Value)> = sqlx::query_as(
        "select screen_id, theater_id, name, seat_count, layout from screens where screen_id = $1",
    )
    .bind(screen_id)
    .fetch_optional(&state.db)
    .await?;
    let (screen_id, theater_id, name, seat_count, layout) =
        row.ok_or(ApiError::NotFound("screen"))?;
    let layout = serde_json::from_value(layout).map_err(anyhow::Error::from)?;
    Ok(ApiJson(Screen {
        screen_id,
        theater_id,
        name,
        seat_count,
        layout,
    }))
}
