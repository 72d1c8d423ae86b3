//! The hold transaction: every requested seat for the booking, or none of them.
//!
//! Two callers share it. The API holds seats itself ([`hold_and_record`]): in the same
//! transaction it binds the client's Idempotency-Key and records the saga's input in
//! `saga_starts`, so a hold is never left without the workflow that will expire, pay or release
//! it. The `hold_seats` local activity ([`hold`]) serves bookings whose workflow was started by
//! an older API, which held seats from inside the saga.

use super::guards::{self, HoldLimits, TooManyHolds};
use super::{HeldSeat, Hold, HoldOutcome, HoldRequest};
use chrono::{DateTime, Utc};
use mtbp_domain::BookingId;
use mtbp_domain::best_seats::{SeatSpot, best_block};
use mtbp_domain::charge::MinimumCharges;
use sqlx::{PgPool, Postgres, Transaction};
use std::net::IpAddr;
use uuid::Uuid;

/// SQL: whether a `show_seats` row can be held now (free, or its hold lapsed); `$3` says whether
/// seats set aside for the platform may be.
macro_rules! holdable {
    () => {
        "(status = 'free' or (status = 'platform_reserved' and $3)
          or (status = 'held' and held_until < now() and (not platform or $3)))"
    };
}

/// What the API records in the hold's own transaction, beside the seats and the booking, and
/// what it checks there.
#[derive(Debug)]
pub struct HoldRecord<'g, F> {
    /// The client's Idempotency-Key and the request's fingerprint, bound to the booking only
    /// if the hold succeeds.
    pub idempotency: Option<(String, String)>,
    /// Pick the seats in the transaction (the request's `seats` are ignored): the best block
    /// the show has free at that moment.
    pub best: Option<BestPick>,
    /// Builds the saga's input from the request (with the seats held), the hold and the show's
    /// theater; stored in `saga_starts`.
    pub saga_input: F,
    /// The client's address, kept on the booking for the per-address limit.
    pub client_addr: Option<IpAddr>,
    /// Live unpaid holds this request's email and address may already have on the show.
    pub limits: HoldLimits,
    /// A total below its currency's minimum is refused: the gateway could never charge it.
    pub min_charges: &'g MinimumCharges,
}

/// "The best `count` seats side by side", optionally of one category.
#[derive(Clone, Debug)]
pub struct BestPick {
    /// How many seats.
    pub count: usize,
    /// Only this seat category (its code).
    pub category: Option<String>,
}

/// What [`hold_and_record`] did.
#[derive(Debug)]
pub enum RecordedHold {
    /// The seats are held, the booking written and its saga recorded as to be started.
    Held {
        /// The hold.
        hold: Hold,
        /// The show's theater.
        theater_id: Uuid,
        /// When the booking row was written (database clock).
        created_at: DateTime<Utc>,
        /// The saga's input, as recorded.
        saga_input: serde_json::Value,
    },
    /// Nothing was held; why.
    Refused(HoldOutcome),
    /// A best-seats hold found no row with that many free seats side by side.
    NoBlock,
    /// The Idempotency-Key is already bound (to this booking by an earlier request, or to
    /// another request): nothing was done; the caller compares fingerprints.
    KeyTaken,
    /// The request's email or address already has as many live unpaid holds on the show as
    /// allowed: nothing was held.
    TooManyHolds(TooManyHolds),
    /// The seats' total is below the smallest charge the gateway makes in that currency:
    /// nothing was held.
    BelowMinimum {
        /// The total.
        amount_minor: i64,
        /// The currency's minimum.
        minimum_minor: i64,
        /// The currency.
        currency: String,
    },
}

/// One row the hold's `UPDATE` returns: label, category, price, held until, currency, theater.
type SeatRow = (String, String, i64, DateTime<Utc>, String, Uuid);

