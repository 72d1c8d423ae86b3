//! `POST /shows` (with its seat inventory) and `GET /shows/{id}`.

use super::json::{NewShow, Show};
use super::required_text;
use crate::auth::access::{manage_screen, require};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
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
    // An unknown screen is a field error below; a known one must be the caller's.
    match manage_screen(&state.db, &user, body.screen_id).await {
        Ok(_) | Err(ApiError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let mut errors = Vec::new();
    let language = required_text("language", &body.language, 40, &mut errors);
    let format = required_text("format", &body.format, 20, &mut errors);
    if let Err(e) = Currency::parse(&body.currency) {
        errors.push(FieldError::new("currency", e.to_string()));
    }
    if body.starts_at <= Utc::now() {
        errors.push(FieldError::new("starts_at", "must be in the future"));
    }
    for (code, price) in &body.prices {
        if !(0..=100_000_000).contains(price) {
            errors.push(FieldError::new(
                format!("prices.{code}"),
                "between 0 and 100000000",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }

    let mut tx = state.db.begin().await?;
    let movie: Option<i32> =
        sqlx::query_scalar("select duration_minutes from movies where movie_id = $1")
            .bind(body.movie_id)
            .fetch_optional(&mut *tx)
            .await?;
    let screen: Option<Uuid> =
        sqlx::query_scalar("select theater_id from screens where screen_id = $1")
            .bind(body.screen_id)
            .fetch_optional(&mut *tx)
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
    if ends_at <= body.starts_at || ends_at > body.starts_at + Duration::hours(12) {
        return Err(ApiError::field(
            "ends_at",
            "after starts_at, and within 12 hours of it",
        ));
    }
    let categories: Vec<(String, i64)> = sqlx::query_as(
        "select code, price_minor from seat_categories where screen_id = $1 order by code",
    )
    .bind(body.screen_id)
    .fetch_all(&mut *tx)
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
    .execute(&mut *tx)
    .await;
    if let Err(sqlx::Error::Database(db)) = &inserted
        && db.constraint() == Some("shows_no_overlap")
    {
        return Err(ApiError::conflict(
            "show_overlaps",
            "another show on this screen overlaps this time (cleaning buffer included)",
        ));
    }
    inserted?;
    create_inventory(&mut tx, show_id, body.screen_id, &prices).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(Show {
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
        }),
    ))
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
         insert into show_seats (show_id, seat_label, category_code, price_minor)
         select $1, ss.seat_label, ss.category_code, p.price_minor
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
