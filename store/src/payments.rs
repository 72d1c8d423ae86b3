//! Payments at the gateway (`payments`, `refunds`): the intent recorded before it is
//! confirmed, the gateway's answer, and the refund.
//!
//! An outcome once recorded stays: a late attempt can neither turn a success into a decline nor
//! touch a cancelled payment.

use mtbp_domain::{AccountId, BookingId, Currency, Money, PaymentId, PaymentStatus};
use sqlx::PgPool;

/// The payment intent recorded for the booking, if any.
pub async fn recorded_intent(db: &PgPool, booking_id: BookingId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "select gateway_payment_id from payments where booking_id = $1",
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}

/// Records a new intent as the booking's payment (`created`); if one is recorded already,
/// that one wins. Returns the booking's intent id.
pub async fn record_intent(
    db: &PgPool,
    booking_id: BookingId,
    gateway: &str,
    intent_id: &str,
    amount: &Money,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "insert into payments (booking_id, gateway, gateway_payment_id, amount_minor, currency, status)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (booking_id) do update set updated_at = now()
         returning gateway_payment_id",
        booking_id.as_uuid(),
        gateway,
        intent_id,
        amount.amount_minor,
        amount.currency.as_str(),
        PaymentStatus::Created.as_str(),
    )
    .fetch_optional(db)
    .await
}

/// Records the gateway's answer to a charge (`succeeded` or `failed`); a success moves the
/// booking to `PaymentCompleted`. Only the gateway's own success may replace a decline recorded
/// from an earlier read.
pub async fn record_charge(
    db: &PgPool,
    booking_id: BookingId,
    intent_id: &str,
    status: PaymentStatus,
    failure_code: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "with p as (
             update payments set status = $3, failure_code = $4
              where booking_id = $1 and gateway_payment_id = $2
                and (status = 'created' or (status = 'failed' and $3 = 'succeeded'))
          returning 1)
         update bookings set status = 'PaymentCompleted'
          where booking_id = $1 and $3 = 'succeeded' and status = 'PaymentInitiated'
            and exists (select 1 from p)",
        booking_id.as_uuid(),
        intent_id,
        status.as_str(),
        failure_code,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A booking's payment as the refund sees it.
#[derive(Clone, Debug)]
pub struct RecordedPayment {
    /// The payment row.
    pub payment_id: PaymentId,
    /// The gateway's intent.
    pub gateway_payment_id: String,
    /// The currency charged; a refund gives back in the same currency.
    pub currency: Currency,
    /// The refund already made, if any.
    pub refund: Option<RecordedRefund>,
}

/// A refund already recorded for a payment.
#[derive(Clone, Debug)]
pub struct RecordedRefund {
    /// The gateway's refund id.
    pub gateway_refund_id: String,
    /// What went back.
    pub amount: Money,
}

/// One row of [`recorded_payment`].
struct PaymentRow {
    payment_id: PaymentId,
    gateway_payment_id: String,
    currency: Currency,
    gateway_refund_id: Option<String>,
    refunded_minor: Option<i64>,
}

/// The booking's payment with its refund, if a payment was recorded.
pub async fn recorded_payment(
    db: &PgPool,
    booking_id: BookingId,
) -> sqlx::Result<Option<RecordedPayment>> {
    let row = sqlx::query_as!(
        PaymentRow,
        r#"select p.payment_id as "payment_id: PaymentId", p.gateway_payment_id,
                  p.currency as "currency: Currency",
                  r.gateway_refund_id as "gateway_refund_id?",
                  r.amount_minor as "refunded_minor?"
             from payments p
             left join refunds r on r.payment_id = p.payment_id and r.refund_key = 'full'
            where p.booking_id = $1"#,
        booking_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let refund =
            r.gateway_refund_id
                .zip(r.refunded_minor)
                .map(|(gateway_refund_id, amount_minor)| RecordedRefund {
                    gateway_refund_id,
                    amount: Money {
                        amount_minor,
                        currency: r.currency.clone(),
                    },
                });
        RecordedPayment {
            payment_id: r.payment_id,
            gateway_payment_id: r.gateway_payment_id,
            currency: r.currency,
            refund,
        }
    }))
}

/// The intent was cancelled before any money moved.
pub async fn record_cancelled(db: &PgPool, payment_id: PaymentId) -> sqlx::Result<()> {
    sqlx::query!(
        "update payments set status = $2
          where payment_id = $1 and status in ('created', 'failed')",
        payment_id.as_uuid(),
        PaymentStatus::Cancelled.as_str(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A refund the gateway made for a payment; recorded once.
#[derive(Clone, Copy, Debug)]
pub struct NewRefund<'a> {
    /// The payment refunded.
    pub payment_id: PaymentId,
    /// Its booking.
    pub booking_id: BookingId,
    /// The gateway's refund id.
    pub gateway_refund_id: &'a str,
    /// Amount in minor units of the payment's currency (the row keeps no currency of its own).
    pub amount_minor: i64,
    /// Why.
    pub reason: &'a str,
    /// Which refund of the payment this is: `full` for the saga's compensation, a
    /// cancellation's id otherwise. A key refunds once.
    pub refund_key: &'a str,
}

/// Records the refund, unless one is recorded under its key already; the row's id.
pub async fn record_refund(db: &PgPool, refund: NewRefund<'_>) -> sqlx::Result<uuid::Uuid> {
    sqlx::query_scalar!(
        r#"with ins as (
               insert into refunds (payment_id, booking_id, gateway_refund_id, amount_minor,
                                    reason, refund_key)
               values ($1, $2, $3, $4, $5, $6)
               on conflict (payment_id, refund_key) do nothing
            returning refund_id)
           select refund_id as "refund_id!" from ins
           union all
           select refund_id from refunds where payment_id = $1 and refund_key = $6
           limit 1"#,
        refund.payment_id.as_uuid(),
        refund.booking_id.as_uuid(),
        refund.gateway_refund_id,
        refund.amount_minor,
        refund.reason,
        refund.refund_key,
    )
    .fetch_one(db)
    .await
}

/// What has gone back of a booking's payment, under every key.
pub async fn refunded_minor(db: &PgPool, booking_id: BookingId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select coalesce(sum(amount_minor), 0)::bigint as "sum!" from refunds
            where booking_id = $1"#,
        booking_id.as_uuid(),
    )
    .fetch_one(db)
    .await
}

/// The gateway customer an account's saved payment methods belong to, if it has one.
pub async fn gateway_customer_of(db: &PgPool, account: AccountId) -> sqlx::Result<Option<String>> {
    let id = sqlx::query_scalar!(
        "select gateway_customer_id from accounts where account_id = $1",
        account.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(id.flatten())
}
