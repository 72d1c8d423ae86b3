//! Seat inventory: hold, extend for payment, confirm and release, each one short transaction.
//!
//! **The invariant:** a seat of a show belongs to at most one live booking. A hold is one
//! conditional `UPDATE` over the seat rows (`free`, or `held` with an expired `held_until`),
//! all or nothing in one transaction. Confirm and release touch only rows that still carry this
//! booking's id, so a late timer or a retried activity can never take another booking's seat.

use crate::error::{from_sqlx, permanent};
use chrono::{DateTime, Utc};
use mtbp_domain::{BookingId, BookingStatus, Contact, ShowId};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use uuid::Uuid;

mod close;
mod guards;
mod hold;
pub use close::{CloseOutcome, CloseRequest, FlagRequest};
pub use guards::{HoldLimits, LimitScope, TooManyHolds};
pub use hold::{BestPick, HoldRecord, RecordedHold, hold_and_record, seat_spots};

/// Ask to hold seats of a show for a new booking.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HoldRequest {
    /// The booking the seats will belong to.
    pub booking_id: BookingId,
    /// The show.
    pub show_id: ShowId,
    /// Seat labels, validated and sorted.
    pub seats: Vec<String>,
    /// How long the hold lasts.
    pub hold_seconds: u32,
    /// Who to reach about the booking.
    pub contact: Contact,
    /// The signed-in customer, if any.
    pub customer_id: Option<Uuid>,
    /// Whether seats set aside for the platform may be taken (a broker's booking).
    #[serde(default)]
    pub platform_seats: bool,
}

/// A held seat with its price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldSeat {
    /// Seat label.
    pub label: String,
    /// Seat category code.
    pub category: String,
    /// Price in minor units.
    pub price_minor: i64,
}

/// A successful hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// When the hold lapses, in milliseconds since the Unix epoch (database clock).
    pub expires_at_ms: i64,
    /// Total price in minor units.
    pub amount_minor: i64,
    /// ISO currency code.
    pub currency: String,
    /// The seats, sorted by label.
    pub seats: Vec<HeldSeat>,
}

/// What happened to a hold request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HoldOutcome {
    /// Every seat is now held for the booking.
    Held(Hold),
    /// Some seats are not free; nothing was held.
    SeatsUnavailable {
        /// The seats that are taken, blocked or not on this show.
        seats: Vec<String>,
    },
    /// The show cannot be booked (cancelled, already started, or unknown).
    ShowNotBookable {
        /// Why, in words.
        reason: String,
    },
}

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

/// What happened when the seats were to be confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfirmOutcome {
    /// Seats are booked; here is the ticket code.
    Confirmed {
        /// Code the customer shows at the theater.
        ticket_code: String,
    },
    /// The hold lapsed and another booking took some seats: nothing was booked.
    HoldLost {
        /// Seats no longer ours.
        seats: Vec<String>,
    },
    /// The booking was closed (its seats released) before the confirm could decide: nothing
    /// was booked.
    Closed,
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
        hold::hold(&self.db, &req).await.map_err(from_sqlx)
    }

    /// Extends the hold for the payment window; `false` if the hold already lapsed.
    #[activity]
    pub async fn begin_payment(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: BeginPaymentRequest,
    ) -> Result<bool, ActivityError> {
        let (extended, expected): (i64, i64) = sqlx::query_as(
            "with ext as (
                 update show_seats
                    set held_until = greatest(held_until, now() + make_interval(secs => $2)),
                        updated_at = now()
                  where booking_id = $1 and status = 'held' and held_until > now()
              returning 1),
             want as (select count(*) as n from booking_seats where booking_id = $1),
             upd as (
                 update bookings set status = 'PaymentInitiated'
                  where booking_id = $1 and status in ('PreBooking', 'PaymentInitiated')
                    and (select count(*) from ext) = (select n from want)
              returning 1)
             select (select count(*) from ext), (select n from want)",
        )
        .bind(req.booking_id.as_uuid())
        .bind(f64::from(req.payment_window_seconds))
        .fetch_one(&self.db)
        .await
        .map_err(from_sqlx)?;
        if expected == 0 {
            return Err(permanent(format!(
                "booking {} has no seats",
                req.booking_id
            )));
        }
        Ok(extended == expected)
    }

    /// Lengthens the hold of every seat, up to the cap; the new expiry (ms since the epoch), or
    /// `None` if the hold already lapsed (then nothing changes).
    #[activity]
    pub async fn extend_hold(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: ExtendHoldRequest,
    ) -> Result<Option<i64>, ActivityError> {
        extend(&self.db, &req).await.map_err(from_sqlx)
    }

    /// Books the held seats if every one is still this booking's; issues the ticket code.
    #[activity]
    pub async fn confirm_seats(
        self: Arc<Self>,
        _ctx: ActivityContext,
        booking_id: BookingId,
    ) -> Result<ConfirmOutcome, ActivityError> {
        confirm(&self.db, booking_id, self.pause_in_confirm)
            .await
            .map_err(from_sqlx)
    }

    /// Closes an unsuccessful booking: records its final status and frees the seats it still
    /// holds, in one transaction, unless the confirm won first (then nothing changes).
    #[activity]
    pub async fn close_booking(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: CloseRequest,
    ) -> Result<CloseOutcome, ActivityError> {
        close::close(&self.db, &req).await
    }

    /// Flags the booking for an operator (with why), or clears the flag (with the operator's
    /// note). Logged either way: this is the line ops search for.
    #[activity]
    pub async fn flag_for_operator(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: FlagRequest,
    ) -> Result<(), ActivityError> {
        close::flag(&self.db, &req).await.map_err(from_sqlx)
    }

    /// Frees the seats this booking still holds and records how the booking ended.
    #[activity]
    pub async fn release_seats(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: ReleaseRequest,
    ) -> Result<u64, ActivityError> {
        let released: i64 = sqlx::query_scalar(
            "with rel as (
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
             select count(*) from rel",
        )
        .bind(req.booking_id.as_uuid())
        .bind(req.final_status.as_str())
        .bind(&req.reason)
        .fetch_one(&self.db)
        .await
        .map_err(from_sqlx)?;
        Ok(u64::try_from(released).unwrap_or(0))
    }
}

