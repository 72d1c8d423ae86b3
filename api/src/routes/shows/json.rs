//! Request and response bodies of the show endpoints and of their seat maps.

use crate::routes::common::minor_units;
use chrono::{DateTime, Utc};
use mtbp_domain::{Money, MovieId, ScreenId, ShowId, ShowStatus, TheaterId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A new show: a movie on a screen at a time. Its seat inventory is created from the screen's
/// layout, priced by category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShow {
    /// The movie.
    #[schema(value_type = Uuid)]
    pub movie_id: MovieId,
    /// The screen.
    #[schema(value_type = Uuid)]
    pub screen_id: ScreenId,
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
    /// When the sale opens, before the start; left out, it is open at once. Members whose
    /// plan gives early access may hold seats that many hours sooner.
    pub on_sale_at: Option<DateTime<Utc>>,
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
    /// When the sale opens (before the start); a time already past opens it now.
    pub on_sale_at: Option<DateTime<Utc>>,
}

fn default_format() -> String {
    "2D".into()
}

fn default_currency() -> String {
    "INR".into()
}

/// A show.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "super::wire::Show")]
pub struct Show {
    /// Id.
    #[schema(value_type = Uuid)]
    pub show_id: ShowId,
    /// The movie.
    #[schema(value_type = Uuid)]
    pub movie_id: MovieId,
    /// The screen.
    #[schema(value_type = Uuid)]
    pub screen_id: ScreenId,
    /// The theater.
    #[schema(value_type = Uuid)]
    pub theater_id: TheaterId,
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
    #[schema(value_type = String)]
    pub status: ShowStatus,
    /// Price by seat category code (minor units).
    #[serde(serialize_with = "minor_units::by_code")]
    #[schema(value_type = BTreeMap<String, i64>)]
    pub prices: BTreeMap<String, Money>,
    /// When the sale opens; absent: it is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_sale_at: Option<DateTime<Utc>>,
}

/// A seat as customers see it.
// Not `Deserialize` on its own: its price is read back with the seat map's currency.
#[derive(Debug, PartialEq, Serialize, ToSchema)]
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
    #[serde(rename = "price_minor", with = "minor_units")]
    #[schema(value_type = i64)]
    pub price: Money,
    /// `available`, `held`, `booked`, `blocked` or `platform_reserved`.
    pub status: String,
    /// Wheelchair space or step-free.
    pub accessible: bool,
}

/// A row of the seat map.
#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct SeatMapRow {
    /// Row letters.
    pub label: String,
    /// Seats from left to right.
    pub seats: Vec<SeatMapSeat>,
}

/// The seat map of a show.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "super::wire::SeatMap")]
pub struct SeatMap {
    /// The show.
    #[schema(value_type = Uuid)]
    pub show_id: ShowId,
    /// ISO currency of the prices.
    pub currency: String,
    /// Seats that can be booked now.
    pub available: usize,
    /// Rows, nearest the screen first.
    pub rows: Vec<SeatMapRow>,
}

/// Which seats of a show can be booked now, and nothing else: the part of the seat map that
/// changes from second to second, small enough to poll in a rush (the layout and prices of
/// `GET /shows/{id}/seats` do not change during a sale).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Availability {
    /// The show.
    #[schema(value_type = Uuid)]
    pub show_id: ShowId,
    /// Seats that can be booked now.
    pub available: usize,
    /// Rows with at least one bookable seat, nearest the screen first.
    pub rows: Vec<AvailableRow>,
}

/// The bookable seats of one row.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AvailableRow {
    /// Row letters, e.g. `H`.
    pub row: String,
    /// Seat numbers in map order (`H12` is 12); neighbours in this list with consecutive
    /// numbers sit side by side unless an aisle is between them (see the seat map's columns).
    pub seats: Vec<i32>,
}

/// What to suggest.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BestQuery {
    /// How many seats side by side, 1-10.
    pub count: u32,
    /// Only this seat category.
    pub category: Option<String>,
}

/// Suggested seats.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "super::wire::BestSeats")]
pub struct BestSeats {
    /// The show.
    #[schema(value_type = Uuid)]
    pub show_id: ShowId,
    /// Seat labels side by side, to pass to `POST /bookings`.
    pub seats: Vec<String>,
    /// Their total price in minor units.
    #[serde(rename = "amount_minor", with = "minor_units")]
    #[schema(value_type = i64)]
    pub amount: Money,
    /// ISO currency.
    pub currency: String,
}

/// What a seat's inventory status may be set to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InventoryStatus {
    /// Back on sale.
    Available,
    /// Not for sale (broken seat, house seats…).
    Blocked,
    /// Set aside for the platform (the designated-rows model): not for sale by the theater.
    PlatformReserved,
}

/// Seats and rows to set to one inventory status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryChange {
    /// Seat labels.
    #[serde(default)]
    pub seats: Vec<String>,
    /// Whole rows, by row letters.
    #[serde(default)]
    pub rows: Vec<String>,
    /// The new status.
    pub status: InventoryStatus,
}
