//! Request and response bodies of the catalog endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use mtbp_domain::SeatLayout;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The `rating_count` and `rating_average` columns of a reviewed subject (movie or theater),
/// computed the same way everywhere.
macro_rules! rating_columns {
    () => {
        "rating_count,
         case when rating_count > 0 then round(rating_sum::numeric / rating_count, 2)::float8 end
             as rating_average"
    };
}
pub(crate) use rating_columns;

/// A new theater.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTheater {
    /// Display name.
    pub name: String,
    /// City.
    pub city: String,
    /// Street address.
    #[serde(default)]
    pub address: String,
    /// Postal (PIN) code.
    pub pincode: Option<String>,
    /// Latitude in degrees.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
    /// The partner that runs it: implied for partner staff; operators may name one, or leave
    /// it out for a venue the platform runs itself. On `PUT`, left out keeps the current one;
    /// only an operator may move a theater to another partner.
    pub partner_id: Option<Uuid>,
    /// IANA time zone of the theater, e.g. `Asia/Kolkata` (the default): the dates customers
    /// search by are its local dates.
    pub timezone: Option<String>,
}

/// A theater.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Theater {
    /// Id.
    pub theater_id: Uuid,
    /// Display name.
    pub name: String,
    /// City.
    pub city: String,
    /// Street address.
    pub address: String,
    /// Postal (PIN) code.
    pub pincode: Option<String>,
    /// Latitude in degrees.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
    /// The partner that runs it (none: run by the platform).
    pub partner_id: Option<Uuid>,
    /// IANA time zone.
    pub timezone: String,
    /// Average review rating, 1-5 (none until reviewed).
    pub rating_average: Option<f64>,
    /// Number of reviews.
    pub rating_count: i32,
}

/// The columns of a [`Theater`], in every query that returns one.
pub(crate) const THEATER_COLUMNS: &str = concat!(
    "theater_id, name, city, address, pincode, latitude, longitude, partner_id, timezone, ",
    rating_columns!()
);

/// A new screen with its seat layout.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScreen {
    /// Name, unique within the theater (e.g. `Audi 1`).
    pub name: String,
    /// Seat categories and rows.
    pub layout: SeatLayout,
}

/// A screen.
#[derive(Debug, Serialize, ToSchema)]
pub struct Screen {
    /// Id.
    pub screen_id: Uuid,
    /// Theater.
    pub theater_id: Uuid,
    /// Name.
    pub name: String,
    /// Number of seats.
    pub seat_count: i32,
    /// Seat categories and rows.
    pub layout: SeatLayout,
}

/// A new movie.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMovie {
    /// Title.
    pub title: String,
    /// Running time in minutes.
    pub duration_minutes: i32,
    /// Certification, e.g. `UA`.
    pub certification: Option<String>,
    /// Spoken languages.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Genres.
    #[serde(default)]
    pub genres: Vec<String>,
    /// Release date.
    pub release_date: Option<NaiveDate>,
    /// Synopsis.
    #[serde(default)]
    pub synopsis: String,
    /// Country of origin (ISO 3166 alpha-2, e.g. `IN`).
    pub country: Option<String>,
    /// Cast, billing order.
    #[serde(default)]
    pub cast: Vec<String>,
    /// Crew.
    #[serde(default)]
    pub crew: Vec<CrewMember>,
    /// Poster image URL.
    pub poster_url: Option<String>,
    /// Trailer URL.
    pub trailer_url: Option<String>,
}

/// Someone who made the movie.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrewMember {
    /// Name.
    pub name: String,
    /// Job, e.g. `Director`.
    pub job: String,
}