/// Holds the seats, writes the booking, binds the idempotency key and records the saga's
/// input, all in one transaction.
pub async fn hold_and_record<F>(
    db: &PgPool,
    req: &HoldRequest,
    record: HoldRecord<'_, F>,
) -> Result<RecordedHold, sqlx::Error>
where
    F: FnOnce(&HoldRequest, &Hold, Uuid) -> serde_json::Value,
{
    let mut tx = db.begin().await?;
    // The key first: a concurrent request with the same key waits here for this one's outcome
    // instead of racing it for the seats.
    if let Some((key, fingerprint)) = &record.idempotency {
        let bound: Option<i32> = sqlx::query_scalar(
            "insert into idempotency_keys (idempotency_key, request_fingerprint, booking_id)
             values ($1, $2, $3) on conflict (idempotency_key) do nothing returning 1",
        )
        .bind(key)
        .bind(fingerprint)
        .bind(req.booking_id.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        if bound.is_none() {
            tx.rollback().await?;
            return Ok(RecordedHold::KeyTaken);
        }
    }
    // After the key (a retry is answered with its booking, never refused) and before any seat
    // row is locked.
    let show_id = req.show_id.as_uuid();
    if let Some(refused) =
        guards::check(&mut tx, show_id, &req.contact.email, &record.limits).await?
    {
        tx.rollback().await?;
        return Ok(RecordedHold::TooManyHolds(refused));
    }
    let picked;
    let req = match &record.best {
        None => req,
        Some(best) => match pick_best(&mut tx, req, best).await? {
            Picked::Block(seats) => {
                picked = HoldRequest {
                    seats,
                    ..req.clone()
                };
                &picked
            }
            Picked::NoBlock => {
                tx.rollback().await?;
                return Ok(RecordedHold::NoBlock);
            }
            Picked::Contended => {
                tx.rollback().await?;
                return Ok(RecordedHold::Refused(HoldOutcome::SeatsUnavailable {
                    seats: Vec::new(),
                }));
            }
        },
    };
    let rows = take_seats(&mut tx, req).await?;
    if rows.len() != req.seats.len() {
        tx.rollback().await?;
        // The booking id is new (or its key was bound just now): no earlier hold of its own.
        return why_refused(db, req).await.map(RecordedHold::Refused);
    }
    let theater_id = rows.first().map(|r| r.5).unwrap_or_default();
    let hold = to_hold(rows);
    let minimum_minor = record.min_charges.minimum(&hold.currency);
    if hold.amount_minor < minimum_minor {
        tx.rollback().await?;
        return Ok(RecordedHold::BelowMinimum {
            amount_minor: hold.amount_minor,
            minimum_minor,
            currency: hold.currency,
        });
    }
    let saga_input = (record.saga_input)(req, &hold, theater_id);
    let booking = NewRow {
        saga_input: Some(&saga_input),
        client_addr: record.client_addr,
    };
    let created_at = insert_booking(&mut tx, req, &hold, booking).await?;
    tx.commit().await?;
    Ok(RecordedHold::Held {
        hold,
        theater_id,
        created_at,
        saga_input,
    })
}

/// A show's seats (of one category, when given) as the best-seats chooser sees them, with their
/// prices: the one reading behind both the suggestion (`GET /shows/{id}/seats/best`) and a
/// best-seats hold, so the two never disagree about which seats are free. `platform`: whether
/// seats set aside for the platform count as free (brokers).
pub async fn seat_spots<'e, E: sqlx::PgExecutor<'e>>(
    db: E,
    show_id: Uuid,
    category: Option<&str>,
    platform: bool,
) -> Result<Vec<(SeatSpot, i64)>, sqlx::Error> {
    let rows: Vec<(String, i32, i32, bool, i64)> = sqlx::query_as(concat!(
        "select seat_label, row_index, col_index, ",
        holdable!(),
        ", price_minor from show_seats
          where show_id = $1 and ($2::text is null or category_code = upper($2))"
    ))
    .bind(show_id)
    .bind(category)
    .bind(platform)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(label, row, column, free, price)| {
            let spot = SeatSpot {
                label,
                row: u32::try_from(row).unwrap_or(0),
                column: u32::try_from(column).unwrap_or(0),
                free,
            };
            (spot, price)
        })
        .collect())
}

/// How many blocks one best-seats hold tries within its transaction before it gives up.
const PICK_ROUNDS: usize = 8;

