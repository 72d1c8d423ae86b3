//! Redeeming offers for a booking, atomically against their limits, and giving the
//! redemptions back when the booking fails or is cancelled.
//!
//! The limit is enforced by the increment of `offers.redeemed`: the `update` locks the offer's
//! row and re-checks `redeemed < limit_total` once it has the lock, so however many bookings
//! race, the count never passes the limit (and a check constraint would refuse it if it did).
//! The per-customer count is read while that lock is held, so one customer's racing bookings
//! are counted one after the other. Both are idempotent per booking: redeeming again what the
//! booking holds changes nothing; releasing twice releases once.
//!
//! A booking held with a limited offer already has a reservation of it (see [`super::reserve`]):
//! redeeming turns it into a redemption without a second increment, and without the offer's row
//! lock unless the offer has a per-customer limit to re-check. Reservations the booking's final
//! quote no longer uses are given back in the same transaction.

use chrono::{DateTime, Utc};
use mtbp_domain::{AccountId, BookingId, Funder, OfferId, RedemptionStatus};
use sqlx::{PgExecutor, PgPool};

/// One offer to redeem, with what it took off the booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedemptionLine {
    /// The offer.
    pub offer_id: OfferId,
    /// What it took off, in minor units.
    pub discount_minor: i64,
    /// Who pays for it.
    pub funded_by: Funder,
}

/// Why an offer could not be redeemed; nothing was redeemed then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Its total limit is reached.
    UsedUp(OfferId),
    /// The customer has used it as often as allowed.
    UsedByCustomer(OfferId),
    /// Deleted, or outside its validity now.
    Gone(OfferId),
}

/// A redemption of a booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redeemed {
    /// The offer.
    pub offer_id: OfferId,
    /// What it took off.
    pub discount_minor: i64,
    /// Who pays for it.
    pub funded_by: Funder,
    /// Live or given back.
    pub status: RedemptionStatus,
}

/// Redeems every line for the booking, all or none.
pub async fn redeem(
    db: &PgPool,
    booking_id: BookingId,
    customer_id: Option<AccountId>,
    lines: &[RedemptionLine],
    now: DateTime<Utc>,
) -> sqlx::Result<Result<(), Refused>> {
    let mut lines = lines.to_vec();
    // One order for every booking, so two bookings redeeming the same offers cannot deadlock.
    lines.sort_by_key(|l| l.offer_id);
    let mut tx = db.begin().await?;
    let keep: Vec<uuid::Uuid> = lines.iter().map(|l| l.offer_id.as_uuid()).collect();
    release_where(&mut *tx, booking_id, &["reserved"], &keep).await?;
    for line in &lines {
        if let Err(refused) = redeem_one(&mut tx, booking_id, customer_id, line, now).await? {
            tx.rollback().await?;
            return Ok(Err(refused));
        }
    }
    tx.commit().await?;
    Ok(Ok(()))
}