/// A movie.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Movie {
    /// Id.
    pub movie_id: Uuid,
    /// Title.
    pub title: String,
    /// Running time in minutes.
    pub duration_minutes: i32,
    /// Certification.
    pub certification: Option<String>,
    /// Spoken languages.
    pub languages: Vec<String>,
    /// Genres.
    pub genres: Vec<String>,
    /// Release date.
    pub release_date: Option<NaiveDate>,
    /// Synopsis.
    pub synopsis: String,
    /// Country of origin.
    pub country: Option<String>,
    /// Cast, billing order.
    #[sqlx(rename = "cast_members")]
    pub cast: Vec<String>,
    /// Crew.
    #[sqlx(json)]
    pub crew: Vec<CrewMember>,
    /// Poster image URL.
    pub poster_url: Option<String>,
    /// Trailer URL.
    pub trailer_url: Option<String>,
    /// Average review rating, 1-5 (none until reviewed).
    pub rating_average: Option<f64>,
    /// Number of reviews.
    pub rating_count: i32,
}

/// One page of movies.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoviePage {
    /// The movies: best match first when searching, else newest release first.
    pub movies: Vec<Movie>,
    /// Pass as `offset` for the next page; none on the last page.
    pub next_offset: Option<i64>,
}

/// A new show: a movie on a screen at a time. Its seat inventory is created from the screen's
/// layout, priced by category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShow {
    /// The movie.
    pub movie_id: Uuid,
    /// The screen.
    pub screen_id: Uuid,
    /// Start time (RFC 3339), in the future.
    pub starts_at: DateTime<Utc>,
    /// End time; defaults to the start plus the movie's running time.
    pub ends_at: Option<DateTime<Utc>>,
    /// Language of this show.
    pub language: String,
    /// Format, e.g. `2D`, `3D`, `IMAX`.
    #[serde(default = "default_format")]
    pub format: String,
    /// ISO currency of the prices.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Price by seat category code (minor units); categories left out use the screen's price.
    #[serde(default)]
    pub prices: BTreeMap<String, i64>,
}

/// Several shows scheduled together.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShows {
    /// 1 to 100 shows.
    pub shows: Vec<NewShow>,
}

/// Changes to a show; fields left out stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateShow {
    /// New start (in the future); the running time is kept unless `ends_at` is given.
    pub starts_at: Option<DateTime<Utc>>,
    /// New end.
    pub ends_at: Option<DateTime<Utc>>,
    /// Language.
    pub language: Option<String>,
    /// Format.
    pub format: Option<String>,
    /// New prices by seat category (free seats only).
    #[serde(default)]
    pub prices: BTreeMap<String, i64>,
}

fn default_format() -> String {
    "2D".into()
}

fn default_currency() -> String {
    "INR".into()
}

/// A show.
#[derive(Debug, Serialize, ToSchema)]
pub struct Show {
    /// Id.
    pub show_id: Uuid,
    /// The movie.
    pub movie_id: Uuid,
    /// The screen.
    pub screen_id: Uuid,
    /// The theater.
    pub theater_id: Uuid,
    /// Start time.
    pub starts_at: DateTime<Utc>,
    /// End time.
    pub ends_at: DateTime<Utc>,
    /// Language.
    pub language: String,
    /// Format.
    pub format: String,
    /// ISO currency.
    pub currency: String,
    /// `scheduled` or `cancelled`.
    pub status: String,
    /// Price by seat category code (minor units).
    pub prices: BTreeMap<String, i64>,
}

/// A seat as customers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatMapSeat {
    /// Label, e.g. `H12`.
    pub label: String,
    /// Number within the row.
    pub number: i32,
    /// Column in the drawn map (aisles count as columns).
    pub column: i32,
    /// Category code.
    pub category: String,
    /// Price in minor units.
    pub price_minor: i64,
    /// `available`, `held`, `booked`, `blocked` or `platform_reserved`.
    pub status: String,
    /// Wheelchair space or step-free.
    pub accessible: bool,
}

/// A row of the seat map.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatMapRow {
    /// Row letters.
    pub label: String,
    /// Seats from left to right.
    pub seats: Vec<SeatMapSeat>,
}

/// The seat map of a show.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatMap {
    /// The show.
    pub show_id: Uuid,
    /// ISO currency of the prices.
    pub currency: String,
    /// Seats that can be booked now.
    pub available: usize,
    /// Rows, nearest the screen first.
    pub rows: Vec<SeatMapRow>,
}
