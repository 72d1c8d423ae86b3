//! After the sale: seats, bookings and money must agree, and no booking may be lost.
//!
//! seats booked = seats of completed bookings; bookings completed (database) = bookings the
//! customers were told are booked = charges the gateway took minus refunds; the amount of
//! completed bookings = the sum of their quotes' totals = the money the gateway kept; no seat in
//! two live bookings; every hold a customer was given ended in a final status with its saga
//! run. With a code on sale, its live redemptions = the completed bookings whose quote applied
//! it, and never more than its limit.

use super::offer::{self, SaleOffer};
use super::{End, Outcome, Target};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// One comparison the run must satisfy.
#[derive(Debug, Serialize)]
pub struct Check {
    /// What is compared.
    pub name: &'static str,
    /// The side that should hold (for [`Relation::AtMost`], the bound).
    pub expected: i64,
    /// What was found.
    pub actual: i64,
    /// How `actual` must relate to `expected`.
    pub relation: Relation,
    /// `actual` relates to `expected` as it must.
    pub ok: bool,
}

/// How a check's finding must relate to what it expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// `actual == expected`.
    Equal,
    /// `actual <= expected`.
    AtMost,
}

/// The reconciliation of a run.
#[derive(Debug, Serialize)]
pub struct Reconciliation {
    /// Every check passed.
    pub ok: bool,
    /// Seats in two live bookings, plus booked seats owned by a booking that is not booked.
    pub oversold_seats: i64,
    /// Holds that vanished, bookings stuck short of a final status, unstarted sagas, and
    /// payments answered 200 whose booking is not booked.
    pub lost_bookings: i64,
    /// Each check.
    pub checks: Vec<Check>,
}

/// `actual` must equal `expected`.
pub(super) fn check(name: &'static str, expected: i64, actual: i64) -> Check {
    Check {
        name,
        expected,
        actual,
        relation: Relation::Equal,
        ok: expected == actual,
    }
}

/// `actual` must not pass `bound`.
pub(super) fn at_most(name: &'static str, bound: i64, actual: i64) -> Check {
    Check {
        name,
        expected: bound,
        actual,
        relation: Relation::AtMost,
        ok: actual <= bound,
    }
}

/// Reconciles the shows of a sale against what the customers saw, what the gateway holds and,
/// if the sale had one, the code's redemptions.
pub async fn reconcile(
    target: &Target,
    shows: &[Uuid],
    outcomes: &[Outcome],
    offer: Option<&SaleOffer>,
) -> anyhow::Result<Reconciliation> {
    let db = &target.db;
    // A completed booking without a quote adds nothing to the quotes' sum, so it fails the
    // amount check rather than passing unseen.
    let (seats_booked, seats_of_completed, completed, completed_amount, quoted_amount): (
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = sqlx::query_as(
        "select (select count(*) from show_seats where show_id = any($1) and status = 'booked'),
                (select count(*) from booking_seats bs join bookings b using (booking_id)
                  where b.show_id = any($1) and b.status in ('BookingCompleted', 'Invoiced', 'SettlementDone')),
                (select count(*) from bookings where show_id = any($1)
                    and status in ('BookingCompleted', 'Invoiced', 'SettlementDone')),
                (select coalesce(sum(amount_minor), 0)::bigint from bookings
                  where show_id = any($1) and status in ('BookingCompleted', 'Invoiced', 'SettlementDone')),
                (select coalesce(sum((quote -> 'totals' -> 'total' ->> 'amount_minor')::bigint),
                                 0)::bigint
                   from bookings where show_id = any($1) and status in ('BookingCompleted', 'Invoiced', 'SettlementDone'))",
    )
    .bind(shows)
    .fetch_one(db)
    .await?;
    let oversold = oversold_seats(target, shows).await?;
    let lost = lost_bookings(target, shows, outcomes).await?;
    let told_booked = outcomes.iter().filter(|o| o.end == End::Completed).count() as i64;
    let (charges, charged_amount) = gateway_net(target, shows).await?;
    let mut checks = vec![
        check(
            "seats booked = seats of completed bookings",
            seats_of_completed,
            seats_booked,
        ),
        check(
            "bookings completed = bookings customers were told are booked",
            told_booked,
            completed,
        ),
        check(
            "bookings completed = charges at the gateway - refunds",
            completed,
            charges,
        ),
        check(
            "amount of completed bookings = amount charged - refunded",
            completed_amount,
            charged_amount,
        ),
        check(
            "amount of completed bookings = sum of their quotes' totals",
            quoted_amount,
            completed_amount,
        ),
        check(
            "seats in two live bookings or booked without a booking",
            0,
            oversold,
        ),
        check("lost bookings", 0, lost),
    ];
    if let Some(offer) = offer {
        checks.extend(offer::checks(target, shows, offer).await?);
    }
    Ok(Reconciliation {
        ok: checks.iter().all(|c| c.ok),
        oversold_seats: oversold,
        lost_bookings: lost,
        checks,
    })
}

async fn oversold_seats(target: &Target, shows: &[Uuid]) -> anyhow::Result<i64> {
    let (doubled, orphaned): (i64, i64) = sqlx::query_as(
        "select (select count(*) from (
                     select b.show_id, bs.seat_label
                       from booking_seats bs join bookings b using (booking_id)
                      where b.show_id = any($1)
                        and b.status in ('PreBooking', 'PaymentInitiated', 'PaymentCompleted',
                                         'BookingCompleted', 'Invoiced', 'SettlementDone')
                      group by b.show_id, bs.seat_label having count(*) > 1) d),
                (select count(*) from show_seats ss
                   left join bookings b on b.booking_id = ss.booking_id
                  where ss.show_id = any($1) and ss.status = 'booked'
                    and (coalesce(b.status, '') not in ('BookingCompleted', 'Invoiced', 'SettlementDone')
                         or not exists (select 1 from booking_seats bs
                                         where bs.booking_id = ss.booking_id
                                           and bs.seat_label = ss.seat_label)))",
    )
    .bind(shows)
    .fetch_one(&target.db)
    .await?;
    Ok(doubled + orphaned)
}

