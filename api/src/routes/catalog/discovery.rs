//! The read side customers hit hardest: theaters near them, shows by city and date, and a
//! movie's showtimes in a city on a date, grouped by theater.

use super::json::{THEATER_COLUMNS, Theater};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use mtbp_domain::seats::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(v)| v)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

fn paging(limit: Option<i64>, offset: Option<i64>, errors: &mut Vec<FieldError>) -> (i64, i64) {
    let (limit, offset) = (limit.unwrap_or(50), offset.unwrap_or(0));
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::new("limit", "between 1 and 200"));
    }
    if !(0..=10_000).contains(&offset) {
        errors.push(FieldError::new("offset", "between 0 and 10000"));
    }
    (limit, offset)
}

fn short(field: &str, value: Option<&String>, errors: &mut Vec<FieldError>) -> Option<String> {
    value.map(|v| {
        if v.chars().count() > 100 {
            errors.push(FieldError::new(field, "at most 100 characters"));
        }
        v.trim().to_lowercase()
    })
}

fn next(len: usize, limit: i64, offset: i64) -> Option<i64> {
    (i64::try_from(len).unwrap_or(0) == limit).then_some(offset + limit)
}

/// Theater filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TheaterQuery {
    /// City, any case.
    pub city: Option<String>,
    /// Postal (PIN) code.
    pub pincode: Option<String>,
    /// `lat,lng`: only theaters within `radius_km`, nearest first.
    pub near: Option<String>,
    /// Radius for `near`, 0.1-100 km (default 10).
    pub radius_km: Option<f64>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// Rows to skip (from `next_offset`).
    pub offset: Option<i64>,
}

/// A theater in a listing.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct TheaterListing {
    /// The theater.
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub theater: Theater,
    /// Distance from `near`, when asked.
    pub distance_km: Option<f64>,
}

/// One page of theaters.
#[derive(Debug, Serialize, ToSchema)]
pub struct TheaterPage {
    /// The theaters: nearest first with `near`, else by name.
    pub theaters: Vec<TheaterListing>,
    /// Pass as `offset` for the next page.
    pub next_offset: Option<i64>,
}

fn parse_near(raw: &str) -> Option<(f64, f64)> {
    let (lat, lng) = raw.split_once(',')?;
    let (lat, lng): (f64, f64) = (lat.trim().parse().ok()?, lng.trim().parse().ok()?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)).then_some((lat, lng))
}

/// Finds theaters by city, PIN code, or distance from a point.
#[utoipa::path(get, path = "/theaters", tag = "catalog", params(TheaterQuery),
    responses((status = 200, body = TheaterPage), (status = 400, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn search_theaters(
    State(state): State<AppState>,
    q: Result<Query<TheaterQuery>, QueryRejection>,
) -> ApiResult<ApiJson<TheaterPage>> {
    let q = query(q)?;
    let mut errors = Vec::new();
    let (limit, offset) = paging(q.limit, q.offset, &mut errors);
    let city = short("city", q.city.as_ref(), &mut errors);
    let pincode = short("pincode", q.pincode.as_ref(), &mut errors);
    let near = q.near.as_deref().map(|raw| {
        parse_near(raw).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "near",
                "lat,lng in degrees, e.g. 12.97,77.59",
            ));
            (0.0, 0.0)
        })
    });
    let radius = q.radius_km.unwrap_or(10.0);
    if !(0.1..=100.0).contains(&radius) {
        errors.push(FieldError::new("radius_km", "between 0.1 and 100"));
    }
    if q.radius_km.is_some() && near.is_none() {
        errors.push(FieldError::new("radius_km", "only with near"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // A bounding box (index range) first, then the great-circle distance.
    let (lat, lng) = near.unwrap_or_default();
    let dlat = radius / 111.045;
    let dlng = radius / (111.045 * lat.to_radians().cos().max(0.01));
    let theaters: Vec<TheaterListing> = sqlx::query_as(&theater_search_sql())
        .bind(city)
        .bind(pincode)
        .bind(near.is_some())
        .bind(lat)
        .bind(lng)
        .bind(radius)
        .bind(dlat)
        .bind(dlng)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.db)
        .await?;
    let next_offset = next(theaters.len(), limit, offset);
    Ok(ApiJson(TheaterPage {
        theaters,
        next_offset,
    }))
}

/// The theater search: $1 city (lower case), $2 PIN code, $3 whether near, $4/$5 latitude and
/// longitude, $6 radius in km, $7/$8 the bounding box's half height and width in degrees,
/// $9 limit, $10 offset.
pub fn theater_search_sql() -> String {
    format!(
        "select * from (
           select {THEATER_COLUMNS},
                  case when $3 then 6371.0 * 2 * asin(sqrt(
                      power(sin(radians(latitude - $4) / 2), 2) +
                      cos(radians($4)) * cos(radians(latitude)) *
                      power(sin(radians(longitude - $5) / 2), 2))) end as distance_km
             from theaters
            where closed_at is null
              and ($1::text is null or lower(city) = $1)
              and ($2::text is null or pincode = $2)
              and (not $3 or (latitude between $4 - $7 and $4 + $7
                              and longitude between $5 - $8 and $5 + $8))
         ) t
         where not $3 or distance_km <= $6
         order by distance_km nulls last, name, theater_id
         limit $9 offset $10"
    )
}

