//! Reserving uses of limited offers while a booking's seats are held.
//!
//! A hold quoted with an offer that has a limit takes one use of it in the hold's own
//! transaction: the increment of `offers.redeemed` is the same row-locked, re-checked one the
//! redemption makes, so reservations and redemptions together never pass the limit. A code
//! that runs out therefore runs out at hold time, where the quote can say so, and not at
//! payment. The payment's redemption turns the reservation into a redemption without touching
//! the counter (see [`super::redeem`]); closing the booking gives it back (see
//! [`super::release`]).
//!
//! The reservation is made in two parts because the booking row does not exist yet when the
//! seats are priced: [`take_uses`] counts the uses (and may refuse), [`record_reservations`]
//! writes the rows once the booking is written, in the same transaction.

use super::redeem::{RedemptionLine, Refused, why_not};
use chrono::{DateTime, Utc};
use mtbp_domain::pricing::{Candidate, Quote};
use mtbp_domain::{AccountId, BookingId, OfferId};
use sqlx::PgConnection;

/// The offers of `quote` that need a reservation (those with a limit), as redemption lines.
pub fn limited_lines(quote: &Quote, candidates: &[Candidate]) -> Vec<RedemptionLine> {
    let limited = |id: OfferId| {
        candidates.iter().any(|c| {
            c.offer.id == id
                && (c.offer.limit_total.is_some() || c.offer.limit_per_customer.is_some())
        })
    };
    let mut lines: Vec<RedemptionLine> = quote
        .offers
        .iter()
        .filter(|o| limited(o.offer_id))
        .map(|o| RedemptionLine {
            offer_id: o.offer_id,
            discount_minor: o.discount.amount_minor,
            funded_by: o.funded_by,
        })
        .collect();
    // One order for every hold, so two holds reserving the same offers cannot deadlock.
    lines.sort_by_key(|l| l.offer_id);
    lines
}

/// Takes one use of each offer for a booking about to be written, or refuses with the first
/// offer that has none left (the caller rolls back what was taken, to a savepoint).
pub async fn take_uses(
    conn: &mut PgConnection,
    customer_id: Option<AccountId>,
    lines: &[RedemptionLine],
    now: DateTime<Utc>,
) -> sqlx::Result<Result<(), Refused>> {
    for line in lines {
        let counted = count_use(&mut *conn, line.offer_id, now).await?;
        let Some(per_customer) = counted else {
            return Ok(Err(why_not(&mut *conn, line.offer_id, now).await?));
        };
        let Some(max) = per_customer else { continue };
        // The customer's other live uses, held ones included: two holds of one customer are
        // not both quoted with a once-per-customer offer.
        let used = sqlx::query_scalar!(
            r#"select count(*) as "n!" from offer_redemptions
                where offer_id = $1 and customer_id = $2 and status in ('reserved', 'redeemed')"#,
            line.offer_id.as_uuid(),
            customer_id.map(|c| c.as_uuid()),
        )
        .fetch_one(&mut *conn)
        .await?;
        if customer_id.is_none() || used >= i64::from(max) {
            return Ok(Err(Refused::UsedByCustomer(line.offer_id)));
        }
    }
    Ok(Ok(()))
}

/// Counts one more use of a live offer that has one left: `None` if it has none (or is gone),
/// else its per-customer limit. The `update` locks the offer's row and re-checks the limit once
/// it holds the lock, so racing uses never pass it. Reservations and redemptions share it.
pub(super) async fn count_use(
    conn: &mut PgConnection,
    offer_id: OfferId,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Option<i32>>> {
    sqlx::query_scalar!(
        "update offers set redeemed = redeemed + 1
          where offer_id = $1 and deleted_at is null
            and valid_from <= $2 and (valid_until is null or valid_until > $2)
            and (limit_total is null or redeemed < limit_total)
          returning limit_per_customer",
        offer_id.as_uuid(),
        now,
    )
    .fetch_optional(conn)
    .await
}

/// Writes the reservations whose uses [`take_uses`] took, once the booking row exists.
pub async fn record_reservations(
    conn: &mut PgConnection,
    booking_id: BookingId,
    customer_id: Option<AccountId>,
    lines: &[RedemptionLine],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    for line in lines {
        sqlx::query!(
            "insert into offer_redemptions
                 (offer_id, booking_id, customer_id, discount_minor, funded_by, status, redeemed_at)
             values ($1, $2, $3, $4, $5, 'reserved', $6)",
            line.offer_id.as_uuid(),
            booking_id.as_uuid(),
            customer_id.map(|c| c.as_uuid()),
            line.discount_minor,
            line.funded_by.as_str(),
            now,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Marks `candidates` so the pricing declines the offer `refused` names, as it would have had
/// the usage been read a moment later; an offer gone since it was read is left out.
pub fn mark_refused(candidates: &mut Vec<Candidate>, refused: Refused) {
    match refused {
        Refused::Gone(id) => candidates.retain(|c| c.offer.id != id),
        Refused::UsedUp(id) => {
            for c in candidates.iter_mut().filter(|c| c.offer.id == id) {
                c.used_total = c.offer.limit_total.unwrap_or(u32::MAX);
            }
        }
        Refused::UsedByCustomer(id) => {
            for c in candidates.iter_mut().filter(|c| c.offer.id == id) {
                c.used_by_customer = c.offer.limit_per_customer.unwrap_or(u32::MAX);
            }
        }
    }
}