async fn extend(db: &PgPool, req: &ExtendHoldRequest) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let (extended, wanted, until): (i64, i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "with ext as (
             update show_seats ss
                set held_until = least(ss.held_until + make_interval(secs => $2),
                                       b.created_at + make_interval(secs => $3)),
                    updated_at = now()
               from bookings b
              where b.booking_id = $1 and ss.booking_id = $1
                and ss.status = 'held' and ss.held_until > now()
          returning ss.held_until)
         select (select count(*) from ext),
                (select count(*) from booking_seats where booking_id = $1),
                (select min(held_until) from ext)",
    )
    .bind(req.booking_id.as_uuid())
    .bind(f64::from(req.seconds))
    .bind(f64::from(req.cap_seconds))
    .fetch_one(&mut *tx)
    .await?;
    let Some(until) = until.filter(|_| extended == wanted && wanted > 0) else {
        tx.rollback().await?;
        return Ok(None);
    };
    sqlx::query("update bookings set hold_expires_at = $2 where booking_id = $1")
        .bind(req.booking_id.as_uuid())
        .bind(until)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(until.timestamp_millis()))
}

/// Books the seats. The booking row decides first (a conditional transition that locks it and
/// requires that no compensation closed it), so a confirm and a close ([`close::close`]) can
/// never both win; the seats follow in the same transaction.
async fn confirm(
    db: &PgPool,
    booking_id: BookingId,
    pause: Duration,
) -> Result<ConfirmOutcome, sqlx::Error> {
    let mut tx = db.begin().await?;
    let ticket_code: Option<String> = sqlx::query_scalar(
        "update bookings
            set status = 'BookingCompleted', ticket_code = coalesce(ticket_code, $2),
                status_reason = null
          where booking_id = $1 and closed_at is null
            and status in ('PaymentInitiated', 'PaymentCompleted', 'BookingCompleted')
      returning ticket_code",
    )
    .bind(booking_id.as_uuid())
    .bind(new_ticket_code())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(ticket_code) = ticket_code else {
        tx.rollback().await?;
        return Ok(ConfirmOutcome::Closed);
    };
    if !pause.is_zero() {
        tokio::time::sleep(pause).await;
    }
    let (ours, wanted, missing): (i64, i64, Vec<String>) = sqlx::query_as(
        "with booked as (
             update show_seats set status = 'booked', held_until = null, updated_at = now()
              where booking_id = $1 and status = 'held'
          returning seat_label),
         already as (
             select seat_label from show_seats where booking_id = $1 and status = 'booked'),
         mine as (select seat_label from booked union select seat_label from already)
         select (select count(*) from mine),
                (select count(*) from booking_seats where booking_id = $1),
                coalesce((select array_agg(bs.seat_label order by bs.seat_label)
                            from booking_seats bs
                           where bs.booking_id = $1
                             and bs.seat_label not in (select seat_label from mine)), '{}')",
    )
    .bind(booking_id.as_uuid())
    .fetch_one(&mut *tx)
    .await?;
    if ours != wanted || wanted == 0 {
        tx.rollback().await?;
        return Ok(ConfirmOutcome::HoldLost { seats: missing });
    }
    tx.commit().await?;
    Ok(ConfirmOutcome::Confirmed { ticket_code })
}

/// Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L).
fn new_ticket_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}