async fn lost_bookings(
    target: &Target,
    shows: &[Uuid],
    outcomes: &[Outcome],
) -> anyhow::Result<i64> {
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as("select booking_id, status from bookings where show_id = any($1)")
            .bind(shows)
            .fetch_all(&target.db)
            .await?;
    let status: HashMap<Uuid, String> = rows.into_iter().collect();
    let vanished = outcomes
        .iter()
        .filter(|o| !status.contains_key(&o.booking_id))
        .count();
    let not_booked = outcomes
        .iter()
        .filter(|o| o.end == End::Completed)
        .filter(|o| {
            let booked = ["BookingCompleted", "Invoiced", "SettlementDone"];
            !status
                .get(&o.booking_id)
                .is_some_and(|s| booked.contains(&s.as_str()))
        })
        .count();
    let open = status
        .values()
        .filter(|s| {
            matches!(
                s.as_str(),
                "PreBooking" | "PaymentInitiated" | "PaymentCompleted"
            )
        })
        .count();
    let unstarted: i64 = sqlx::query_scalar(
        "select count(*) from saga_starts s join bookings b using (booking_id)
          where b.show_id = any($1)",
    )
    .bind(shows)
    .fetch_one(&target.db)
    .await?;
    Ok((vanished + not_booked + open) as i64 + unstarted)
}

/// Charges the gateway took for the shows' bookings minus those refunded: (count, amount).
async fn gateway_net(target: &Target, shows: &[Uuid]) -> anyhow::Result<(i64, i64)> {
    let ids: Vec<Uuid> =
        sqlx::query_scalar("select booking_id from bookings where show_id = any($1)")
            .bind(shows)
            .fetch_all(&target.db)
            .await?;
    let ours: HashSet<String> = ids.iter().map(Uuid::to_string).collect();
    let intents: Vec<Value> = target
        .stripe
        .list("payment_intents")
        .await?
        .into_iter()
        .filter(|pi| pi["status"] == "succeeded")
        .filter(|pi| {
            pi["metadata"]["booking_id"]
                .as_str()
                .is_some_and(|b| ours.contains(b))
        })
        .collect();
    let mut owner: HashMap<String, String> = HashMap::new();
    for pi in &intents {
        let id = pi["id"].as_str().unwrap_or_default().to_owned();
        for c in pi["charges"]["data"].as_array().into_iter().flatten() {
            if let Some(charge) = c["id"].as_str() {
                owner.insert(charge.to_owned(), id.clone());
            }
        }
        owner.insert(id.clone(), id);
    }
    let mut refunded_intents: HashSet<String> = HashSet::new();
    let mut refunded_amount = 0;
    for r in target.stripe.list("refunds").await? {
        let intent = [&r["payment_intent"], &r["charge"]]
            .into_iter()
            .filter_map(Value::as_str)
            .find_map(|k| owner.get(k));
        if let Some(intent) = intent {
            refunded_intents.insert(intent.clone());
            refunded_amount += r["amount"].as_i64().unwrap_or(0);
        }
    }
    let charged: i64 = intents
        .iter()
        .map(|pi| pi["amount"].as_i64().unwrap_or(0))
        .sum();
    Ok((
        intents.len() as i64 - refunded_intents.len() as i64,
        charged - refunded_amount,
    ))
}
