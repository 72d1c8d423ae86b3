//! Closing a booking that did not complete, and flagging one for an operator.
//!
//! Close and confirm exclude each other through the booking row: each is one conditional
//! transition of that row (which locks it), and the seat update follows in the same
//! transaction. Whichever commits first wins; the other sees the changed row (`closed_at` set,
//! or the status `BookingCompleted`) and does nothing.

use crate::error::{from_sqlx, permanent};
use mtbp_domain::{BookingId, BookingStatus};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use temporalio_sdk::activities::ActivityError;

/// Ask to close a booking that did not complete.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CloseRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// The status it ends in (`Expired`, `Cancelled`, `PaymentFailed`, `Refunded`); `None`
    /// while a refund is still to settle: the seats are freed and the booking is fenced off from
    /// a late confirm, but its status keeps saying where the money is.
    pub final_status: Option<BookingStatus>,
    /// Why, for the customer and ops.
    pub reason: String,
}

/// What closing did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseOutcome {
    /// The booking is closed; this many seats were freed.
    Closed {
        /// Seats freed now (zero when a retry finds them freed already).
        released: u64,
    },
    /// The seats were confirmed first: the booking stands, nothing changed.
    AlreadyConfirmed {
        /// The booking's ticket code.
        ticket_code: String,
    },
}

/// Ask to flag a booking for an operator, or to clear its flag.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FlagRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// Why an operator is needed; `None` clears the flag.
    pub needs_operator: Option<String>,
    /// The operator's note when clearing (who and why), kept on the booking.
    #[serde(default)]
    pub note: Option<String>,
}

/// Closes the booking unless it was confirmed first. Idempotent: a closed booking is closed
/// again, with its final status once the refund settled.
pub async fn close(db: &PgPool, req: &CloseRequest) -> Result<CloseOutcome, ActivityError> {
    if let Some(status) = req.final_status.filter(|s| !s.is_unsuccessful()) {
        return Err(permanent(format!("a booking is not closed as {status}")));
    }
    let mut tx = db.begin().await.map_err(from_sqlx)?;
    let closed: Option<i32> = sqlx::query_scalar(
        "update bookings
            set closed_at = coalesce(closed_at, now()), status = coalesce($2, status),
                status_reason = $3
          where booking_id = $1
            and status not in ('BookingCompleted', 'Invoiced', 'SettlementDone')
      returning 1",
    )
    .bind(req.booking_id.as_uuid())
    .bind(req.final_status.map(BookingStatus::as_str))
    .bind(&req.reason)
    .fetch_optional(&mut *tx)
    .await
    .map_err(from_sqlx)?;
    if closed.is_none() {
        let ticket: Option<Option<String>> =
            sqlx::query_scalar("select ticket_code from bookings where booking_id = $1")
                .bind(req.booking_id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(from_sqlx)?;
        tx.rollback().await.map_err(from_sqlx)?;
        return match ticket {
            Some(ticket) => Ok(CloseOutcome::AlreadyConfirmed {
                ticket_code: ticket.unwrap_or_default(),
            }),
            None => Err(permanent(format!(
                "booking {} does not exist",
                req.booking_id
            ))),
        };
    }
    let released = sqlx::query(
        "update show_seats
            set status = case when platform then 'platform_reserved' else 'free' end,
                booking_id = null, held_until = null, updated_at = now()
          where booking_id = $1 and status = 'held'",
    )
    .bind(req.booking_id.as_uuid())
    .execute(&mut *tx)
    .await
    .map_err(from_sqlx)?
    .rows_affected();
    tx.commit().await.map_err(from_sqlx)?;
    Ok(CloseOutcome::Closed { released })
}

/// Sets or clears the booking's operator flag.
pub async fn flag(db: &PgPool, req: &FlagRequest) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update bookings
            set needs_operator = $2,
                needs_operator_since = case when $2::text is null then null
                                            else coalesce(needs_operator_since, now()) end,
                operator_note = coalesce($3, operator_note)
          where booking_id = $1",
    )
    .bind(req.booking_id.as_uuid())
    .bind(req.needs_operator.as_deref())
    .bind(req.note.as_deref())
    .execute(db)
    .await?;
    match &req.needs_operator {
        Some(why) => tracing::error!(booking.id = %req.booking_id, reason = %why,
            "booking needs an operator: a compensation could not finish"),
        None => tracing::info!(booking.id = %req.booking_id, "operator resolved the booking"),
    }
    Ok(())
}
