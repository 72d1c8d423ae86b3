//! Screens of a theater with their seat layout: the layout as submitted (for display), its
//! seat categories with default prices, and one row per seat from which each show's inventory
//! is copied. A retired screen stays for the shows and bookings that name it.

use mtbp_domain::seats::LayoutSeat;
use mtbp_domain::{ScreenId, SeatLayout, TheaterId};
use sqlx::{PgConnection, PgExecutor};
use std::collections::BTreeMap;

/// A screen as stored.
#[derive(Debug, Clone)]
pub struct ScreenRow {
    /// Id.
    pub screen_id: ScreenId,
    /// Its theater.
    pub theater_id: TheaterId,
    /// Name, unique among the theater's open screens.
    pub name: String,
    /// Number of seats.
    pub seat_count: i32,
    /// The layout as submitted.
    pub layout: serde_json::Value,
}

/// A new or changed screen.
#[derive(Debug, Clone, Copy)]
pub struct ScreenFields<'a> {
    /// Name.
    pub name: &'a str,
    /// The layout as submitted.
    pub layout: &'a SeatLayout,
    /// Its seats, expanded from the layout.
    pub seats: &'a [LayoutSeat],
}

impl ScreenFields<'_> {
    /// The number of seats, as stored.
    pub fn seat_count(&self) -> i32 {
        i32::try_from(self.seats.len()).unwrap_or(i32::MAX)
    }

    fn layout_json(&self) -> sqlx::Result<serde_json::Value> {
        serde_json::to_value(self.layout).map_err(|e| sqlx::Error::Encode(Box::new(e)))
    }
}

/// The open screens of a theater, by name.
pub async fn list_open(
    db: impl PgExecutor<'_>,
    theater_id: TheaterId,
) -> sqlx::Result<Vec<ScreenRow>> {
    sqlx::query_as!(
        ScreenRow,
        r#"select screen_id as "screen_id: ScreenId", theater_id as "theater_id: TheaterId",
                  name, seat_count, layout
             from screens where theater_id = $1 and retired_at is null order by name"#,
        theater_id as TheaterId,
    )
    .fetch_all(db)
    .await
}

/// A screen that has not been retired.
pub async fn find_open(
    db: impl PgExecutor<'_>,
    screen_id: ScreenId,
) -> sqlx::Result<Option<ScreenRow>> {
    sqlx::query_as!(
        ScreenRow,
        r#"select screen_id as "screen_id: ScreenId", theater_id as "theater_id: TheaterId",
                  name, seat_count, layout
             from screens where screen_id = $1 and retired_at is null"#,
        screen_id as ScreenId,
    )
    .fetch_optional(db)
    .await
}

/// Adds a screen with its categories and seats. A name the theater already uses fails on
/// `screens_theater_name_key`.
pub async fn insert(
    tx: &mut PgConnection,
    screen_id: ScreenId,
    theater_id: TheaterId,
    screen: &ScreenFields<'_>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into screens (screen_id, theater_id, name, layout, seat_count)
         values ($1, $2, $3, $4, $5)",
        screen_id as ScreenId,
        theater_id as TheaterId,
        screen.name,
        screen.layout_json()?,
        screen.seat_count(),
    )
    .execute(&mut *tx)
    .await?;
    insert_layout(tx, screen_id, screen).await
}

/// Locks an open screen of the theater for a change; its stored layout, none if the theater
/// has no such open screen.
pub async fn lock(
    tx: &mut PgConnection,
    theater_id: TheaterId,
    screen_id: ScreenId,
) -> sqlx::Result<Option<serde_json::Value>> {
    sqlx::query_scalar!(
        "select layout from screens
          where screen_id = $1 and theater_id = $2 and retired_at is null
            for update",
        screen_id as ScreenId,
        theater_id as TheaterId,
    )
    .fetch_optional(tx)
    .await
}

/// Locks every screen of a theater: scheduling a show takes a share lock on its screen, so a
/// closing theater waits for shows being scheduled.
pub async fn lock_all_of_theater(tx: &mut PgConnection, theater_id: TheaterId) -> sqlx::Result<()> {
    sqlx::query!(
        "select 1 as one from screens where theater_id = $1 for update",
        theater_id as TheaterId,
    )
    .fetch_all(tx)
    .await?;
    Ok(())
}

