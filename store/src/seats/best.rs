//! Best-seats picking: the seats of a show as the chooser sees them, and a best block claimed
//! inside the hold's transaction.

use super::HoldRequest;
use mtbp_domain::ShowId;
use mtbp_domain::best_seats::{BestPick, SeatSpot, best_block};
use sqlx::PgConnection;

/// A seat as the best-seats chooser reads it: its place, whether it is holdable, its price.
struct SpotRow {
    seat_label: String,
    row_index: i32,
    col_index: i32,
    holdable: bool,
    price_minor: i64,
}

/// A seat of the chooser with its price in minor units (of the show's currency).
pub type BestSpot = (SeatSpot, i64);

/// A show's seats (of one category, when given) as the best-seats chooser sees them, with their
/// prices: the one reading behind both the suggestion (`GET /shows/{id}/seats/best`) and a
/// best-seats hold, so the two never disagree about which seats are free. `platform`: whether
/// seats set aside for the platform count as free (brokers).
pub async fn seat_spots<'e>(
    db: impl sqlx::PgExecutor<'e>,
    show_id: ShowId,
    category: Option<&str>,
    platform: bool,
) -> sqlx::Result<Vec<BestSpot>> {
    let rows = sqlx::query_as!(
        SpotRow,
        r#"select seat_label, row_index, col_index,
                  seat_holdable(status, held_until, platform, $3) as "holdable!", price_minor
             from show_seats
            where show_id = $1 and ($2::text is null or category_code = upper($2))"#,
        show_id.as_uuid(),
        category,
        platform,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let spot = SeatSpot {
                label: r.seat_label,
                row: u32::try_from(r.row_index).unwrap_or(0),
                column: u32::try_from(r.col_index).unwrap_or(0),
                free: r.holdable,
            };
            (spot, r.price_minor)
        })
        .collect())
}

/// How many blocks one best-seats hold tries within its transaction before it gives up.
const PICK_ROUNDS: usize = 8;

/// What [`pick_best`] found.
pub(super) enum Picked {
    /// These seats, locked by this transaction.
    Block(Vec<String>),
    /// No row has that many free seats side by side.
    NoBlock,
    /// Every block it tried was being taken by someone else.
    Contended,
}

/// The best block of free seats of the show, locked for this transaction. Concurrent holds on
/// one show compute the same block from the same snapshot, so the block is claimed with
/// `for update skip locked`: whoever gets every seat of it has them; the others mark the seats
/// they could not lock as taken and choose again, at once, without waiting for each other.
pub(super) async fn pick_best(
    conn: &mut PgConnection,
    req: &HoldRequest,
    best: &BestPick,
) -> sqlx::Result<Picked> {
    let mut spots: Vec<SeatSpot> = seat_spots(
        &mut *conn,
        req.show_id,
        best.category.as_deref(),
        req.platform_seats,
    )
    .await?
    .into_iter()
    .map(|(spot, _)| spot)
    .collect();
    for _ in 0..PICK_ROUNDS {
        let Some(block) = best_block(&spots, best.count) else {
            return Ok(Picked::NoBlock);
        };
        let mine = sqlx::query_scalar!(
            "select seat_label from show_seats
              where show_id = $1 and seat_label = any($2)
                and seat_holdable(status, held_until, platform, $3)
                for update skip locked",
            req.show_id.as_uuid(),
            &block,
            req.platform_seats,
        )
        .fetch_all(&mut *conn)
        .await?;
        if mine.len() == block.len() {
            return Ok(Picked::Block(block));
        }
        for spot in &mut spots {
            if block.contains(&spot.label) && !mine.contains(&spot.label) {
                spot.free = false;
            }
        }
    }
    Ok(Picked::Contended)
}
