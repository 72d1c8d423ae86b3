//! Keeping a booking's seats while it is paid for: the payment window, and customer
//! extensions of an unpaid hold.

use chrono::{DateTime, Utc};
use mtbp_domain::BookingId;
use sqlx::PgPool;

/// What [`begin_payment`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentWindow {
    /// Every seat is held through the payment window; the booking is `PaymentInitiated`.
    Kept,
    /// The hold lapsed first: nothing changed.
    Lapsed,
    /// The booking has no seats at all (a bug, not a customer's doing).
    NoSeats,
}

/// The counts [`begin_payment`] decides by.
struct Extended {
    extended: i64,
    wanted: i64,
}

/// Extends the hold by the payment window and marks the booking `PaymentInitiated`, in one
/// statement, only if every seat is still held for it.
pub async fn begin_payment(
    db: &PgPool,
    booking_id: BookingId,
    window_seconds: u32,
) -> sqlx::Result<PaymentWindow> {
    let counts = sqlx::query_as!(
        Extended,
        r#"with ext as (
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
           select (select count(*) from ext) as "extended!", (select n from want) as "wanted!""#,
        booking_id.as_uuid(),
        f64::from(window_seconds),
    )
    .fetch_one(db)
    .await?;
    Ok(match counts {
        Extended { wanted: 0, .. } => PaymentWindow::NoSeats,
        Extended { extended, wanted } if extended == wanted => PaymentWindow::Kept,
        _ => PaymentWindow::Lapsed,
    })
}

/// What the extension's `UPDATE` did.
struct Extension {
    extended: i64,
    wanted: i64,
    until: Option<DateTime<Utc>>,
}

/// Lengthens the hold of every seat by `seconds`, never past `cap_seconds` after the booking
/// was made; the new expiry, or `None` if the hold already lapsed (then nothing changes).
pub async fn extend_hold(
    db: &PgPool,
    booking_id: BookingId,
    seconds: u32,
    cap_seconds: u32,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    let mut tx = db.begin().await?;
    let ext = sqlx::query_as!(
        Extension,
        r#"with ext as (
               update show_seats ss
                  set held_until = least(ss.held_until + make_interval(secs => $2),
                                         b.created_at + make_interval(secs => $3)),
                      updated_at = now()
                 from bookings b
                where b.booking_id = $1 and ss.booking_id = $1
                  and ss.status = 'held' and ss.held_until > now()
            returning ss.held_until)
           select (select count(*) from ext) as "extended!",
                  (select count(*) from booking_seats where booking_id = $1) as "wanted!",
                  (select min(held_until) from ext) as until"#,
        booking_id.as_uuid(),
        f64::from(seconds),
        f64::from(cap_seconds),
    )
    .fetch_one(&mut *tx)
    .await?;
    let Some(until) = ext
        .until
        .filter(|_| ext.extended == ext.wanted && ext.wanted > 0)
    else {
        tx.rollback().await?;
        return Ok(None);
    };
    sqlx::query!(
        "update bookings set hold_expires_at = $2 where booking_id = $1",
        booking_id.as_uuid(),
        until,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(until))
}