/// The best block of free seats of the show, locked for this transaction. Concurrent holds on
/// one show compute the same block from the same snapshot, so the block is claimed with
/// `for update skip locked`: whoever gets every seat of it has them; the others mark the seats
/// they could not lock as taken and choose again, at once, without waiting for each other.
async fn pick_best(
    tx: &mut Transaction<'_, Postgres>,
    req: &HoldRequest,
    best: &BestPick,
) -> Result<Picked, sqlx::Error> {
    let mut spots: Vec<SeatSpot> = seat_spots(
        &mut **tx,
        req.show_id.as_uuid(),
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
        let mine: Vec<String> = sqlx::query_scalar(concat!(
            "select seat_label from show_seats where show_id = $1 and seat_label = any($2) and ",
            holdable!(),
            " for update skip locked"
        ))
        .bind(req.show_id.as_uuid())
        .bind(&block)
        .bind(req.platform_seats)
        .fetch_all(&mut **tx)
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

/// What [`pick_best`] found.
enum Picked {
    /// These seats, locked by this transaction.
    Block(Vec<String>),
    /// No row has that many free seats side by side.
    NoBlock,
    /// Every block it tried was being taken by someone else.
    Contended,
}

/// The hold as the `hold_seats` local activity runs it: a retry finds its own hold.
pub async fn hold(db: &PgPool, req: &HoldRequest) -> Result<HoldOutcome, sqlx::Error> {
    let mut tx = db.begin().await?;
    let rows = take_seats(&mut tx, req).await?;
    if rows.len() != req.seats.len() {
        tx.rollback().await?;
        return explain_failed_hold(db, req).await;
    }
    let hold = to_hold(rows);
    insert_booking(&mut tx, req, &hold, NewRow::default()).await?;
    tx.commit().await?;
    Ok(HoldOutcome::Held(hold))
}

/// The one conditional `UPDATE` that takes free seats (or seats whose hold lapsed).
async fn take_seats(
    tx: &mut Transaction<'_, Postgres>,
    req: &HoldRequest,
) -> Result<Vec<SeatRow>, sqlx::Error> {
    sqlx::query_as(
        "update show_seats ss
            set status = 'held', booking_id = $1,
                held_until = now() + make_interval(secs => $4), updated_at = now()
           from shows s
          where ss.show_id = $2 and ss.seat_label = any($3)
            and s.show_id = ss.show_id and s.status = 'scheduled' and s.starts_at > now()
            and (ss.status = 'free' or (ss.status = 'platform_reserved' and $5)
                 or (ss.status = 'held' and ss.held_until < now() and (not ss.platform or $5)))
      returning ss.seat_label, ss.category_code, ss.price_minor, ss.held_until, s.currency,
                s.theater_id",
    )
    .bind(req.booking_id.as_uuid())
    .bind(req.show_id.as_uuid())
    .bind(&req.seats)
    .bind(f64::from(req.hold_seconds))
    .bind(req.platform_seats)
    .fetch_all(&mut **tx)
    .await
}

fn to_hold(mut rows: Vec<SeatRow>) -> Hold {
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let expires_at_ms = rows.first().map_or(0, |r| r.3.timestamp_millis());
    let currency = rows.first().map(|r| r.4.clone()).unwrap_or_default();
    let seats: Vec<HeldSeat> = rows
        .into_iter()
        .map(|(label, category, price_minor, ..)| HeldSeat {
            label,
            category,
            price_minor,
        })
        .collect();
    Hold {
        expires_at_ms,
        amount_minor: seats.iter().map(|s| s.price_minor).sum(),
        currency,
        seats,
    }
}

/// What the API adds to a booking row it writes.
#[derive(Default)]
struct NewRow<'a> {
    /// The saga to start.
    saga_input: Option<&'a serde_json::Value>,
    /// The client's address.
    client_addr: Option<IpAddr>,
}

/// Writes the booking, its seats and (from the API) the saga to start; returns `created_at`.
async fn insert_booking(
    tx: &mut Transaction<'_, Postgres>,
    req: &HoldRequest,
    hold: &Hold,
    row: NewRow<'_>,
) -> Result<DateTime<Utc>, sqlx::Error> {
    let labels: Vec<&str> = hold.seats.iter().map(|s| s.label.as_str()).collect();
    let categories: Vec<&str> = hold.seats.iter().map(|s| s.category.as_str()).collect();
    let prices: Vec<i64> = hold.seats.iter().map(|s| s.price_minor).collect();
    sqlx::query_scalar(
        "with b as (
             insert into bookings (booking_id, show_id, customer_id, contact_name, contact_email,
                                   contact_phone, status, amount_minor, currency, hold_expires_at,
                                   client_addr)
             values ($1, $2, $3, $4, $5, $6, 'PreBooking', $7, $8, to_timestamp($9::double precision / 1000),
                     $14::inet)
          returning booking_id, created_at),
         saga as (
             insert into saga_starts (booking_id, input)
             select b.booking_id, $13 from b where $13::jsonb is not null),
         seats as (
             insert into booking_seats (booking_id, seat_label, category_code, price_minor)
             select b.booking_id, u.label, u.category, u.price
               from b, unnest($10::text[], $11::text[], $12::bigint[]) as u(label, category, price))
         select created_at from b",
    )
    .bind(req.booking_id.as_uuid())
    .bind(req.show_id.as_uuid())
    .bind(req.customer_id)
    .bind(&req.contact.name)
    .bind(&req.contact.email)
    .bind(&req.contact.phone)
    .bind(hold.amount_minor)
    .bind(&hold.currency)
    .bind(hold.expires_at_ms as f64)
    .bind(&labels)
    .bind(&categories)
    .bind(&prices)
    .bind(row.saga_input)
    .bind(row.client_addr.map(|a| a.to_string()))
    .fetch_one(&mut **tx)
    .await
}

