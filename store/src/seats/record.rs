//! The API's hold transaction: bind the client's Idempotency-Key, check the fair-use limits,
//! pick the seats (the named ones, or the best block free), take them, write the booking and
//! record the saga to start, all in one transaction, so a hold is never left without the
//! workflow that will expire, pay or release it.
//!
//! The saga's input is the workflow crate's business, not the store's: [`hold_and_record`]
//! returns a [`PendingHold`] with what the input is built from, its transaction still open; the
//! caller builds the input and hands it to [`PendingHold::record`], which writes the booking and
//! the saga start and commits. Dropping a pending hold rolls it back.

use super::best::{Picked, pick_best};
use super::guards::{self, HoldLimits, TooManyHolds};
use super::hold::{take_seats, to_hold, why_refused};
use super::{Hold, HoldOutcome, HoldRequest};
use crate::bookings::{self, Priced};
use crate::offers::{RedemptionLine, reserve};
use chrono::{DateTime, Utc};
use mtbp_domain::best_seats::BestPick;
use mtbp_domain::charge::MinimumCharges;
use mtbp_domain::pricing::{
    AddonItem, Basket, Candidate, CustomerFacts, PricingError, PricingInput, PricingRules, Quote,
    SeatItem, ShowFacts, price,
};
use mtbp_domain::{Money, PartnerId, TheaterId};
use sqlx::{PgPool, Postgres, Transaction};
use std::net::IpAddr;
use uuid::Uuid;

/// What the API records in the hold's own transaction, beside the seats and the booking, and
/// what it checks there.
#[derive(Debug)]
pub struct HoldRecord<'a> {
    /// The client's Idempotency-Key and the request's fingerprint, bound to the booking only
    /// if the hold succeeds.
    pub idempotency: Option<(String, String)>,
    /// Pick the seats in the transaction (the request's `seats` are ignored): the best block
    /// the show has free at that moment.
    pub best: Option<BestPick>,
    /// The client's address, kept on the booking for the per-address limit.
    pub client_addr: Option<IpAddr>,
    /// Live unpaid holds this request's email and address may already have on the show.
    pub limits: HoldLimits,
    /// A total below its currency's minimum is refused: the gateway could never charge it.
    pub min_charges: &'a MinimumCharges,
    /// How to price the seats once they are taken.
    pub pricing: &'a PricingPlan<'a>,
}

/// Everything the quote needs besides the seats, read before the hold's transaction so that
/// no lock waits on it: the seats taken are priced in-process.
#[derive(Debug)]
pub struct PricingPlan<'a> {
    /// The deployment's rules.
    pub rules: &'a PricingRules,
    /// The show.
    pub show: ShowFacts,
    /// The customer.
    pub customer: CustomerFacts,
    /// The offers that may apply.
    pub candidates: Vec<Candidate>,
    /// Add-ons asked for.
    pub addons: Vec<BookedAddon>,
    /// The code entered, upper case.
    pub offer_code: Option<String>,
    /// When the offers are checked.
    pub now: DateTime<Utc>,
}

/// An add-on asked for, at its current price.
#[derive(Clone, Debug)]
pub struct BookedAddon {
    /// The add-on.
    pub addon_id: Uuid,
    /// What the pricing sees.
    pub item: AddonItem,
}

/// What [`hold_and_record`] did.
#[derive(Debug)]
pub enum RecordedHold {
    /// The seats are held; the booking and its saga are written by [`PendingHold::record`].
    Held(Box<PendingHold>),
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
    /// The basket cannot be priced (an add-on in another currency, say): nothing was held.
    Unpriced(PricingError),
    /// The seats' total is below the smallest charge the gateway makes in that currency:
    /// nothing was held.
    BelowMinimum {
        /// The total.
        total: Money,
        /// The currency's minimum.
        minimum: Money,
    },
}

/// Seats held in a transaction that is still open: what the saga's input is built from.
#[derive(Debug)]
pub struct PendingHold {
    tx: Transaction<'static, Postgres>,
    client_addr: Option<IpAddr>,
    /// The request, with the seats actually held (the best block, for a best-seats hold).
    pub request: HoldRequest,
    /// The hold.
    pub hold: Hold,
    /// The show's theater.
    pub theater_id: TheaterId,
    /// The partner who runs it, if a partner does.
    pub partner_id: Option<PartnerId>,
    /// The quote; the hold's total is its total.
    pub quote: Quote,
    offer_code: Option<String>,
    addons: Vec<(Uuid, i32, i64)>,
    reservations: Vec<RedemptionLine>,
}

