//! Seat activities: hold, keep for payment, extend, confirm, close, release and flag, each a
//! call over [`mtbp_store::seats`] (one short transaction there), run as local activities.
//!
//! The messages whose shape the store decides (the hold request and its outcomes) are the
//! store's, re-exported here; the requests below are the saga's own.

use crate::error::{from_sqlx, permanent};
use mtbp_domain::{BookingId, BookingStatus};
use mtbp_store::PgPool;
use mtbp_store::seats::{self, PaymentWindow};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

pub use mtbp_store::seats::{
    CloseOutcome, ConfirmOutcome, HeldSeat, Hold, HoldOutcome, HoldRequest,
};

/// Ask to end a booking's hold and record how the booking ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReleaseRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// The status the booking ends in.
    pub final_status: BookingStatus,
    /// Why, for the customer and ops.
    pub reason: String,
}

/// Ask to keep a booking's seats while its payment runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BeginPaymentRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// How long the seats stay held while the gateway answers.
    pub payment_window_seconds: u32,
}

/// Ask to lengthen a hold.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExtendHoldRequest {
    /// The booking.
    pub booking_id: BookingId,
    /// Seconds to add.
    pub seconds: u32,
    /// No hold outlives its start by more than this many seconds.
    pub cap_seconds: u32,
}

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

/// Seat activities over the database.
pub struct SeatActivities {
    db: PgPool,
    /// Fault injection for race tests: a pause inside the confirm's transaction. Zero in
    /// production.
    pause_in_confirm: Duration,
}

impl SeatActivities {
    /// Builds the activities over a pool.
    pub fn new(db: PgPool) -> Self {
        Self::with_confirm_pause(db, Duration::ZERO)
    }

    /// Builds the activities with a pause inside each confirm, after the booking row is locked.
    pub fn with_confirm_pause(db: PgPool, pause_in_confirm: Duration) -> Self {
        Self {
            db,
            pause_in_confirm,
        }
    }
}

#[activities]
impl SeatActivities {
    /// Holds every requested seat for the booking, or none of them.
    #[activity]
    pub async fn hold_seats(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: HoldRequest,
    ) -> Result<HoldOutcome, ActivityError> {
        seats::hold(&self.db, &req).await.map_err(from_sqlx)
    }

    /// Extends the hold for the payment window; `false` if the hold already lapsed.
    #[activity]
    pub async fn begin_payment(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: BeginPaymentRequest,
    ) -> Result<bool, ActivityError> {
        match seats::begin_payment(&self.db, req.booking_id, req.payment_window_seconds)
            .await
            .map_err(from_sqlx)?
        {
            PaymentWindow::Kept => Ok(true),
            PaymentWindow::Lapsed => Ok(false),
            PaymentWindow::NoSeats => Err(permanent(format!(
                "booking {} has no seats",
                req.booking_id
            ))),
        }
    }

    /// Lengthens the hold of every seat, up to the cap; the new expiry (ms since the epoch), or
    /// `None` if the hold already lapsed (then nothing changes).
    #[activity]
    pub async fn extend_hold(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: ExtendHoldRequest,
    ) -> Result<Option<i64>, ActivityError> {
        let until = seats::extend_hold(&self.db, req.booking_id, req.seconds, req.cap_seconds)
            .await
            .map_err(from_sqlx)?;
        Ok(until.map(|t| t.timestamp_millis()))
    }

    /// Books the held seats if every one is still this booking's; issues the ticket code.
    #[activity]
    pub async fn confirm_seats(
        self: Arc<Self>,
        _ctx: ActivityContext,
        booking_id: BookingId,
    ) -> Result<ConfirmOutcome, ActivityError> {
        let pause = self.pause_in_confirm;
        let while_locked = async move {
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        };
        seats::confirm(&self.db, booking_id, while_locked)
            .await
            .map_err(from_sqlx)
    }

    /// Closes an unsuccessful booking: records its final status and frees the seats it still
    /// holds, in one transaction, unless the confirm won first (then nothing changes).
    /// Idempotent: a closed booking is closed again, with its final status once the refund
    /// settled.
    #[activity]
    pub async fn close_booking(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: CloseRequest,
    ) -> Result<CloseOutcome, ActivityError> {
        if let Some(status) = req.final_status.filter(|s| !s.is_unsuccessful()) {
            return Err(permanent(format!("a booking is not closed as {status}")));
        }
        seats::close(&self.db, req.booking_id, req.final_status, &req.reason)
            .await
            .map_err(from_sqlx)?
            .ok_or_else(|| permanent(format!("booking {} does not exist", req.booking_id)))
    }

    /// Flags the booking for an operator (with why), or clears the flag (with the operator's
    /// note). Logged either way: this is the line ops search for.
    #[activity]
    pub async fn flag_for_operator(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: FlagRequest,
    ) -> Result<(), ActivityError> {
        let (why, note) = (req.needs_operator.as_deref(), req.note.as_deref());
        seats::flag_for_operator(&self.db, req.booking_id, why, note)
            .await
            .map_err(from_sqlx)?;
        match why {
            Some(why) => tracing::error!(booking.id = %req.booking_id, reason = %why,
                "booking needs an operator: a compensation could not finish"),
            None => tracing::info!(booking.id = %req.booking_id, "operator resolved the booking"),
        }
        Ok(())
    }

    /// Frees the seats this booking still holds and records how the booking ended.
    #[activity]
    pub async fn release_seats(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: ReleaseRequest,
    ) -> Result<u64, ActivityError> {
        seats::release(&self.db, req.booking_id, req.final_status, &req.reason)
            .await
            .map_err(from_sqlx)
    }
}
