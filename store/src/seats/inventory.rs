//! The catalog's side of the seat inventory: one row per seat when a show is scheduled,
//! repricing free seats, blocking them when the show goes, the operator's status changes, and
//! the seat map and availability reads. Whether a customer can hold a seat is decided by the
//! `seat_holdable` SQL function, here as in the hold itself.

use mtbp_domain::{Money, ScreenId, SeatStatus, ShowId};
use sqlx::{PgConnection, PgExecutor};
use std::collections::BTreeMap;

/// Creates the show's prices and one free seat per seat of the screen, each priced by its
/// category. The prices are in the show's currency.
pub async fn create(
    tx: &mut PgConnection,
    show_id: ShowId,
    screen_id: ScreenId,
    prices: &BTreeMap<String, Money>,
) -> sqlx::Result<()> {
    let codes: Vec<String> = prices.keys().cloned().collect();
    let amounts: Vec<i64> = prices.values().map(|p| p.amount_minor).collect();
    sqlx::query!(
        "with p as (
             insert into show_prices (show_id, category_code, price_minor)
             select $1, * from unnest($3::text[], $4::bigint[])
          returning category_code, price_minor)
         insert into show_seats (show_id, seat_label, category_code, price_minor, row_index,
                                 col_index, accessible)
         select $1, ss.seat_label, ss.category_code, p.price_minor, ss.row_index, ss.col_index,
                ss.accessible
           from screen_seats ss join p on p.category_code = ss.category_code
          where ss.screen_id = $2",
        show_id as ShowId,
        screen_id as ScreenId,
        &codes,
        &amounts,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Reprices the category's seats that are not held or booked: those keep the price they were
/// sold at. The price is in the show's currency.
pub async fn reprice(
    tx: &mut PgConnection,
    show_id: ShowId,
    category: &str,
    price: &Money,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update show_seats set price_minor = $3
          where show_id = $1 and category_code = $2 and status not in ('held', 'booked')",
        show_id as ShowId,
        category,
        price.amount_minor,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Locks every seat row of the show (a hold racing the caller's transaction waits for it, then
/// sees its outcome) and counts the seats held or booked.
pub async fn lock_and_count_taken(tx: &mut PgConnection, show_id: ShowId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) filter (where status in ('held', 'booked')) as "taken!"
             from (select status from show_seats where show_id = $1 for update) s"#,
        show_id as ShowId,
    )
    .fetch_one(tx)
    .await
}

/// Blocks the show's free seats, so no later hold lands on a show that is going.
pub async fn block_free(tx: &mut PgConnection, show_id: ShowId) -> sqlx::Result<()> {
    sqlx::query!(
        "update show_seats set status = $2, updated_at = now()
          where show_id = $1 and status = $3",
        show_id as ShowId,
        SeatStatus::Blocked as SeatStatus,
        SeatStatus::Free as SeatStatus,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// A seat named for a status change, locked.
#[derive(Debug, Clone)]
pub struct LockedSeat {
    /// Label, e.g. `H12`.
    pub seat_label: String,
    /// Its row letters.
    pub row: String,
    /// Status now.
    pub status: SeatStatus,
}

/// Locks the seats of a show named by label or by row letters (upper case), by label.
pub async fn lock_named(
    tx: &mut PgConnection,
    show_id: ShowId,
    seats: &[String],
    rows: &[String],
) -> sqlx::Result<Vec<LockedSeat>> {
    sqlx::query_as!(
        LockedSeat,
        r#"select ss.seat_label, r.letters as "row!", ss.status as "status: SeatStatus"
             from show_seats ss
            cross join lateral (select substring(ss.seat_label from '^[A-Z]+')) as r(letters)
            where ss.show_id = $1 and (ss.seat_label = any($2) or r.letters = any($3))
            order by ss.seat_label
              for update of ss"#,
        show_id as ShowId,
        seats,
        rows,
    )
    .fetch_all(tx)
    .await
}

/// Sets seats to `free`, `blocked` or `platform_reserved` (a platform seat is marked so that
/// a lapsed hold on it goes back to the platform).
pub async fn set_status(
    tx: &mut PgConnection,
    show_id: ShowId,
    labels: &[String],
    status: SeatStatus,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update show_seats set status = $3, platform = $4, updated_at = now()
          where show_id = $1 and seat_label = any($2)",
        show_id as ShowId,
        labels,
        status as SeatStatus,
        status == SeatStatus::PlatformReserved,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// A seat on the seat map.
#[derive(Debug, Clone)]
pub struct MapSeat {
    /// Label, e.g. `H12`.
    pub seat_label: String,
    /// Column in the drawn map.
    pub col_index: i32,
    /// Category code.
    pub category_code: String,
    /// Price in minor units.
    pub price_minor: i64,
    /// What a customer sees: `available`, `held`, `booked`, `blocked` or `platform_reserved`
    /// (not the stored status: a lapsed hold is `available`, or `platform_reserved` on a
    /// platform seat).
    pub shown_status: String,
    /// Wheelchair space or step-free.
    pub accessible: bool,
}

/// The SQL of [`seat_map`], for query plans.
pub const SEAT_MAP_SQL: &str = include_str!("../../queries/seat_map.sql");

/// A show's seats in map order (nearest the screen first, left to right).
pub async fn seat_map(db: impl PgExecutor<'_>, show_id: ShowId) -> sqlx::Result<Vec<MapSeat>> {
    sqlx::query_file_as!(MapSeat, "queries/seat_map.sql", show_id as ShowId)
        .fetch_all(db)
        .await
}

/// The labels of the seats a customer can hold now, in map order.
pub async fn available_labels(
    db: impl PgExecutor<'_>,
    show_id: ShowId,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "select seat_label from show_seats
          where show_id = $1 and seat_holdable(status, held_until, platform, false)
          order by row_index, col_index",
        show_id as ShowId,
    )
    .fetch_all(db)
    .await
}
