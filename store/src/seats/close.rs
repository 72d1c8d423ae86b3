//! Ending a booking that did not complete (close, release), and flagging one for an operator.
//!
//! Close and confirm exclude each other through the booking row: each is one conditional
//! transition of that row (which locks it), and the seat update follows in the same
//! transaction. Whichever commits first wins; the other sees the changed row (`closed_at` set,
//! or the status `BookingCompleted`) and does nothing.

use super::CloseOutcome;
use mtbp_domain::{BookingId, BookingStatus};
use sqlx::PgPool;

/// Closes the booking unless it was confirmed first: records `final_status` (`None` keeps the
/// status, while a refund is still to settle), fences it off from a late confirm and frees the
/// seats it still holds and the offers it redeemed. Idempotent. `None` if there is no such booking.
pub async fn close(
    db: &PgPool,
    booking_id: BookingId,
    final_status: Option<BookingStatus>,
    reason: &str,
) -> sqlx::Result<Option<CloseOutcome>> {
    let mut tx = db.begin().await?;
    let closed = sqlx::query_scalar!(
        r#"update bookings
              set closed_at = coalesce(closed_at, now()), status = coalesce($2, status),
                  status_reason = $3
            where booking_id = $1
              and status not in ('BookingCompleted', 'Invoiced', 'SettlementDone')
        returning 1 as "closed!""#,
        booking_id.as_uuid(),
        final_status.map(BookingStatus::as_str),
        reason,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if closed.is_none() {
        let ticket = sqlx::query_scalar!(
            "select ticket_code from bookings where booking_id = $1",
            booking_id.as_uuid(),
        )
        .fetch_optional(&mut *tx)
        .await?;
        tx.rollback().await?;
        return Ok(ticket.map(|ticket| CloseOutcome::AlreadyConfirmed {
            ticket_code: ticket.unwrap_or_default(),
        }));
    }
    let released = free_held_seats(&mut tx, booking_id).await?;
    // The offers it redeemed count for others again, in the same transaction as the close.
    crate::offers::release(&mut *tx, booking_id).await?;
    tx.commit().await?;
    Ok(Some(CloseOutcome::Closed { released }))
}

/// Gives the seats the booking still holds back to sale (or to the platform's allotment).
async fn free_held_seats(
    conn: &mut sqlx::PgConnection,
    booking_id: BookingId,
) -> sqlx::Result<u64> {
    let freed = sqlx::query!(
        "update show_seats
            set status = case when platform then 'platform_reserved' else 'free' end,
                booking_id = null, held_until = null, updated_at = now()
          where booking_id = $1 and status = 'held'",
        booking_id.as_uuid(),
    )
    .execute(conn)
    .await?;
    Ok(freed.rows_affected())
}

/// Frees the seats this booking still holds and records how the booking ended (unless it
/// completed); how many seats were freed. The step of histories written before `close`.
pub async fn release(
    db: &PgPool,
    booking_id: BookingId,
    final_status: BookingStatus,
    reason: &str,
) -> sqlx::Result<u64> {
    let released = sqlx::query_scalar!(
        r#"with rel as (
               update show_seats
                  set status = case when platform then 'platform_reserved' else 'free' end,
                      booking_id = null, held_until = null, updated_at = now()
                where booking_id = $1 and status = 'held'
            returning 1),
           upd as (
               update bookings
                  set status = $2, status_reason = $3, closed_at = coalesce(closed_at, now())
                where booking_id = $1
                  and status not in ('BookingCompleted', 'Invoiced', 'SettlementDone')
            returning 1)
           select count(*) as "released!" from rel"#,
        booking_id.as_uuid(),
        final_status.as_str(),
        reason,
    )
    .fetch_one(db)
    .await?;
    Ok(u64::try_from(released).unwrap_or(0))
}

/// Flags the booking for an operator with why (`needs_operator`), or clears the flag
/// (`None`), keeping the operator's note.
pub async fn flag_for_operator(
    db: &PgPool,
    booking_id: BookingId,
    needs_operator: Option<&str>,
    note: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update bookings
            set needs_operator = $2,
                needs_operator_since = case when $2::text is null then null
                                            else coalesce(needs_operator_since, now()) end,
                operator_note = coalesce($3, operator_note)
          where booking_id = $1",
        booking_id.as_uuid(),
        needs_operator,
        note,
    )
    .execute(db)
    .await?;
    Ok(())
}