/// Show filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ShowQuery {
    /// City of the theater, any case.
    pub city: Option<String>,
    /// The theater's local date (`YYYY-MM-DD`); default: upcoming shows from now.
    pub date: Option<NaiveDate>,
    /// Movie id.
    pub movie: Option<Uuid>,
    /// Theater id.
    pub theater: Option<Uuid>,
    /// Language, any case.
    pub language: Option<String>,
    /// Format (`2D`, `3D`, `IMAX`…), any case.
    pub format: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// Rows to skip (from `next_offset`).
    pub offset: Option<i64>,
}

/// A show in a listing, with what a customer picks by.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ShowListing {
    /// Id.
    pub show_id: Uuid,
    /// Movie.
    pub movie_id: Uuid,
    /// Movie title.
    pub movie_title: String,
    /// Theater.
    pub theater_id: Uuid,
    /// Theater name.
    pub theater_name: String,
    /// Screen name.
    pub screen_name: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// Language.
    pub language: String,
    /// Format.
    pub format: String,
    /// Seats free now.
    pub seats_available: i64,
}

/// One page of shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShowPage {
    /// Shows by start time.
    pub shows: Vec<ShowListing>,
    /// Pass as `offset` for the next page.
    pub next_offset: Option<i64>,
}

/// Upcoming shows with what a customer picks by: $1 city (lower case), $2 local date, $3 movie,
/// $4 theater, $5 language and $6 format (lower case); the callers add the order and limit.
pub const SHOW_LISTING: &str = "
    select s.show_id, s.movie_id, m.title as movie_title, s.theater_id, t.name as theater_name,
           sc.name as screen_name, s.starts_at, s.language, s.format,
           (select count(*) from show_seats f
             where f.show_id = s.show_id and f.status = 'free') as seats_available
      from shows s
      join theaters t on t.theater_id = s.theater_id
      join movies m on m.movie_id = s.movie_id
      join screens sc on sc.screen_id = s.screen_id
     where s.status = 'scheduled' and s.starts_at > now()
       -- The show's city and theater-local date, kept from its theater (migration 0009).
       and ($1::text is null or s.city = $1)
       and ($2::date is null or s.local_date = $2)
       and ($3::uuid is null or s.movie_id = $3)
       and ($4::uuid is null or s.theater_id = $4)
       and ($5::text is null or lower(s.language) = $5)
       and ($6::text is null or lower(s.format) = $6)";

/// `GET /shows`: [`SHOW_LISTING`] by start time, $7 limit, $8 offset.
pub fn show_search_sql() -> String {
    format!("{SHOW_LISTING} order by s.starts_at, t.name, s.show_id limit $7 offset $8")
}

/// `GET /movies/{id}/showtimes`: [`SHOW_LISTING`] grouped by theater.
pub fn showtimes_sql() -> String {
    format!("{SHOW_LISTING} order by t.name, t.theater_id, s.starts_at, s.show_id limit 2000")
}