impl PendingHold {
    /// The offer code the booking is priced with, if any.
    pub fn offer_code(&self) -> Option<&str> {
        self.offer_code.as_deref()
    }

    /// Gives the seats back: nothing of the hold stays.
    pub async fn rollback(self) -> sqlx::Result<()> {
        self.tx.rollback().await
    }

    /// Writes the booking and records `saga_input` as the saga to start, then commits; returns
    /// when the booking row was written (database clock).
    pub async fn record(self, saga_input: &serde_json::Value) -> sqlx::Result<DateTime<Utc>> {
        self.record_with_lock(saga_input, None, None).await
    }

    /// [`Self::record`], with a live theater's lock of the seats recorded in the same
    /// transaction (the saga's *share* step confirms it, its compensations release it), and
    /// the hold's trace (`traceparent`) for the saga to start in.
    pub async fn record_with_lock(
        mut self,
        saga_input: &serde_json::Value,
        theater_lock: Option<&str>,
        trace_parent: Option<&str>,
    ) -> sqlx::Result<DateTime<Utc>> {
        let priced = Priced {
            quote: &self.quote,
            offer_code: self.offer_code.as_deref(),
            addons: &self.addons,
        };
        let created_at = bookings::insert_held(
            &mut self.tx,
            &self.request,
            &self.hold,
            self.client_addr,
            Some(saga_input),
            Some(priced),
            trace_parent,
        )
        .await?;
        let (booking_id, customer_id) = (self.request.booking_id, self.request.customer_id);
        let now = created_at;
        reserve::record_reservations(
            &mut self.tx,
            booking_id,
            customer_id,
            &self.reservations,
            now,
        )
        .await?;
        if let Some(lock) = theater_lock {
            crate::theaters::record_lock(&mut *self.tx, booking_id, self.theater_id, lock).await?;
        }
        self.tx.commit().await?;
        Ok(created_at)
    }
}

/// Holds the seats and binds the idempotency key in a new transaction, left open in the
/// [`PendingHold`] it returns when the seats are held; anything else is rolled back at once
/// (the key's row and the advisory locks must not wait for the connection's next use).
pub async fn hold_and_record(
    db: &PgPool,
    req: &HoldRequest,
    record: HoldRecord<'_>,
) -> sqlx::Result<RecordedHold> {
    let mut tx = db.begin().await?;
    match hold_in(&mut tx, req, &record).await? {
        Step::Held(held) => {
            let Held {
                request,
                hold,
                theater_id,
                partner_id,
                quote,
                reservations,
            } = *held;
            let plan = record.pricing;
            Ok(RecordedHold::Held(Box::new(PendingHold {
                tx,
                client_addr: record.client_addr,
                request,
                hold,
                theater_id,
                partner_id,
                quote,
                reservations,
                offer_code: plan.offer_code.clone(),
                addons: plan
                    .addons
                    .iter()
                    .map(|a| {
                        let quantity = i32::try_from(a.item.quantity).unwrap_or(i32::MAX);
                        (a.addon_id, quantity, a.item.unit_minor)
                    })
                    .collect(),
            })))
        }
        Step::Done(outcome) => {
            tx.rollback().await?;
            Ok(outcome)
        }
        Step::Explain(request) => {
            tx.rollback().await?;
            // The booking id is new (or its key was bound just now): no earlier hold of its own.
            why_refused(db, &request).await.map(RecordedHold::Refused)
        }
    }
}

/// Seats held and priced, inside the hold's transaction.
struct Held {
    /// The request as held.
    request: HoldRequest,
    /// The hold, at the quote's total.
    hold: Hold,
    /// The show's theater.
    theater_id: TheaterId,
    /// Its partner.
    partner_id: Option<PartnerId>,
    /// The quote.
    quote: Quote,
    /// The uses of limited offers taken for the quote, to record with the booking.
    reservations: Vec<RedemptionLine>,
}

/// How far [`hold_in`] got.
enum Step {
    /// The seats are held and priced.
    Held(Box<Held>),
    /// Nothing is held, for this reason.
    Done(RecordedHold),
    /// Some seats could not be taken: say why outside the transaction.
    Explain(HoldRequest),
}

