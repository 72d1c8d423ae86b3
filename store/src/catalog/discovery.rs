//! The reads customers hit hardest: theaters near them, upcoming shows by city and date, and a
//! movie's showtimes. Each is one static query with optional filters (`$n is null or …`), so
//! the planner sees the same statement every time; the SQL lives in `queries/` so the catalog
//! benchmark can show the plans of exactly these statements ([`plans`]).

use chrono::{DateTime, NaiveDate, Utc};
use mtbp_domain::{MovieId, PartnerId, ShowId, TheaterId};
use sqlx::PgExecutor;

/// The SQL of the discovery reads and the movie search, for query plans.
pub mod plans {
    /// [`super::search_theaters`].
    pub const THEATER_SEARCH: &str = include_str!("../../queries/theater_search.sql");
    /// [`super::search_shows`].
    pub const SHOW_SEARCH: &str = include_str!("../../queries/show_search.sql");
    /// [`super::showtimes`].
    pub const SHOWTIMES: &str = include_str!("../../queries/showtimes.sql");
    /// [`crate::catalog::movies::search`].
    pub const MOVIE_SEARCH: &str = include_str!("../../queries/movie_search.sql");
    /// [`crate::seats::inventory::seat_map`].
    pub const SEAT_MAP: &str = crate::seats::inventory::SEAT_MAP_SQL;
}

/// What to find theaters by; text filters lower case.
#[derive(Debug, Clone, Copy, Default)]
pub struct TheaterSearch<'a> {
    /// City.
    pub city: Option<&'a str>,
    /// Postal code.
    pub pincode: Option<&'a str>,
    /// Only theaters within `radius_km` of this point (latitude, longitude), nearest first.
    pub near: Option<(f64, f64)>,
    /// Radius in km for `near`.
    pub radius_km: f64,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// A theater found, with its distance when searched near a point.
#[derive(Debug, Clone)]
pub struct TheaterHit {
    /// Id.
    pub theater_id: TheaterId,
    /// Display name.
    pub name: String,
    /// City.
    pub city: String,
    /// Street address.
    pub address: String,
    /// Postal code.
    pub pincode: Option<String>,
    /// Latitude.
    pub latitude: Option<f64>,
    /// Longitude.
    pub longitude: Option<f64>,
    /// The partner that runs it.
    pub partner_id: Option<PartnerId>,
    /// IANA time zone.
    pub timezone: String,
    /// Number of reviews.
    pub rating_count: i32,
    /// Sum of their ratings.
    pub rating_sum: i64,
    /// Great-circle distance from the point searched near.
    pub distance_km: Option<f64>,
}

/// Open theaters by city, postal code and distance: nearest first, else by name.
pub async fn search_theaters(
    db: impl PgExecutor<'_>,
    q: &TheaterSearch<'_>,
) -> sqlx::Result<Vec<TheaterHit>> {
    // A bounding box (an index range) first, then the great-circle distance.
    let (lat, lng) = q.near.unwrap_or_default();
    let dlat = q.radius_km / 111.045;
    let dlng = q.radius_km / (111.045 * lat.to_radians().cos().max(0.01));
    sqlx::query_file_as!(
        TheaterHit,
        "queries/theater_search.sql",
        q.city,
        q.pincode,
        q.near.is_some(),
        lat,
        lng,
        q.radius_km,
        dlat,
        dlng,
        q.limit,
        q.offset,
    )
    .fetch_all(db)
    .await
}

/// Which upcoming shows; text filters lower case.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShowFilter<'a> {
    /// City of the theater.
    pub city: Option<&'a str>,
    /// The theater's local date.
    pub date: Option<NaiveDate>,
    /// Movie.
    pub movie: Option<MovieId>,
    /// Theater.
    pub theater: Option<TheaterId>,
    /// Language.
    pub language: Option<&'a str>,
    /// Format.
    pub format: Option<&'a str>,
}

/// An upcoming show with what a customer picks by.
#[derive(Debug, Clone)]
pub struct ShowHit {
    /// Id.
    pub show_id: ShowId,
    /// Movie.
    pub movie_id: MovieId,
    /// Movie title.
    pub movie_title: String,
    /// Theater.
    pub theater_id: TheaterId,
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
    /// Seats a customer can hold now (as the seat map's `available`).
    pub seats_available: i64,
    /// When the sale opens, while it has not.
    pub on_sale_at: Option<DateTime<Utc>>,
}

/// Upcoming shows by start time, a page of them.
pub async fn search_shows(
    db: impl PgExecutor<'_>,
    f: &ShowFilter<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ShowHit>> {
    sqlx::query_file_as!(
        ShowHit,
        "queries/show_search.sql",
        f.city,
        f.date,
        f.movie as Option<MovieId>,
        f.theater as Option<TheaterId>,
        f.language,
        f.format,
        limit,
        offset,
    )
    .fetch_all(db)
    .await
}

/// Upcoming shows grouped by theater (by name), each theater's by start; at most 2000.
pub async fn showtimes(db: impl PgExecutor<'_>, f: &ShowFilter<'_>) -> sqlx::Result<Vec<ShowHit>> {
    sqlx::query_file_as!(
        ShowHit,
        "queries/showtimes.sql",
        f.city,
        f.date,
        f.movie as Option<MovieId>,
        f.theater as Option<TheaterId>,
        f.language,
        f.format,
    )
    .fetch_all(db)
    .await
}
