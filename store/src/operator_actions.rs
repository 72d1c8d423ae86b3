//! Operator actions on bookings (`operator_actions`): the audit of who did what, when and why,
//! and the rows `GET /admin/bookings/{id}` joins with the saga's timeline.

use mtbp_domain::{AccountId, BookingId};
use serde_json::Value;
use uuid::Uuid;

/// One recorded action.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ActionRecord {
    /// The action's id.
    pub action_id: Uuid,
    /// `retry`, `force_expire`, `cancel`…
    pub action: String,
    /// The operator's account.
    pub operator_id: Uuid,
    /// Why, in the operator's words.
    pub note: String,
    /// The action's parameters.
    pub detail: Value,
    /// When it was asked for.
    pub requested_at: chrono::DateTime<chrono::Utc>,
    /// When it answered, if it has.
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `done`, `refused` or `failed`; `None` while under way (or cut short).
    pub outcome: Option<String>,
    /// What the saga answered.
    pub answer: Option<String>,
}

/// Records an action as asked for, before it goes to the booking's workflow.
pub async fn begin(
    db: &sqlx::PgPool,
    booking_id: BookingId,
    operator_id: AccountId,
    action: &str,
    note: &str,
    detail: &Value,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into operator_actions (action_id, booking_id, operator_id, action, note, detail)
         values ($1, $2, $3, $4, $5, $6)",
        id,
        booking_id.as_uuid(),
        operator_id.as_uuid(),
        action,
        note,
        detail,
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// Settles an action with its outcome and the saga's answer.
pub async fn finish(
    db: &sqlx::PgPool,
    action_id: Uuid,
    outcome: &str,
    answer: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update operator_actions set finished_at = now(), outcome = $2, answer = $3
          where action_id = $1 and finished_at is null",
        action_id,
        outcome,
        answer.chars().take(1000).collect::<String>(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A booking's actions, oldest first.
pub async fn of_booking(
    db: &sqlx::PgPool,
    booking_id: BookingId,
) -> sqlx::Result<Vec<ActionRecord>> {
    sqlx::query_as!(
        ActionRecord,
        "select action_id, action, operator_id, note, detail, requested_at, finished_at, outcome,
                answer
           from operator_actions where booking_id = $1 order by requested_at, action_id",
        booking_id.as_uuid(),
    )
    .fetch_all(db)
    .await
}

/// What the database holds of a booking beside its row, for operators: payments and refunds
/// (gateway references, never card data), invoices and credit notes (numbers, not documents),
/// notifications (status per channel, never the address), the theater's answer, and
/// cancellations. Each a JSON array (an object for the theater's answer).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct BookingRecords {
    /// `payments` rows.
    pub payments: Value,
    /// `refunds` rows.
    pub refunds: Value,
    /// `invoices` rows without their document.
    pub invoices: Value,
    /// `notifications` rows.
    pub notifications: Value,
    /// The `theater_shares` row, if the booking has one.
    pub theater: Value,
    /// `cancellations` rows.
    pub cancellations: Value,
}

/// Reads [`BookingRecords`] in one statement.
pub async fn records(db: &sqlx::PgPool, booking_id: BookingId) -> sqlx::Result<BookingRecords> {
    let row = sqlx::query!(
        r#"select
             (select coalesce(jsonb_agg(jsonb_build_object(
                  'gateway', p.gateway, 'gateway_payment_id', p.gateway_payment_id,
                  'amount_minor', p.amount_minor, 'currency', p.currency, 'status', p.status,
                  'failure_code', p.failure_code, 'created_at', p.created_at,
                  'updated_at', p.updated_at) order by p.created_at), '[]')
                from payments p where p.booking_id = $1) as "payments!",
             (select coalesce(jsonb_agg(jsonb_build_object(
                  'gateway_refund_id', r.gateway_refund_id, 'amount_minor', r.amount_minor,
                  'reason', r.reason, 'refund_key', r.refund_key, 'created_at', r.created_at)
                  order by r.created_at), '[]')
                from refunds r where r.booking_id = $1) as "refunds!",
             (select coalesce(jsonb_agg(jsonb_build_object(
                  'invoice_id', i.invoice_id, 'number', i.number, 'kind', i.kind,
                  'issuer', i.issuer, 'issuer_role', i.issuer_role, 'refers_to', i.refers_to)
                  order by i.number), '[]')
                from invoices i where i.booking_id = $1) as "invoices!",
             (select coalesce(jsonb_agg(jsonb_build_object(
                  'kind', n.kind, 'channel', n.channel, 'status', n.status,
                  'attempts', n.attempts, 'last_error', n.last_error, 'template', n.template,
                  'sent_at', n.sent_at, 'updated_at', n.updated_at)
                  order by n.created_at, n.channel), '[]')
                from notifications n where n.booking_id = $1) as "notifications!",
             (select coalesce(jsonb_build_object(
                  'model', t.model, 'status', t.status, 'sale_id', t.sale_id,
                  'attempts', t.attempts, 'last_error', t.last_error, 'shared_at', t.shared_at,
                  'updated_at', t.updated_at), 'null')
                from theater_shares t where t.booking_id = $1) as "theater",
             (select coalesce(jsonb_agg(to_jsonb(c) - 'rest_quote' order by c.created_at), '[]')
                from cancellations c where c.booking_id = $1) as "cancellations!""#,
        booking_id.as_uuid(),
    )
    .fetch_one(db)
    .await?;
    Ok(BookingRecords {
        payments: row.payments,
        refunds: row.refunds,
        invoices: row.invoices,
        notifications: row.notifications,
        theater: row.theater.unwrap_or(Value::Null),
        cancellations: row.cancellations,
    })
}

/// The figures the worker's gauges show, read in one statement (each on an index).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Gauges {
    /// Seconds since the oldest booking in each non-terminal status last changed.
    pub oldest_pre_booking: f64,
    /// …in `PaymentInitiated` (a payment without an outcome).
    pub oldest_payment_initiated: f64,
    /// …in `PaymentCompleted` (a confirm that did not happen).
    pub oldest_payment_completed: f64,
    /// …in `BookingCompleted` (an invoice not issued yet).
    pub oldest_booking_completed: f64,
    /// …in `Invoiced` (waiting for the theater's settlement: days, by design).
    pub oldest_invoiced: f64,
    /// Holds expired over two minutes ago, still `PreBooking`.
    pub holds_past_expiry: i64,
    /// Bookings flagged for an operator.
    pub needing_operator: i64,
    /// Events not yet relayed.
    pub outbox_pending: i64,
    /// Seconds since the oldest of them occurred.
    pub outbox_lag: f64,
    /// Settlements in status `failed`.
    pub settlements_failed: i64,
    /// Cancellations applied over ten minutes ago whose refund has not gone through.
    pub refunds_owed: i64,
}

/// Reads [`Gauges`].
pub async fn gauges(db: &sqlx::PgPool) -> sqlx::Result<Gauges> {
    let row = sqlx::query!(
        r#"select
             (select extract(epoch from now() - min(updated_at))::float8 from bookings
               where status = 'PreBooking') as "pre",
             (select extract(epoch from now() - min(updated_at))::float8 from bookings
               where status = 'PaymentInitiated') as "initiated",
             (select extract(epoch from now() - min(updated_at))::float8 from bookings
               where status = 'PaymentCompleted') as "completed",
             (select extract(epoch from now() - min(updated_at))::float8 from bookings
               where status = 'BookingCompleted') as "booked",
             (select extract(epoch from now() - min(updated_at))::float8 from bookings
               where status = 'Invoiced') as "invoiced",
             (select count(*) from bookings where status = 'PreBooking'
               and hold_expires_at < now() - interval '2 minutes') as "past_expiry!",
             (select count(*) from bookings where needs_operator is not null) as "flagged!",
             (select count(*) from events where published_at is null) as "pending!",
             (select extract(epoch from now() - min(occurred_at))::float8 from events
               where published_at is null) as "lag",
             (select count(*) from settlements where status = 'failed') as "failed!",
             (select count(*) from cancellations where status = 'applied'
               and updated_at < now() - interval '10 minutes') as "owed!""#,
    )
    .fetch_one(db)
    .await?;
    Ok(Gauges {
        oldest_pre_booking: row.pre.unwrap_or(0.0),
        oldest_payment_initiated: row.initiated.unwrap_or(0.0),
        oldest_payment_completed: row.completed.unwrap_or(0.0),
        oldest_booking_completed: row.booked.unwrap_or(0.0),
        oldest_invoiced: row.invoiced.unwrap_or(0.0),
        holds_past_expiry: row.past_expiry,
        needing_operator: row.flagged,
        outbox_pending: row.pending,
        outbox_lag: row.lag.unwrap_or(0.0),
        settlements_failed: row.failed,
        refunds_owed: row.owed,
    })
}

/// The booking's cancellations whose refund has not gone through (status `applied`), newest
/// first: an operator's retry or resolve goes to their workflows.
pub async fn unrefunded_cancellations(
    db: &sqlx::PgPool,
    booking_id: BookingId,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"select cancellation_id as "id!" from cancellations
            where booking_id = $1 and status = 'applied' order by created_at desc"#,
        booking_id.as_uuid(),
    )
    .fetch_all(db)
    .await
}