/// After a hold that did not get every seat: either this very booking already holds them (a
/// retried activity), or say which seats are taken, or why the show is not bookable.
async fn explain_failed_hold(db: &PgPool, req: &HoldRequest) -> Result<HoldOutcome, sqlx::Error> {
    if let Some(hold) = existing_hold(db, req.booking_id).await? {
        return Ok(HoldOutcome::Held(hold));
    }
    why_refused(db, req).await
}

/// Which seats are taken, or why the show is not bookable.
async fn why_refused(db: &PgPool, req: &HoldRequest) -> Result<HoldOutcome, sqlx::Error> {
    let show: Option<(String, bool)> =
        sqlx::query_as("select status, starts_at > now() from shows where show_id = $1")
            .bind(req.show_id.as_uuid())
            .fetch_optional(db)
            .await?;
    match show {
        None => {
            return Ok(HoldOutcome::ShowNotBookable {
                reason: "no such show".into(),
            });
        }
        Some((status, _)) if status != "scheduled" => {
            return Ok(HoldOutcome::ShowNotBookable {
                reason: format!("the show is {status}"),
            });
        }
        Some((_, false)) => {
            return Ok(HoldOutcome::ShowNotBookable {
                reason: "the show has already started".into(),
            });
        }
        Some(_) => {}
    }
    let available: Vec<String> = sqlx::query_scalar(concat!(
        "select seat_label from show_seats where show_id = $1 and seat_label = any($2) and ",
        holdable!()
    ))
    .bind(req.show_id.as_uuid())
    .bind(&req.seats)
    .bind(req.platform_seats)
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

async fn existing_hold(db: &PgPool, booking_id: BookingId) -> Result<Option<Hold>, sqlx::Error> {
    let booking: Option<(i64, String, DateTime<Utc>)> = sqlx::query_as(
        "select amount_minor, currency, hold_expires_at from bookings where booking_id = $1",
    )
    .bind(booking_id.as_uuid())
    .fetch_optional(db)
    .await?;
    let Some((amount_minor, currency, expires)) = booking else {
        return Ok(None);
    };
    let seats: Vec<(String, String, i64)> = sqlx::query_as(
        "select seat_label, category_code, price_minor from booking_seats
          where booking_id = $1 order by seat_label",
    )
    .bind(booking_id.as_uuid())
    .fetch_all(db)
    .await?;
    Ok(Some(Hold {
        expires_at_ms: expires.timestamp_millis(),
        amount_minor,
        currency,
        seats: seats
            .into_iter()
            .map(|(label, category, price_minor)| HeldSeat {
                label,
                category,
                price_minor,
            })
            .collect(),
    }))
}