/// The steps of the hold inside its transaction.
async fn hold_in(
    tx: &mut Transaction<'static, Postgres>,
    req: &HoldRequest,
    record: &HoldRecord<'_>,
) -> sqlx::Result<Step> {
    // The key first: a concurrent request with the same key waits here for this one's outcome
    // instead of racing it for the seats.
    if let Some((key, fingerprint)) = &record.idempotency
        && !bookings::bind_idempotency_key(&mut **tx, key, fingerprint, req.booking_id).await?
    {
        return Ok(Step::Done(RecordedHold::KeyTaken));
    }
    // After the key (a retry is answered with its booking, never refused) and before any seat
    // row is locked.
    if let Some(refused) = guards::check(tx, req, &record.limits).await? {
        return Ok(Step::Done(RecordedHold::TooManyHolds(refused)));
    }
    let req = match &record.best {
        None => req.clone(),
        Some(best) => match pick_best(tx, req, best).await? {
            Picked::Block(seats) => HoldRequest {
                seats,
                ..req.clone()
            },
            Picked::NoBlock => return Ok(Step::Done(RecordedHold::NoBlock)),
            Picked::Contended => {
                let seats = Vec::new();
                return Ok(Step::Done(RecordedHold::Refused(
                    HoldOutcome::SeatsUnavailable { seats },
                )));
            }
        },
    };
    let rows = take_seats(tx, &req).await?;
    let theater_id = rows.first().map(|r| r.theater_id);
    let partner_id = rows.first().and_then(|r| r.partner_id);
    let held = (rows.len() == req.seats.len())
        .then(|| to_hold(rows))
        .flatten();
    let (Some(mut hold), Some(theater_id)) = (held, theater_id) else {
        return Ok(Step::Explain(req));
    };
    let (quote, reservations) = match quote_and_reserve(tx, &req, &hold, record.pricing).await? {
        Ok(q) => q,
        Err(e) => return Ok(Step::Done(RecordedHold::Unpriced(e))),
    };
    hold.total = quote.totals.total.clone();
    let minimum = Money {
        amount_minor: record.min_charges.minimum(hold.total.currency.as_str()),
        currency: hold.total.currency.clone(),
    };
    if hold.total.amount_minor < minimum.amount_minor {
        let total = hold.total;
        return Ok(Step::Done(RecordedHold::BelowMinimum { total, minimum }));
    }
    Ok(Step::Held(Box::new(Held {
        request: req,
        hold,
        theater_id,
        partner_id,
        quote,
        reservations,
    })))
}

/// Prices the seats just taken and takes one use of every limited offer the quote applies. An
/// offer that ran out since the plan read its usage is priced again as used up: the hold is
/// quoted at the price its payment will find, and a savepoint gives back the uses taken for the
/// refused quote.
async fn quote_and_reserve(
    tx: &mut Transaction<'static, Postgres>,
    req: &HoldRequest,
    hold: &Hold,
    plan: &PricingPlan<'_>,
) -> sqlx::Result<Result<(Quote, Vec<RedemptionLine>), PricingError>> {
    let mut candidates = plan.candidates.clone();
    // Each refusal takes one offer out of the quote, so this ends within one pass per offer.
    for _ in 0..=plan.candidates.len() {
        let quote = match quote(hold, plan, &candidates) {
            Ok(q) => q,
            Err(e) => return Ok(Err(e)),
        };
        let lines = reserve::limited_lines(&quote, &candidates);
        if lines.is_empty() {
            return Ok(Ok((quote, lines)));
        }
        let mut savepoint = sqlx::Connection::begin(&mut **tx).await?;
        match reserve::take_uses(&mut savepoint, req.customer_id, &lines, plan.now).await? {
            Ok(()) => {
                savepoint.commit().await?;
                return Ok(Ok((quote, lines)));
            }
            Err(refused) => {
                savepoint.rollback().await?;
                reserve::mark_refused(&mut candidates, refused);
            }
        }
    }
    // Not reached (each pass declines one more limited offer); priced with no offer to be sure.
    Ok(quote(hold, plan, &[]).map(|q| (q, Vec::new())))
}

/// Prices the seats just taken, with the plan's add-ons and customer and these offers.
fn quote(
    hold: &Hold,
    plan: &PricingPlan<'_>,
    candidates: &[Candidate],
) -> Result<Quote, PricingError> {
    let basket = Basket {
        currency: hold.total.currency.clone(),
        seats: hold
            .seats
            .iter()
            .map(|s| SeatItem {
                label: s.label.clone(),
                category: s.category.clone(),
                list_minor: s.price_minor,
            })
            .collect(),
        addons: plan.addons.iter().map(|a| a.item.clone()).collect(),
    };
    let input = PricingInput {
        basket: &basket,
        show: &plan.show,
        customer: &plan.customer,
        candidates,
        now: plan.now,
    };
    price(&input, plan.rules)
}
