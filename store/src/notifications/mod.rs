//! Notification records (`notifications`): one row per message a booking or an announcement
//! sends on a channel, claimed before the message goes out and settled after.
//!
//! **At most once.** [`claim`] moves a row to `sending` only from `pending` or `failed` (a
//! definite failure: nothing was delivered), in one conditional update, so two attempts never
//! both send. A row found `sending` belongs to an attempt that died (or timed out) while it was
//! sending: whether the provider has the message is unknown, so [`claim`] settles it `unknown`
//! and it is never sent again. `sent`, `skipped` and `unknown` are final.
//!
//! [`recipients`] reads who a booking's messages go to and what they consented to;
//! [`audience`] pages the subscribers an announcement goes to.

pub mod audience;
pub mod recipients;

use mtbp_domain::{BookingId, Channel, NotificationKind, NotificationStatus, SubscriptionId};
use sqlx::PgExecutor;
use uuid::Uuid;

/// What a notification is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A booking's message of this kind.
    Booking(BookingId, NotificationKind),
    /// An announcement (`{movie_id}:{city}`) to one subscription.
    Announcement {
        /// The announcement's key.
        key: String,
        /// The subscriber's subscription.
        subscription_id: SubscriptionId,
    },
}

/// The outcome of [`claim`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This attempt owns the row and sends now (the `attempts`-th try).
    Send {
        /// The row.
        notification_id: Uuid,
        /// Attempts so far, this one included.
        attempts: i32,
    },
    /// Nothing to send: the row is settled (`sent`, `skipped` or `unknown`).
    Settled(NotificationStatus),
}

/// Records the notification if it is new, then claims it for sending (see the module doc).
pub async fn claim(db: &sqlx::PgPool, subject: &Subject, channel: Channel) -> sqlx::Result<Claim> {
    let id = insert(db, subject, channel).await?;
    let claimed = sqlx::query!(
        "update notifications set status = 'sending', attempts = attempts + 1,
                claimed_at = now(), last_error = null
          where notification_id = $1 and status in ('pending', 'failed')
          returning attempts",
        id,
    )
    .fetch_optional(db)
    .await?;
    if let Some(row) = claimed {
        return Ok(Claim::Send {
            notification_id: id,
            attempts: row.attempts,
        });
    }
    // Another attempt was sending it and never said how it went: it may have been delivered.
    let row = sqlx::query!(
        "update notifications
            set status = case when status = 'sending' then 'unknown' else status end,
                last_error = case when status = 'sending'
                                  then 'an attempt ended while sending' else last_error end
          where notification_id = $1
          returning status",
        id,
    )
    .fetch_one(db)
    .await?;
    let status = NotificationStatus::parse(&row.status).unwrap_or(NotificationStatus::Unknown);
    Ok(Claim::Settled(status))
}

/// The row of `subject` on `channel`, made `pending` if there was none. (`do update`, a no-op,
/// so the existing row's id comes back too.)
async fn insert(db: &sqlx::PgPool, subject: &Subject, channel: Channel) -> sqlx::Result<Uuid> {
    match subject {
        Subject::Booking(booking, kind) => {
            sqlx::query_scalar!(
                "insert into notifications (booking_id, kind, channel) values ($1, $2, $3)
                 on conflict (booking_id, kind, channel) where booking_id is not null
                    do update set kind = excluded.kind
                 returning notification_id",
                booking.as_uuid(),
                kind.as_str(),
                channel.as_str(),
            )
            .fetch_one(db)
            .await
        }
        Subject::Announcement {
            key,
            subscription_id,
        } => {
            sqlx::query_scalar!(
                "insert into notifications (announcement_key, subscription_id, kind, channel)
                 values ($1, $2, 'announcement', $3)
                 on conflict (announcement_key, subscription_id, channel)
                    where announcement_key is not null
                    do update set kind = excluded.kind
                 returning notification_id",
                key,
                subscription_id.as_uuid(),
                channel.as_str(),
            )
            .fetch_one(db)
            .await
        }
    }
}

/// How a claimed send ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settle {
    /// Delivered to the provider, with its id for the message.
    Sent {
        /// The template rendered.
        template: String,
        /// The provider's id.
        provider_id: String,
    },
    /// Nothing delivered; the next attempt tries again.
    Failed(String),
    /// The provider may have it: never sent again.
    Unknown(String),
    /// Not sent on purpose (no consent, no address, no sender for the channel).
    Skipped(String),
}

/// How long a message's attempt took, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendTiming {
    /// Composing it: templates, the QR code, reading the attached invoice.
    pub compose_ms: i32,
    /// Handing it to the provider (SMTP, SNS).
    pub send_ms: i32,
}

/// Settles a claimed row (only while it is still `sending`), or records a skip.
pub async fn settle(
    db: impl PgExecutor<'_>,
    notification_id: Uuid,
    outcome: &Settle,
) -> sqlx::Result<()> {
    settle_timed(db, notification_id, outcome, None).await
}

/// [`settle`], keeping what the attempt that sent it took.
pub async fn settle_timed(
    db: impl PgExecutor<'_>,
    notification_id: Uuid,
    outcome: &Settle,
    timing: Option<SendTiming>,
) -> sqlx::Result<()> {
    let (status, template, provider, error) = match outcome {
        Settle::Sent {
            template,
            provider_id,
        } => (
            NotificationStatus::Sent,
            Some(template.as_str()),
            Some(provider_id.as_str()),
            None,
        ),
        Settle::Failed(e) => (NotificationStatus::Failed, None, None, Some(e.as_str())),
        Settle::Unknown(e) => (NotificationStatus::Unknown, None, None, Some(e.as_str())),
        Settle::Skipped(why) => (NotificationStatus::Skipped, None, None, Some(why.as_str())),
    };
    sqlx::query!(
        "update notifications
            set status = $2, template = coalesce($3, template), provider_id = $4,
                last_error = $5,
                sent_at = case when $2 = 'sent' then now() else sent_at end,
                compose_ms = coalesce($6, compose_ms), send_ms = coalesce($7, send_ms)
          where notification_id = $1 and status in ('sending', 'pending', 'failed')",
        notification_id,
        status.as_str(),
        template,
        provider,
        error,
        timing.map(|t| t.compose_ms),
        timing.map(|t| t.send_ms),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A notification's record, for operators and tests.
#[derive(Clone, Debug)]
pub struct NotificationRecord {
    /// The row.
    pub notification_id: Uuid,
    /// Its kind's stored name.
    pub kind: String,
    /// Its channel's stored name.
    pub channel: String,
    /// The template rendered.
    pub template: Option<String>,
    /// Its status's stored name.
    pub status: String,
    /// Attempts at sending it.
    pub attempts: i32,
    /// The last failure (or why it was skipped).
    pub last_error: Option<String>,
    /// The provider's id.
    pub provider_id: Option<String>,
}

/// A booking's notification records, by kind and channel.
pub async fn of_booking(
    db: impl PgExecutor<'_>,
    booking_id: BookingId,
) -> sqlx::Result<Vec<NotificationRecord>> {
    sqlx::query_as!(
        NotificationRecord,
        "select notification_id, kind, channel, template, status, attempts, last_error,
                provider_id
           from notifications where booking_id = $1 order by kind, channel",
        booking_id.as_uuid(),
    )
    .fetch_all(db)
    .await
}
