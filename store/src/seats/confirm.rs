//! Booking the held seats once the payment went through.
//!
//! The booking row decides first (a conditional transition that locks it and requires that no
//! compensation closed it), so a confirm and a close ([`super::close`]) can never both win; the
//! seats follow in the same transaction.

use super::ConfirmOutcome;
use mtbp_domain::BookingId;
use sqlx::PgPool;
use std::future::Future;

/// The seats the confirm booked, against those the booking has.
struct Booked {
    ours: i64,
    wanted: i64,
    missing: Vec<String>,
}

/// Books the seats if every one is still this booking's, and issues the ticket code.
/// `while_locked` is awaited with the booking row locked, before the seats are booked: a pause
/// there lets race tests meet a close with a confirm (production passes a ready future).
pub async fn confirm(
    db: &PgPool,
    booking_id: BookingId,
    while_locked: impl Future<Output = ()>,
) -> sqlx::Result<ConfirmOutcome> {
    let mut tx = db.begin().await?;
    let ticket_code = sqlx::query_scalar!(
        r#"update bookings
              set status = 'BookingCompleted', ticket_code = coalesce(ticket_code, $2),
                  status_reason = null
            where booking_id = $1 and closed_at is null
              and status in ('PaymentInitiated', 'PaymentCompleted', 'BookingCompleted')
        returning ticket_code as "ticket_code!""#,
        booking_id.as_uuid(),
        new_ticket_code(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(ticket_code) = ticket_code else {
        tx.rollback().await?;
        return Ok(ConfirmOutcome::Closed);
    };
    while_locked.await;
    let booked = sqlx::query_as!(
        Booked,
        r#"with booked as (
               update show_seats set status = 'booked', held_until = null, updated_at = now()
                where booking_id = $1 and status = 'held'
            returning seat_label),
           already as (
               select seat_label from show_seats where booking_id = $1 and status = 'booked'),
           mine as (select seat_label from booked union select seat_label from already)
           select (select count(*) from mine) as "ours!",
                  (select count(*) from booking_seats where booking_id = $1) as "wanted!",
                  coalesce((select array_agg(bs.seat_label order by bs.seat_label)
                              from booking_seats bs
                             where bs.booking_id = $1
                               and bs.seat_label not in (select seat_label from mine)),
                           '{}') as "missing!""#,
        booking_id.as_uuid(),
    )
    .fetch_one(&mut *tx)
    .await?;
    if booked.ours != booked.wanted || booked.wanted == 0 {
        tx.rollback().await?;
        return Ok(ConfirmOutcome::HoldLost {
            seats: booked.missing,
        });
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
