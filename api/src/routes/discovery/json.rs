//! Query parameters and response bodies of the discovery reads.

use crate::routes::theaters::json::Theater;
use chrono::{DateTime, NaiveDate, Utc};
use mtbp_domain::{MovieId, ShowId, TheaterId};
use mtbp_store::catalog::discovery::{ShowHit, TheaterHit};
use mtbp_store::catalog::theaters::TheaterRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TheaterListing {
    /// The theater.
    #[serde(flatten)]
    pub theater: Theater,
    /// Distance from `near`, when asked.
    pub distance_km: Option<f64>,
}

impl From<TheaterHit> for TheaterListing {
    fn from(t: TheaterHit) -> Self {
        let row = TheaterRow {
            theater_id: t.theater_id,
            name: t.name,
            city: t.city,
            address: t.address,
            pincode: t.pincode,
            latitude: t.latitude,
            longitude: t.longitude,
            partner_id: t.partner_id,
            timezone: t.timezone,
            rating_count: t.rating_count,
            rating_sum: t.rating_sum,
        };
        Self {
            theater: row.into(),
            distance_km: t.distance_km,
        }
    }
}

/// One page of theaters.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TheaterPage {
    /// The theaters: nearest first with `near`, else by name.
    pub theaters: Vec<TheaterListing>,
    /// Pass as `offset` for the next page.
    pub next_offset: Option<i64>,
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
    #[param(value_type = Option<Uuid>)]
    pub movie: Option<MovieId>,
    /// Theater id.
    #[param(value_type = Option<Uuid>)]
    pub theater: Option<TheaterId>,
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShowListing {
    /// Id.
    #[schema(value_type = Uuid)]
    pub show_id: ShowId,
    /// Movie.
    #[schema(value_type = Uuid)]
    pub movie_id: MovieId,
    /// Movie title.
    pub movie_title: String,
    /// Theater.
    #[schema(value_type = Uuid)]
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
    /// Seats free now.
    pub seats_available: i64,
    /// When the sale opens (members with early access may hold sooner); absent: open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_sale_at: Option<DateTime<Utc>>,
}

impl From<ShowHit> for ShowListing {
    fn from(s: ShowHit) -> Self {
        Self {
            show_id: s.show_id,
            movie_id: s.movie_id,
            movie_title: s.movie_title,
            theater_id: s.theater_id,
            theater_name: s.theater_name,
            screen_name: s.screen_name,
            starts_at: s.starts_at,
            language: s.language,
            format: s.format,
            seats_available: s.seats_available,
            on_sale_at: s.on_sale_at,
        }
    }
}

/// One page of shows.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShowPage {
    /// Shows by start time.
    pub shows: Vec<ShowListing>,
    /// Pass as `offset` for the next page.
    pub next_offset: Option<i64>,
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Showtime {
    /// Show id: the seat map is `GET /shows/{show_id}/seats`.
    #[schema(value_type = Uuid)]
    pub show_id: ShowId,
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
    /// When the sale opens; absent: open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_sale_at: Option<DateTime<Utc>>,
}

/// A theater running the movie, with its show times.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TheaterShowtimes {
    /// Theater.
    #[schema(value_type = Uuid)]
    pub theater_id: TheaterId,
    /// Name.
    pub theater_name: String,
    /// Show times, earliest first.
    pub shows: Vec<Showtime>,
}

/// A movie's showtimes in a city on a date.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MovieShowtimes {
    /// The movie.
    #[schema(value_type = Uuid)]
    pub movie_id: MovieId,
    /// City asked for.
    pub city: String,
    /// Date asked for.
    pub date: NaiveDate,
    /// Theaters by name.
    pub theaters: Vec<TheaterShowtimes>,
}
