//! Cancellations of paid bookings (`cancellations`): some seats or all, applied in one
//! transaction (the seats back on sale, the booking's status), then refunded and told by
//! `CancellationWorkflow`.

use chrono::{DateTime, Utc};
use mtbp_domain::cancellation::{Actor, Planned, RefundQuote, Unquoted};
use mtbp_domain::pricing::PricingRules;
use mtbp_domain::{AccountId, BookingId, ShowId};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// What a cancellation needs to know of a booking.
#[derive(Clone, Debug)]
pub struct Cancellable {
    /// The booking.
    pub booking_id: BookingId,
    /// Its show.
    pub show_id: ShowId,
    /// Its status.
    pub status: String,
    /// When the show starts.
    pub starts_at: DateTime<Utc>,
    /// Whether the show is cancelled.
    pub show_cancelled: bool,
    /// The signed-in customer, if any.
    pub customer_id: Option<AccountId>,
    /// What the gateway took, once the payment succeeded.
    pub paid_minor: Option<i64>,
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// The currency.
    pub currency: String,
    /// What the seats still on it are worth: what was paid, or the rest of the last
    /// cancellation.
    pub current_minor: i64,
    /// Seats not cancelled.
    pub active: Vec<String>,
}

/// The booking as a cancellation sees it; `None` for an unknown booking.
pub async fn cancellable(
    db: impl PgExecutor<'_>,
    booking: BookingId,
) -> sqlx::Result<Option<Cancellable>> {
    let row = sqlx::query!(
        r#"select b.booking_id, b.show_id as "show_id: ShowId", b.status, s.starts_at,
                  s.status = 'cancelled' as "show_cancelled!",
                  b.customer_id as "customer_id: AccountId", b.currency,
                  p.amount_minor as "paid_minor?", p.updated_at as "paid_at?",
                  (select c.rest_minor from cancellations c where c.booking_id = b.booking_id
                    order by c.created_at desc limit 1) as "last_rest?",
                  coalesce(array(select seat_label from booking_seats bs
                                  where bs.booking_id = b.booking_id and bs.cancelled_at is null
                                  order by seat_label), '{}') as "active!"
             from bookings b join shows s using (show_id)
             left join payments p on p.booking_id = b.booking_id and p.status = 'succeeded'
            where b.booking_id = $1"#,
        booking.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Cancellable {
        booking_id: BookingId::from_uuid(r.booking_id),
        show_id: r.show_id,
        status: r.status,
        starts_at: r.starts_at,
        show_cancelled: r.show_cancelled,
        customer_id: r.customer_id,
        paid_minor: r.paid_minor,
        paid_at: r.paid_at,
        currency: r.currency,
        current_minor: r.last_rest.or(r.paid_minor).unwrap_or(0),
        active: r.active,
    }))
}

/// A cancellation to apply.
#[derive(Clone, Debug)]
pub struct NewCancellation<'a> {
    /// Its id (the workflow id is `cancellation-{id}`).
    pub cancellation_id: Uuid,
    /// The booking.
    pub booking_id: BookingId,
    /// The seats cancelled.
    pub seats: &'a [String],
    /// Whether they are all the booking has left.
    pub whole: bool,
    /// `customer`, `partner`, `admin` or `theater`.
    pub actor_role: &'a str,
    /// Who, when a person.
    pub actor_id: Option<AccountId>,
    /// Why (ids and facts only).
    pub reason: &'a str,
    /// What it gives back.
    pub quote: RefundQuote,
    /// The currency.
    pub currency: &'a str,
    /// The priced lines of the seats that stay (a partial cancellation).
    pub rest_quote: Option<&'a mtbp_domain::pricing::quote::Quote>,
}

