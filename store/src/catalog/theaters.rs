//! Theaters: created and changed by their partner or an operator, closed (never deleted) so
//! the bookings that name them keep their meaning.

use mtbp_domain::theater::TheaterDetails;
use mtbp_domain::{PartnerId, TheaterId};
use sqlx::{PgConnection, PgExecutor};

/// A theater as stored.
#[derive(Debug, Clone)]
pub struct TheaterRow {
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
    /// The partner that runs it (none: the platform).
    pub partner_id: Option<PartnerId>,
    /// IANA time zone.
    pub timezone: String,
    /// Number of reviews counted.
    pub rating_count: i32,
    /// Sum of their ratings.
    pub rating_sum: i64,
}

impl TheaterRow {
    /// The average review rating, none until reviewed.
    pub fn rating_average(&self) -> Option<f64> {
        mtbp_domain::rating::average(self.rating_sum, self.rating_count)
    }
}

/// Whether PostgreSQL knows `name` as a time zone (the dates customers search by are computed
/// in it, so it must be one the database can convert to).
pub async fn timezone_exists(db: impl PgExecutor<'_>, name: &str) -> sqlx::Result<bool> {
    let known = sqlx::query_scalar!(
        r#"select exists (select 1 from pg_timezone_names where name = $1) as "known!""#,
        name
    )
    .fetch_one(db)
    .await?;
    Ok(known)
}

/// Adds a theater.
pub async fn insert(
    db: impl PgExecutor<'_>,
    theater_id: TheaterId,
    details: &TheaterDetails,
    partner_id: Option<PartnerId>,
) -> sqlx::Result<TheaterRow> {
    sqlx::query_as!(
        TheaterRow,
        r#"insert into theaters (theater_id, name, city, address, pincode, latitude, longitude,
                                 partner_id, timezone)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           returning theater_id as "theater_id: TheaterId", name, city, address, pincode,
                     latitude, longitude, partner_id as "partner_id: PartnerId", timezone,
                     rating_count, rating_sum"#,
        theater_id as TheaterId,
        details.name,
        details.city,
        details.address,
        details.pincode,
        details.latitude,
        details.longitude,
        partner_id as Option<PartnerId>,
        details.timezone,
    )
    .fetch_one(db)
    .await
}

/// A theater that has not closed.
pub async fn find_open(
    db: impl PgExecutor<'_>,
    theater_id: TheaterId,
) -> sqlx::Result<Option<TheaterRow>> {
    sqlx::query_as!(
        TheaterRow,
        r#"select theater_id as "theater_id: TheaterId", name, city, address, pincode,
                  latitude, longitude, partner_id as "partner_id: PartnerId", timezone,
                  rating_count, rating_sum
             from theaters where theater_id = $1 and closed_at is null"#,
        theater_id as TheaterId,
    )
    .fetch_optional(db)
    .await
}

/// Replaces an open theater's details; `partner_id` none keeps the current partner. None if
/// there is no such open theater.
pub async fn update(
    db: impl PgExecutor<'_>,
    theater_id: TheaterId,
    details: &TheaterDetails,
    partner_id: Option<PartnerId>,
) -> sqlx::Result<Option<TheaterRow>> {
    sqlx::query_as!(
        TheaterRow,
        r#"update theaters
              set name = $2, city = $3, address = $4, pincode = $5, latitude = $6,
                  longitude = $7, partner_id = coalesce($8, partner_id), timezone = $9
            where theater_id = $1 and closed_at is null
           returning theater_id as "theater_id: TheaterId", name, city, address, pincode,
                     latitude, longitude, partner_id as "partner_id: PartnerId", timezone,
                     rating_count, rating_sum"#,
        theater_id as TheaterId,
        details.name,
        details.city,
        details.address,
        details.pincode,
        details.latitude,
        details.longitude,
        partner_id as Option<PartnerId>,
        details.timezone,
    )
    .fetch_optional(db)
    .await
}

/// Whether the theater exists and is open.
pub async fn is_open(db: impl PgExecutor<'_>, theater_id: TheaterId) -> sqlx::Result<bool> {
    let open = sqlx::query_scalar!(
        "select theater_id from theaters where theater_id = $1 and closed_at is null",
        theater_id as TheaterId,
    )
    .fetch_optional(db)
    .await?;
    Ok(open.is_some())
}

/// As [`is_open`], taking a share lock on the theater row: closing the theater waits for the
/// caller's transaction (a new screen), or the caller for the close.
pub async fn lock_open_for_share(
    tx: &mut PgConnection,
    theater_id: TheaterId,
) -> sqlx::Result<bool> {
    let open = sqlx::query_scalar!(
        "select theater_id from theaters where theater_id = $1 and closed_at is null for share",
        theater_id as TheaterId,
    )
    .fetch_optional(tx)
    .await?;
    Ok(open.is_some())
}

/// Closes an open theater; false if there was none to close.
pub async fn close(tx: &mut PgConnection, theater_id: TheaterId) -> sqlx::Result<bool> {
    let closed = sqlx::query!(
        "update theaters set closed_at = now() where theater_id = $1 and closed_at is null",
        theater_id as TheaterId,
    )
    .execute(tx)
    .await?;
    Ok(closed.rows_affected() > 0)
}
