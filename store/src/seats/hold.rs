//! The hold itself: one conditional `UPDATE` that takes every requested seat the SQL function
//! `seat_holdable` allows, and what to say when it did not get them all.
//!
//! Two callers share it. The API holds seats itself ([`super::hold_and_record`]), before the
//! workflow exists; the `hold_seats` local activity ([`hold`]) serves bookings whose workflow was
//! started by an older API, which held seats from inside the saga.

use super::{HeldSeat, Hold, HoldOutcome, HoldRequest};
use crate::bookings;
use chrono::{DateTime, Utc};
use mtbp_domain::{BookingId, Currency, Money, PartnerId, ShowStatus, TheaterId};
use sqlx::{PgConnection, PgPool};

/// One row the hold's `UPDATE` returns.
pub(super) struct SeatRow {
    seat_label: String,
    category_code: String,
    price_minor: i64,
    held_until: DateTime<Utc>,
    currency: Currency,
    pub(super) theater_id: TheaterId,
    /// The partner who runs the theater, if a partner does.
    pub(super) partner_id: Option<PartnerId>,
}

/// The hold as the `hold_seats` local activity runs it: a retry finds its own hold.
pub async fn hold(db: &PgPool, req: &HoldRequest) -> sqlx::Result<HoldOutcome> {
    let mut tx = db.begin().await?;
    let rows = take_seats(&mut tx, req).await?;
    let hold = (rows.len() == req.seats.len())
        .then(|| to_hold(rows))
        .flatten();
    let Some(hold) = hold else {
        tx.rollback().await?;
        return explain_failed_hold(db, req).await;
    };
    bookings::insert_held(&mut tx, req, &hold, None, None, None, None).await?;
    tx.commit().await?;
    Ok(HoldOutcome::Held(hold))
}

/// The one conditional `UPDATE` that takes holdable seats of a show that is still on sale.
pub(super) async fn take_seats(
    conn: &mut PgConnection,
    req: &HoldRequest,
) -> sqlx::Result<Vec<SeatRow>> {
    sqlx::query_as!(
        SeatRow,
        r#"update show_seats ss
              set status = 'held', booking_id = $1,
                  held_until = now() + make_interval(secs => $4), updated_at = now()
             from shows s join theaters t on t.theater_id = s.theater_id
            where ss.show_id = $2 and ss.seat_label = any($3)
              and s.show_id = ss.show_id and s.status = 'scheduled' and s.starts_at > now()
              and seat_holdable(ss.status, ss.held_until, ss.platform, $5)
        returning ss.seat_label, ss.category_code, ss.price_minor,
                  ss.held_until as "held_until!", s.currency as "currency: Currency",
                  s.theater_id as "theater_id: TheaterId",
                  t.partner_id as "partner_id: PartnerId""#,
        req.booking_id.as_uuid(),
        req.show_id.as_uuid(),
        &req.seats,
        f64::from(req.hold_seconds),
        req.platform_seats,
    )
    .fetch_all(conn)
    .await
}

/// The hold the rows make, seats sorted by label; `None` for no rows.
pub(super) fn to_hold(mut rows: Vec<SeatRow>) -> Option<Hold> {
    rows.sort_by(|a, b| a.seat_label.cmp(&b.seat_label));
    let first = rows.first()?;
    let expires_at_ms = first.held_until.timestamp_millis();
    let currency = first.currency.clone();
    let seats: Vec<HeldSeat> = rows
        .into_iter()
        .map(|r| HeldSeat {
            label: r.seat_label,
            category: r.category_code,
            price_minor: r.price_minor,
        })
        .collect();
    Some(Hold {
        expires_at_ms,
        total: Money {
            amount_minor: seats.iter().map(|s| s.price_minor).sum(),
            currency,
        },
        seats,
    })
}

/// After a hold that did not get every seat: either this very booking already holds them (a
/// retried activity), or say which seats are taken, or why the show is not bookable.
async fn explain_failed_hold(db: &PgPool, req: &HoldRequest) -> sqlx::Result<HoldOutcome> {
    if let Some(hold) = existing_hold(db, req.booking_id).await? {
        return Ok(HoldOutcome::Held(hold));
    }
    why_refused(db, req).await
}

/// Which seats are taken, or why the show is not bookable.
pub(super) async fn why_refused(db: &PgPool, req: &HoldRequest) -> sqlx::Result<HoldOutcome> {
    let show = sqlx::query!(
        r#"select status as "status: ShowStatus", starts_at > now() as "upcoming!"
             from shows where show_id = $1"#,
        req.show_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    let reason = match show {
        None => Some("no such show".to_owned()),
        Some(s) if s.status != ShowStatus::Scheduled => Some(format!("the show is {}", s.status)),
        Some(s) if !s.upcoming => Some("the show has already started".to_owned()),
        Some(_) => None,
    };
    if let Some(reason) = reason {
        return Ok(HoldOutcome::ShowNotBookable { reason });
    }
    let available = sqlx::query_scalar!(
        "select seat_label from show_seats
          where show_id = $1 and seat_label = any($2)
            and seat_holdable(status, held_until, platform, $3)",
        req.show_id.as_uuid(),
        &req.seats,
        req.platform_seats,
    )
    .fetch_all(db)
    .await?;
    let seats = req
        .seats
        .iter()
        .filter(|s| !available.contains(s))
        .cloned()
        .collect();
    Ok(HoldOutcome::SeatsUnavailable { seats })
}

/// The hold a booking already has, as its rows recorded it.
async fn existing_hold(db: &PgPool, booking_id: BookingId) -> sqlx::Result<Option<Hold>> {
    let Some(booking) = bookings::find(db, booking_id).await? else {
        return Ok(None);
    };
    Ok(Some(Hold {
        expires_at_ms: booking.hold_expires_at.timestamp_millis(),
        total: booking.total,
        seats: booking.seats,
    }))
}

/// A show as `POST /bookings` explains a refused hold: its theater, whether it is on sale, and
/// which of the requested seats it has at all.
#[derive(Debug)]
pub struct RequestedShow {
    /// The show's theater.
    pub theater_id: TheaterId,
    /// `scheduled` or `cancelled`.
    pub status: ShowStatus,
    /// Whether it starts in the future.
    pub upcoming: bool,
    /// The requested seats the show has (whatever their state).
    pub known_seats: Vec<String>,
}

/// Reads the show a hold asked for; `None` if there is no such show.
pub async fn requested_show<'e>(
    db: impl sqlx::PgExecutor<'e>,
    show_id: mtbp_domain::ShowId,
    seats: &[String],
) -> sqlx::Result<Option<RequestedShow>> {
    sqlx::query_as!(
        RequestedShow,
        r#"select s.theater_id as "theater_id: TheaterId", s.status as "status: ShowStatus",
                  s.starts_at > now() as "upcoming!",
                  array(select seat_label from show_seats
                         where show_id = s.show_id and seat_label = any($2)) as "known_seats!"
             from shows s where s.show_id = $1"#,
        show_id.as_uuid(),
        seats,
    )
    .fetch_optional(db)
    .await
}