/// A recorded cancellation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cancellation {
    /// Its id.
    pub cancellation_id: Uuid,
    /// The booking.
    pub booking_id: BookingId,
    /// Seats cancelled.
    pub seats: Vec<String>,
    /// Whether it cancelled what was left of the booking.
    pub whole: bool,
    /// Who asked: `customer`, `partner`, `admin` or `theater`.
    pub actor_role: String,
    /// Their account.
    pub actor_id: Option<AccountId>,
    /// Why.
    pub reason: String,
    /// The quote it was applied with.
    pub quote: RefundQuote,
    /// The currency.
    pub currency: String,
    /// `applied`, `refunded` or `done`.
    pub status: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// How applying a cancellation went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Applied now, or earlier under the same id.
    Applied(Box<Cancellation>),
    /// The booking changed since the quote (a seat already cancelled, another cancellation in
    /// between, not a paid booking any more): nothing was done.
    Stale(String),
}

macro_rules! cancellation_row {
    ($r:expr) => {
        Cancellation {
            cancellation_id: $r.cancellation_id,
            booking_id: BookingId::from_uuid($r.booking_id),
            seats: $r.seats,
            whole: $r.whole,
            actor_role: $r.actor_role,
            actor_id: $r.actor_id.map(AccountId::from_uuid),
            reason: $r.reason,
            quote: RefundQuote {
                current_minor: $r.paid_minor,
                rest_minor: $r.rest_minor,
                fee_minor: $r.fee_minor,
                refund_minor: $r.refund_minor,
                fee_bp: $r.fee_bp.and_then(|b: i32| u32::try_from(b).ok()),
            },
            currency: $r.currency,
            status: $r.status,
            created_at: $r.created_at,
        }
    };
}

/// The cancellation `id`, if recorded.
pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Cancellation>> {
    let row = sqlx::query!(
        "select cancellation_id, booking_id, seats, whole, actor_role, actor_id, reason,
                paid_minor, rest_minor, fee_minor, refund_minor, fee_bp, currency, status,
                created_at
           from cancellations where cancellation_id = $1",
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| cancellation_row!(r)))
}

/// The cancellations of `booking`, oldest first.
pub async fn of_booking(db: &PgPool, booking: BookingId) -> sqlx::Result<Vec<Cancellation>> {
    let rows = sqlx::query!(
        "select cancellation_id, booking_id, seats, whole, actor_role, actor_id, reason,
                paid_minor, rest_minor, fee_minor, refund_minor, fee_bp, currency, status,
                created_at
           from cancellations where booking_id = $1 order by created_at",
        booking.as_uuid(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| cancellation_row!(r)).collect())
}

/// Paid statuses a cancellation applies to.
const PAID: &[&str] = &["BookingCompleted", "Invoiced", "SettlementDone"];