/// Finds upcoming shows by city, local date, movie, theater, language and format.
#[utoipa::path(get, path = "/shows", tag = "catalog", params(ShowQuery),
    responses((status = 200, body = ShowPage), (status = 400, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn search_shows(
    State(state): State<AppState>,
    q: Result<Query<ShowQuery>, QueryRejection>,
) -> ApiResult<ApiJson<ShowPage>> {
    let q = query(q)?;
    let mut errors = Vec::new();
    let (limit, offset) = paging(q.limit, q.offset, &mut errors);
    let city = short("city", q.city.as_ref(), &mut errors);
    let language = short("language", q.language.as_ref(), &mut errors);
    let format = short("format", q.format.as_ref(), &mut errors);
    if let Some(date) = q.date {
        crate::dates::check_date("date", date, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let shows: Vec<ShowListing> = sqlx::query_as(&show_search_sql())
        .bind(city)
        .bind(q.date)
        .bind(q.movie)
        .bind(q.theater)
        .bind(language)
        .bind(format)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.db)
        .await?;
    let next_offset = next(shows.len(), limit, offset);
    Ok(ApiJson(ShowPage { shows, next_offset }))
}

/// Where and when a movie plays.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ShowtimesQuery {
    /// City, any case.
    pub city: String,
    /// The theaters' local date (`YYYY-MM-DD`).
    pub date: NaiveDate,
    /// Language, any case.
    pub language: Option<String>,
    /// Format, any case.
    pub format: Option<String>,
}

/// A show time at a theater.
#[derive(Debug, Serialize, ToSchema)]
pub struct Showtime {
    /// Show id: the seat map is `GET /shows/{show_id}/seats`.
    pub show_id: Uuid,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// Screen name.
    pub screen_name: String,
    /// Language.
    pub language: String,
    /// Format.
    pub format: String,
    /// Seats free now.
    pub seats_available: i64,
}

/// A theater running the movie, with its show times.
#[derive(Debug, Serialize, ToSchema)]
pub struct TheaterShowtimes {
    /// Theater.
    pub theater_id: Uuid,
    /// Name.
    pub theater_name: String,
    /// Show times, earliest first.
    pub shows: Vec<Showtime>,
}

/// A movie's showtimes in a city on a date.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovieShowtimes {
    /// The movie.
    pub movie_id: Uuid,
    /// City asked for.
    pub city: String,
    /// Date asked for.
    pub date: NaiveDate,
    /// Theaters by name.
    pub theaters: Vec<TheaterShowtimes>,
}

/// The theaters running a movie in a city, with their show times on a date, in one call.
#[utoipa::path(get, path = "/movies/{movie_id}/showtimes", tag = "catalog",
    params(("movie_id" = Uuid, Path), ShowtimesQuery),
    responses((status = 200, body = MovieShowtimes), (status = 400, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn movie_showtimes(
    State(state): State<AppState>,
    ApiPath(movie_id): ApiPath<Uuid>,
    q: Result<Query<ShowtimesQuery>, QueryRejection>,
) -> ApiResult<ApiJson<MovieShowtimes>> {
    let q = query(q)?;
    let mut errors = Vec::new();
    let city = short("city", Some(&q.city), &mut errors).unwrap_or_default();
    if city.is_empty() {
        errors.push(FieldError::new("city", "1-100 characters"));
    }
    let language = short("language", q.language.as_ref(), &mut errors);
    let format = short("format", q.format.as_ref(), &mut errors);
    crate::dates::check_date("date", q.date, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let exists: Option<Uuid> =
        sqlx::query_scalar("select movie_id from movies where movie_id = $1")
            .bind(movie_id)
            .fetch_optional(&state.db)
            .await?;
    exists.ok_or(ApiError::NotFound("movie"))?;
    let rows: Vec<ShowListing> = sqlx::query_as(&showtimes_sql())
        .bind(&city)
        .bind(q.date)
        .bind(movie_id)
        .bind(None::<Uuid>)
        .bind(language)
        .bind(format)
        .fetch_all(&state.db)
        .await?;
    let mut theaters: Vec<TheaterShowtimes> = Vec::new();
    for r in rows {
        let show = Showtime {
            show_id: r.show_id,
            starts_at: r.starts_at,
            screen_name: r.screen_name,
            language: r.language,
            format: r.format,
            seats_available: r.seats_available,
        };
        match theaters.last_mut() {
            Some(t) if t.theater_id == r.theater_id => t.shows.push(show),
            _ => theaters.push(TheaterShowtimes {
                theater_id: r.theater_id,
                theater_name: r.theater_name,
                shows: vec![show],
            }),
        }
    }
    Ok(ApiJson(MovieShowtimes {
        movie_id,
        city: q.city.trim().to_owned(),
        date: q.date,
        theaters,
    }))
}