/// The theater of an open screen, taking a share lock: the screen's layout cannot change, nor
/// the screen retire, under a show being scheduled on it.
pub async fn lock_open_for_share(
    tx: &mut PgConnection,
    screen_id: ScreenId,
) -> sqlx::Result<Option<TheaterId>> {
    sqlx::query_scalar!(
        r#"select theater_id as "theater_id: TheaterId" from screens
            where screen_id = $1 and retired_at is null for share"#,
        screen_id as ScreenId,
    )
    .fetch_optional(tx)
    .await
}

/// The default price of each seat category of a screen, by code.
pub async fn category_prices(
    db: impl PgExecutor<'_>,
    screen_id: ScreenId,
) -> sqlx::Result<BTreeMap<String, i64>> {
    let rows = sqlx::query!(
        "select code, price_minor from seat_categories where screen_id = $1 order by code",
        screen_id as ScreenId,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.code, r.price_minor)).collect())
}

/// Renames a screen; with `new_layout`, replaces its categories and seats too. A name the
/// theater already uses fails on `screens_theater_name_key`.
pub async fn update(
    tx: &mut PgConnection,
    screen_id: ScreenId,
    screen: &ScreenFields<'_>,
    new_layout: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update screens set name = $2, layout = $3, seat_count = $4 where screen_id = $1",
        screen_id as ScreenId,
        screen.name,
        screen.layout_json()?,
        screen.seat_count(),
    )
    .execute(&mut *tx)
    .await?;
    if new_layout {
        sqlx::query!(
            "delete from screen_seats where screen_id = $1",
            screen_id as ScreenId
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "delete from seat_categories where screen_id = $1",
            screen_id as ScreenId
        )
        .execute(&mut *tx)
        .await?;
        insert_layout(tx, screen_id, screen).await?;
    }
    Ok(())
}

/// Retires a screen.
pub async fn retire(tx: &mut PgConnection, screen_id: ScreenId) -> sqlx::Result<()> {
    sqlx::query!(
        "update screens set retired_at = now() where screen_id = $1",
        screen_id as ScreenId,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Retires every open screen of a theater.
pub async fn retire_all_of_theater(
    tx: &mut PgConnection,
    theater_id: TheaterId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update screens set retired_at = now() where theater_id = $1 and retired_at is null",
        theater_id as TheaterId,
    )
    .execute(tx)
    .await?;
    Ok(())
}

async fn insert_layout(
    tx: &mut PgConnection,
    screen_id: ScreenId,
    screen: &ScreenFields<'_>,
) -> sqlx::Result<()> {
    let categories = &screen.layout.categories;
    let codes: Vec<String> = categories.iter().map(|c| c.code.clone()).collect();
    let names: Vec<String> = categories
        .iter()
        .map(|c| c.name.trim().to_owned())
        .collect();
    let prices: Vec<i64> = categories.iter().map(|c| c.price_minor).collect();
    sqlx::query!(
        "insert into seat_categories (screen_id, code, name, price_minor)
         select $1, * from unnest($2::text[], $3::text[], $4::bigint[])",
        screen_id as ScreenId,
        &codes,
        &names,
        &prices,
    )
    .execute(&mut *tx)
    .await?;
    insert_seats(tx, screen_id, screen.seats).await
}

async fn insert_seats(
    tx: &mut PgConnection,
    screen_id: ScreenId,
    seats: &[LayoutSeat],
) -> sqlx::Result<()> {
    let labels: Vec<String> = seats.iter().map(|s| s.label.as_str().to_owned()).collect();
    let rows: Vec<String> = seats.iter().map(|s| s.row.clone()).collect();
    let numbers: Vec<i32> = seats.iter().map(|s| i32::from(s.number)).collect();
    let cats: Vec<String> = seats.iter().map(|s| s.category.clone()).collect();
    let row_idx: Vec<i32> = seats.iter().map(|s| i32::from(s.row_index)).collect();
    let cols: Vec<i32> = seats.iter().map(|s| i32::from(s.column)).collect();
    let accessible: Vec<bool> = seats.iter().map(|s| s.accessible).collect();
    sqlx::query!(
        "insert into screen_seats (screen_id, seat_label, row_label, seat_number, category_code,
                                   row_index, col_index, accessible)
         select $1, * from unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::int[],
                                  $7::int[], $8::bool[])",
        screen_id as ScreenId,
        &labels,
        &rows,
        &numbers,
        &cats,
        &row_idx,
        &cols,
        &accessible,
    )
    .execute(tx)
    .await?;
    Ok(())
}