/// Applies a cancellation once: records it, marks its seats cancelled on the booking, gives
/// them back to sale (kept blocked on a cancelled show), and closes the booking when it is
/// whole. A second call with the same id answers the first one's record.
pub async fn apply(db: &PgPool, new: &NewCancellation<'_>) -> sqlx::Result<Applied> {
    let mut tx = db.begin().await?;
    // The booking's row lock orders cancellations of one booking.
    let status = sqlx::query_scalar!(
        "select status from bookings where booking_id = $1 for update",
        new.booking_id.as_uuid(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(done) = get(&mut *tx, new.cancellation_id).await? {
        tx.rollback().await?;
        return Ok(Applied::Applied(Box::new(done)));
    }
    let Some(status) = status else {
        return Ok(Applied::Stale("no such booking".into()));
    };
    if !PAID.contains(&status.as_str()) {
        return Ok(Applied::Stale(format!("the booking is {status}, not paid")));
    }
    let Some(now) = cancellable(&mut *tx, new.booking_id).await? else {
        return Ok(Applied::Stale("no such booking".into()));
    };
    let all_active = new
        .seats
        .iter()
        .all(|s| now.active.iter().any(|a| a.eq_ignore_ascii_case(s)));
    if !all_active || new.seats.is_empty() {
        return Ok(Applied::Stale(
            "a seat named is not on the booking any more".into(),
        ));
    }
    if now.current_minor != new.quote.current_minor {
        return Ok(Applied::Stale(
            "another cancellation changed the booking since the quote".into(),
        ));
    }
    let whole = now.active.len() == new.seats.len();
    if whole != new.whole {
        return Ok(Applied::Stale(
            "the booking's seats changed since the quote".into(),
        ));
    }
    let row = sqlx::query!(
        "insert into cancellations (cancellation_id, booking_id, seats, whole, actor_role,
                                    actor_id, reason, paid_minor, rest_minor, fee_minor,
                                    refund_minor, currency, fee_bp, rest_quote)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         returning cancellation_id, booking_id, seats, whole, actor_role, actor_id, reason,
                   paid_minor, rest_minor, fee_minor, refund_minor, fee_bp, currency, status,
                   created_at",
        new.cancellation_id,
        new.booking_id.as_uuid(),
        new.seats,
        whole,
        new.actor_role,
        new.actor_id.map(|a| a.as_uuid()),
        new.reason,
        new.quote.current_minor,
        new.quote.rest_minor,
        new.quote.fee_minor,
        new.quote.refund_minor,
        new.currency,
        new.quote.fee_bp.and_then(|b| i32::try_from(b).ok()),
        new.rest_quote.map(sqlx::types::Json) as _,
    )
    .fetch_one(&mut *tx)
    .await?;
    let upper: Vec<String> = new.seats.iter().map(|s| s.to_uppercase()).collect();
    sqlx::query!(
        "update booking_seats set cancelled_at = now(), cancellation_id = $3
          where booking_id = $1 and upper(seat_label) = any($2) and cancelled_at is null",
        new.booking_id.as_uuid(),
        &upper,
        new.cancellation_id,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update show_seats
            set status = case when $3 then 'blocked'
                              when platform then 'platform_reserved' else 'free' end,
                booking_id = null, held_until = null, updated_at = now()
          where booking_id = $1 and upper(seat_label) = any($2) and status = 'booked'",
        new.booking_id.as_uuid(),
        &upper,
        now.show_cancelled,
    )
    .execute(&mut *tx)
    .await?;
    if whole {
        sqlx::query!(
            "update bookings set status = 'Cancelled', status_reason = $2,
                                 closed_at = coalesce(closed_at, now())
              where booking_id = $1",
            new.booking_id.as_uuid(),
            new.reason,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Applied::Applied(Box::new(cancellation_row!(row))))
}

/// Records that the cancellation's refund went through (or that there was nothing to give
/// back); a whole cancellation that gave money back leaves the booking `Refunded`.
pub async fn mark_refunded(db: &PgPool, id: Uuid, refund_id: Option<Uuid>) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let row = sqlx::query!(
        "update cancellations set status = 'refunded', refund_id = coalesce(refund_id, $2)
          where cancellation_id = $1 and status = 'applied'
      returning booking_id, whole, refund_minor",
        id,
        refund_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(r) = row
        && r.whole
        && r.refund_minor > 0
    {
        sqlx::query!(
            "update bookings set status = 'Refunded' where booking_id = $1 and status = 'Cancelled'",
            r.booking_id,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Records that the customer and the theater were told: the cancellation is done.
pub async fn mark_done(db: &PgPool, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update cancellations set status = 'done' where cancellation_id = $1 and status <> 'done'",
        id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Starts cancelling a show with bookings, once: the show is marked cancelled (no hold lands
/// on it any more, its screen time is free), its free seats blocked, and its record opened.
pub async fn close_show(
    db: &PgPool,
    show: ShowId,
    actor_role: &str,
    actor_id: Option<AccountId>,
    reason: &str,
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    // The seat rows' locks keep a hold from slipping in between.
    sqlx::query!(
        "select 1 as one from show_seats where show_id = $1 for update",
        show as ShowId
    )
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query!(
        "update show_seats set status = 'blocked', updated_at = now()
          where show_id = $1 and status in ('free', 'platform_reserved')",
        show as ShowId,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update shows set status = 'cancelled' where show_id = $1 and status <> 'cancelled'",
        show as ShowId,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into show_cancellations (show_id, actor_role, actor_id, reason)
         values ($1, $2, $3, $4) on conflict (show_id) do nothing",
        show as ShowId,
        actor_role,
        actor_id.map(|a| a.as_uuid()),
        reason,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The bookings of a cancelled show still to deal with.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShowBookings {
    /// Paid bookings with seats still on them, oldest first (at most the limit asked).
    pub paid: Vec<BookingId>,
    /// Bookings still holding seats or being paid for (their sagas are cancelled).
    pub unpaid: Vec<BookingId>,
    /// Bookings of the show that were paid at some point.
    pub total: i64,
    /// Of those, how many are cancelled or refunded.
    pub done: i64,
    /// What went back so far, minor units.
    pub refunded_minor: i64,
}

/// The show's bookings still to cancel, and its progress (recorded on its record too).
pub async fn show_bookings(db: &PgPool, show: ShowId, limit: i64) -> sqlx::Result<ShowBookings> {
    let paid = sqlx::query_scalar!(
        r#"select b.booking_id as "id!" from bookings b
            where b.show_id = $1 and b.status in ('BookingCompleted', 'Invoiced', 'SettlementDone')
              and exists (select 1 from booking_seats s
                           where s.booking_id = b.booking_id and s.cancelled_at is null)
            order by b.created_at limit $2"#,
        show as ShowId,
        limit,
    )
    .fetch_all(db)
    .await?;
    let unpaid = sqlx::query_scalar!(
        r#"select b.booking_id as "id!" from bookings b
            where b.show_id = $1
              and b.status in ('PreBooking', 'PaymentInitiated', 'PaymentCompleted')
            order by b.created_at limit $2"#,
        show as ShowId,
        limit,
    )
    .fetch_all(db)
    .await?;
    let progress = sqlx::query!(
        r#"with counts as (
               select count(*) filter (where exists (select 1 from payments p
                                        where p.booking_id = b.booking_id
                                          and p.status = 'succeeded')) as total,
                      count(*) filter (where b.status in ('Cancelled', 'Refunded')
                                         and exists (select 1 from cancellations c
                                                      where c.booking_id = b.booking_id
                                                        and c.status = 'done')) as done,
                      coalesce((select sum(r.amount_minor) from refunds r
                                  join bookings bb on bb.booking_id = r.booking_id
                                 where bb.show_id = $1), 0)::bigint as refunded
                 from bookings b where b.show_id = $1)
           update show_cancellations sc
              set bookings_total = counts.total, bookings_done = counts.done,
                  refunded_minor = counts.refunded
             from counts where sc.show_id = $1
           returning counts.total as "total!", counts.done as "done!",
                     counts.refunded as "refunded!""#,
        show as ShowId,
    )
    .fetch_optional(db)
    .await?;
    let (total, done, refunded_minor) =
        progress.map_or((0, 0, 0), |p| (p.total, p.done, p.refunded));
    Ok(ShowBookings {
        paid: paid.into_iter().map(BookingId::from_uuid).collect(),
        unpaid: unpaid.into_iter().map(BookingId::from_uuid).collect(),
        total,
        done,
        refunded_minor,
    })
}

/// Closes the show's cancellation record.
pub async fn finish_show(db: &PgPool, show: ShowId) -> sqlx::Result<()> {
    sqlx::query!(
        "update show_cancellations set status = 'done', finished_at = coalesce(finished_at, now())
          where show_id = $1",
        show as ShowId,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A show's cancellation record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShowCancellation {
    /// `running` or `done`.
    pub status: String,
    /// Who: `partner` or `admin`.
    pub actor_role: String,
    /// Why.
    pub reason: String,
    /// Bookings paid for the show.
    pub bookings_total: i32,
    /// Of those, cancelled and refunded.
    pub bookings_done: i32,
    /// What went back.
    pub refunded_minor: i64,
    /// When it began.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// The show's cancellation record, if it has one.
pub async fn show_cancellation(
    db: &PgPool,
    show: ShowId,
) -> sqlx::Result<Option<ShowCancellation>> {
    sqlx::query_as!(
        ShowCancellation,
        "select status, actor_role, reason, bookings_total, bookings_done, refunded_minor,
                started_at, finished_at
           from show_cancellations where show_id = $1",
        show as ShowId,
    )
    .fetch_optional(db)
    .await
}

/// Quotes cancelling `seats` (all when `None`) of a paid booking at `now`. An operator, a
/// partner cancelling the show and a theater that refused waive the policy: everything back.
pub async fn quote(
    db: &PgPool,
    rules: &PricingRules,
    booking_id: BookingId,
    seats: Option<&[String]>,
    actor: Actor,
    now: DateTime<Utc>,
) -> sqlx::Result<Result<Planned, Unquoted>> {
    let Some(b) = cancellable(db, booking_id).await? else {
        return Ok(Err(Unquoted::NotFound));
    };
    if !matches!(
        b.status.as_str(),
        "BookingCompleted" | "Invoiced" | "SettlementDone"
    ) {
        return Ok(Err(Unquoted::NotPaid(b.status)));
    }
    let mut chosen: Vec<String> = Vec::new();
    for s in seats.unwrap_or(&b.active) {
        let Some(label) = b.active.iter().find(|a| a.eq_ignore_ascii_case(s.trim())) else {
            return Ok(Err(Unquoted::NotOnBooking(s.trim().to_owned())));
        };
        if !chosen.contains(label) {
            chosen.push(label.clone());
        }
    }
    chosen.sort();
    if chosen.is_empty() {
        return Ok(Err(Unquoted::NotOnBooking(String::new())));
    }
    let whole = chosen.len() == b.active.len();
    let waived = actor != Actor::Customer || b.show_cancelled;
    let terms = crate::theaters::show_terms(db, b.show_id).await?;
    let policy = terms.map(|t| t.policy).unwrap_or_default();
    if !whole && !waived && !policy.partial_cancellation {
        return Ok(Err(Unquoted::PartialNotAllowed));
    }
    let fee_bp = if waived {
        None
    } else {
        let before = (b.starts_at - now).num_seconds();
        match policy.fee_bp_at(before) {
            Some(bp) => Some(bp),
            None => {
                let last = policy
                    .refund_windows
                    .iter()
                    .map(|w| w.hours_before)
                    .min()
                    .map_or_else(
                        || "never (no refund windows)".to_owned(),
                        |h| format!("{h} h before the show"),
                    );
                return Ok(Err(Unquoted::TooLate(last)));
            }
        }
    };
    let (rest, rest_quote) = if whole {
        (0, None)
    } else {
        let keep: Vec<String> = b
            .active
            .iter()
            .filter(|a| !chosen.contains(a))
            .cloned()
            .collect();
        let at = b.paid_at.unwrap_or(now);
        match crate::pricing::reprice_rest(db, rules, booking_id, &keep, at).await? {
            Ok(r) => (r.quote.total().amount_minor, Some(r.quote)),
            Err(e) => return Ok(Err(Unquoted::Unpriced(format!("{e:?}")))),
        }
    };
    Ok(Ok(Planned {
        booking_id,
        show_id: b.show_id,
        seats: chosen,
        whole,
        quote: RefundQuote::new(b.current_minor, rest, fee_bp),
        currency: b.currency,
        rest_quote,
    }))
}

/// What cancellation `id` applied, as a plan; `None` until it is applied. Planning a
/// cancellation again after its apply committed (a worker killed before its workflow task
/// completed) answers this, not a refusal of a booking it already cancelled.
pub async fn applied_plan(db: &PgPool, id: Uuid) -> sqlx::Result<Option<Planned>> {
    let Some(done) = get(db, id).await? else {
        return Ok(None);
    };
    let Some(booking) = cancellable(db, done.booking_id).await? else {
        return Ok(None);
    };
    Ok(Some(Planned {
        booking_id: done.booking_id,
        show_id: booking.show_id,
        seats: done.seats,
        whole: done.whole,
        quote: done.quote,
        currency: done.currency,
        // Applied already: the rest's lines are in the cancellation's row.
        rest_quote: None,
    }))
}