async fn redeem_one(
    tx: &mut sqlx::PgConnection,
    booking_id: BookingId,
    customer_id: Option<AccountId>,
    line: &RedemptionLine,
    now: DateTime<Utc>,
) -> sqlx::Result<Result<(), Refused>> {
    let held = sqlx::query_scalar!(
        r#"select status as "status: RedemptionStatus" from offer_redemptions
            where offer_id = $1 and booking_id = $2"#,
        line.offer_id.as_uuid(),
        booking_id.as_uuid(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    match held {
        Some(RedemptionStatus::Redeemed) => return Ok(Ok(())), // a retry that committed
        Some(RedemptionStatus::Reserved) => {
            return convert(tx, booking_id, customer_id, line, now).await;
        }
        Some(RedemptionStatus::Released) | None => {}
    }
    let counted = super::reserve::count_use(&mut *tx, line.offer_id, now).await?;
    let Some(per_customer) = counted else {
        return Ok(Err(why_not(&mut *tx, line.offer_id, now).await?));
    };
    if let Some(max) = per_customer
        && used_up_by_customer(tx, booking_id, customer_id, line.offer_id, max).await?
    {
        return Ok(Err(Refused::UsedByCustomer(line.offer_id)));
    }
    sqlx::query!(
        "insert into offer_redemptions
             (offer_id, booking_id, customer_id, discount_minor, funded_by, status, redeemed_at)
         values ($1, $2, $3, $4, $5, 'redeemed', $6)
         on conflict (offer_id, booking_id) do update
            set status = 'redeemed', released_at = null, redeemed_at = excluded.redeemed_at,
                discount_minor = excluded.discount_minor, funded_by = excluded.funded_by",
        line.offer_id.as_uuid(),
        booking_id.as_uuid(),
        customer_id.map(|c| c.as_uuid()),
        line.discount_minor,
        line.funded_by.as_str(),
        now,
    )
    .execute(&mut *tx)
    .await?;
    Ok(Ok(()))
}

/// Turns the booking's reservation into a redemption; its use is counted already. A
/// per-customer limit is re-checked under the offer's row lock against the customer's other
/// redemptions (their other holds' reservations do not count against a payment).
async fn convert(
    tx: &mut sqlx::PgConnection,
    booking_id: BookingId,
    customer_id: Option<AccountId>,
    line: &RedemptionLine,
    now: DateTime<Utc>,
) -> sqlx::Result<Result<(), Refused>> {
    let per_customer = sqlx::query_scalar!(
        "select limit_per_customer from offers where offer_id = $1 for update",
        line.offer_id.as_uuid(),
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(max) = per_customer
        && used_up_by_customer(tx, booking_id, customer_id, line.offer_id, max).await?
    {
        return Ok(Err(Refused::UsedByCustomer(line.offer_id)));
    }
    sqlx::query!(
        "update offer_redemptions
            set status = 'redeemed', redeemed_at = $3, discount_minor = $4, funded_by = $5
          where offer_id = $1 and booking_id = $2 and status = 'reserved'",
        line.offer_id.as_uuid(),
        booking_id.as_uuid(),
        now,
        line.discount_minor,
        line.funded_by.as_str(),
    )
    .execute(&mut *tx)
    .await?;
    Ok(Ok(()))
}

/// Whether the customer has redeemed the offer `max` times with other bookings (a guest cannot
/// be counted per customer: the pricing never offers such an offer to one).
async fn used_up_by_customer(
    tx: &mut sqlx::PgConnection,
    booking_id: BookingId,
    customer_id: Option<AccountId>,
    offer_id: OfferId,
    max: i32,
) -> sqlx::Result<bool> {
    let Some(customer_id) = customer_id else {
        return Ok(true);
    };
    let used = sqlx::query_scalar!(
        r#"select count(*) as "n!" from offer_redemptions
            where offer_id = $1 and customer_id = $2 and booking_id <> $3
              and status = 'redeemed'"#,
        offer_id.as_uuid(),
        customer_id.as_uuid(),
        booking_id.as_uuid(),
    )
    .fetch_one(tx)
    .await?;
    Ok(used >= i64::from(max))
}

/// Why the increment found no row: the offer is gone or out of its window, or used up.
pub(super) async fn why_not(
    tx: &mut sqlx::PgConnection,
    offer_id: OfferId,
    now: DateTime<Utc>,
) -> sqlx::Result<Refused> {
    let live = sqlx::query_scalar!(
        r#"select exists (select 1 from offers
            where offer_id = $1 and deleted_at is null and valid_from <= $2
              and (valid_until is null or valid_until > $2)) as "live!""#,
        offer_id.as_uuid(),
        now,
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(if live {
        Refused::UsedUp(offer_id)
    } else {
        Refused::Gone(offer_id)
    })
}

/// Gives back every live redemption and reservation of the booking; answers how many. A second
/// call finds none.
pub async fn release(db: impl PgExecutor<'_>, booking_id: BookingId) -> sqlx::Result<u64> {
    release_where(db, booking_id, &["reserved", "redeemed"], &[]).await
}

/// Gives back the booking's reservations of offers other than `keep` (its quote changed while
/// it was held, and no longer applies them); answers how many.
pub async fn release_reservations_except(
    db: impl PgExecutor<'_>,
    booking_id: BookingId,
    keep: &[OfferId],
) -> sqlx::Result<u64> {
    let keep: Vec<uuid::Uuid> = keep.iter().map(|o| o.as_uuid()).collect();
    release_where(db, booking_id, &["reserved"], &keep).await
}

/// Gives back the booking's uses whose status is one of `statuses`, except those of the offers
/// in `keep`, and takes them off the offers' counts.
async fn release_where(
    db: impl PgExecutor<'_>,
    booking_id: BookingId,
    statuses: &[&str],
    keep: &[uuid::Uuid],
) -> sqlx::Result<u64> {
    let statuses: Vec<String> = statuses.iter().map(|s| (*s).to_owned()).collect();
    let released = sqlx::query_scalar!(
        r#"with r as (
               update offer_redemptions set status = 'released', released_at = now()
                where booking_id = $1 and status = any($2) and offer_id <> all($3)
                returning offer_id),
           o as (
               update offers set redeemed = redeemed - 1
                 from r where offers.offer_id = r.offer_id
                returning 1)
           select count(*) as "n!" from o"#,
        booking_id.as_uuid(),
        &statuses,
        keep,
    )
    .fetch_one(db)
    .await?;
    Ok(u64::try_from(released).unwrap_or(0))
}

/// The booking's redemptions, live and released.
pub async fn redemptions(db: &PgPool, booking_id: BookingId) -> sqlx::Result<Vec<Redeemed>> {
    sqlx::query_as!(
        Redeemed,
        r#"select offer_id as "offer_id: OfferId", discount_minor,
                  funded_by as "funded_by: Funder", status as "status: RedemptionStatus"
             from offer_redemptions where booking_id = $1 order by offer_id"#,
        booking_id.as_uuid(),
    )
    .fetch_all(db)
    .await
}
