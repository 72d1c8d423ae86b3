//! Telling customers about their bookings (confirmation, cancellation, refund, reminder) and
//! subscribers about new movies (announcements), by email and text message, each channel only
//! with the customer's consent (see docs/NOTIFICATIONS.md).
//!
//! Inputs and outputs carry ids only: the address, phone, name and language are read from the
//! database at each attempt. Every message is claimed in `notifications` before it is sent and
//! settled after ([`mtbp_store::notifications`]), so a retried or restarted activity never
//! sends one twice: a definite failure is tried again at the activity's next attempt, an
//! ambiguous one (the provider may have it) is recorded `unknown` and never resent.

mod announce;
mod compose;
mod deliver;
mod sources;

pub use announce::{AnnouncementBatch, AnnouncementPage, AnnouncementPageRequest, BatchSent};
pub use sources::{SnsTexts, StoredInvoices};

use crate::error::from_sqlx;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use mtbp_domain::{BookingId, Channel, NotificationKind, NotificationStatus};
use mtbp_infra::config::NotifySettings;
use mtbp_infra::mail::{Mailer, SendError};
use mtbp_infra::templates::Templates;
use mtbp_store::PgPool;
use mtbp_store::notifications::recipients;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// After this many attempts at one message with definite failures, the activity stops
/// retrying it and answers (the record stays `failed`, for an operator).
pub const MAX_SEND_ATTEMPTS: i32 = 12;

/// Sends text messages (SMS). The SNS adapter implements it; `key` is the message's
/// idempotency key (`{kind}.{booking_id}`), `phone` an E.164 number.
pub trait TextSender: Send + Sync {
    /// Sends `text` to `phone`; answers the provider's message id.
    fn send_text<'a>(
        &'a self,
        phone: &'a str,
        text: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<String, SendError>>;
}

/// A booking's invoice as the confirmation shows it.
#[derive(Clone, Debug, Default)]
pub struct InvoiceDoc {
    /// The invoice number, e.g. `PVR-2026-27/000123`.
    pub number: String,
    /// A link to the PDF, when one can be given.
    pub url: Option<String>,
    /// The PDF itself, to attach.
    pub pdf: Option<Vec<u8>>,
}

/// Finds a booking's invoice (the invoices module implements it; `None` before one exists).
pub trait InvoiceSource: Send + Sync {
    /// The booking's invoice, if issued.
    fn invoice(&self, booking_id: BookingId) -> BoxFuture<'_, anyhow::Result<Option<InvoiceDoc>>>;
}

/// Ask to tell a booking's customer about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyInput {
    /// The booking.
    pub booking_id: BookingId,
    /// What to tell.
    pub kind: NotificationKind,
}

/// What became of one channel's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelOutcome {
    /// The channel.
    pub channel: Channel,
    /// Its record's status: `sent`, `skipped`, `unknown`, or `failed` when given up.
    pub status: NotificationStatus,
}

/// The notify activity's answer: every channel settled or given up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notified {
    /// The booking.
    pub booking_id: BookingId,
    /// What was told.
    pub kind: NotificationKind,
    /// One entry per channel.
    pub channels: Vec<ChannelOutcome>,
}

/// Why a notify attempt did not finish.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A channel failed definitely (nothing delivered): try again later.
    #[error("{channel:?} not sent yet: {reason}")]
    Retry {
        /// The channel that failed.
        channel: Channel,
        /// Why.
        reason: String,
    },
    /// The database or a template failed.
    #[error(transparent)]
    Store(#[from] mtbp_store::Error),
    /// Anything else (a template that does not render).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The notification activities over the database, the mailer and the text sender.
pub struct NotifyActivities {
    db: PgPool,
    mailer: Mailer,
    texts: Option<Arc<dyn TextSender>>,
    invoices: Option<Arc<dyn InvoiceSource>>,
    templates: Templates,
    reminder_before: Duration,
    pause_after_send: Duration,
}

impl NotifyActivities {
    /// Builds the activities from the settings; no text sender or invoice source yet.
    pub fn new(db: PgPool, settings: &NotifySettings) -> anyhow::Result<Self> {
        Ok(Self {
            db,
            mailer: Mailer::new(settings)?,
            texts: None,
            invoices: None,
            templates: Templates::new(&settings.template_dir)?,
            reminder_before: settings.reminder_before,
            pause_after_send: Duration::ZERO,
        })
    }

    /// Fault injection for crash tests: waits this long between a message's send and its
    /// record's settling (zero in production).
    pub fn with_pause_after_send(mut self, pause: Duration) -> Self {
        self.pause_after_send = pause;
        self
    }

    /// Sends text messages through `texts` (without one, SMS is recorded `skipped`).
    pub fn with_texts(mut self, texts: Arc<dyn TextSender>) -> Self {
        self.texts = Some(texts);
        self
    }

    /// Attaches or links invoices found by `invoices`.
    pub fn with_invoices(mut self, invoices: Arc<dyn InvoiceSource>) -> Self {
        self.invoices = Some(invoices);
        self
    }

    /// The body of [`Self::notify`]: every channel of the booking's message, claimed, sent
    /// and settled; a definite failure of any channel is an error (retry), after the others
    /// were tried.
    pub async fn notify_booking(&self, input: NotifyInput) -> Result<Notified, NotifyError> {
        let mut channels = Vec::new();
        let mut retry = None;
        for channel in Channel::ALL {
            match deliver::booking_channel(self, input, channel).await? {
                Ok(status) => channels.push(ChannelOutcome { channel, status }),
                Err(reason) => retry = Some(NotifyError::Retry { channel, reason }),
            }
        }
        if let Some(err) = retry {
            return Err(err);
        }
        tracing::info!(booking.id = %input.booking_id, kind = input.kind.as_str(),
            outcome = ?channels, "notified");
        Ok(Notified {
            booking_id: input.booking_id,
            kind: input.kind,
            channels,
        })
    }

    /// When the reminder of `booking_id` is due: its show's start minus the reminder offset;
    /// `None` when that moment has passed (or the booking is unknown).
    pub async fn reminder_due(
        &self,
        booking_id: BookingId,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, mtbp_store::Error> {
        let starts = recipients::show_starts_at(&self.db, booking_id).await?;
        let before = chrono::Duration::from_std(self.reminder_before).unwrap_or_default();
        Ok(starts.map(|s| s - before).filter(|at| *at > now))
    }
}

#[activities]
impl NotifyActivities {
    /// Tells the booking's customer on every channel they consented to, each message at most
    /// once. Fails (to be retried with backoff) while a channel fails definitely; answers once
    /// every channel is sent, skipped or given up.
    #[activity]
    pub async fn notify(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: NotifyInput,
    ) -> Result<Notified, ActivityError> {
        match self.notify_booking(input).await {
            Ok(done) => Ok(done),
            Err(NotifyError::Store(e)) => Err(from_sqlx(e)),
            Err(e) => {
                tracing::warn!(booking.id = %input.booking_id, kind = input.kind.as_str(),
                    error = %e, "notification not sent yet; retried");
                Err(ActivityError::from(anyhow::Error::new(e)))
            }
        }
    }

    /// When the booking's reminder is due (`None`: none, the show is too close or past).
    #[activity]
    pub async fn reminder_at(
        self: Arc<Self>,
        _ctx: ActivityContext,
        booking_id: BookingId,
    ) -> Result<Option<DateTime<Utc>>, ActivityError> {
        self.reminder_due(booking_id, Utc::now())
            .await
            .map_err(from_sqlx)
    }

    /// One page of an announcement's audience (subscription ids only).
    #[activity]
    pub async fn announcement_page(
        self: Arc<Self>,
        _ctx: ActivityContext,
        req: AnnouncementPageRequest,
    ) -> Result<AnnouncementPage, ActivityError> {
        announce::page(&self.db, &req).await.map_err(from_sqlx)
    }

    /// Sends an announcement to one batch of subscribers, each at most once.
    #[activity]
    pub async fn send_announcements(
        self: Arc<Self>,
        _ctx: ActivityContext,
        batch: AnnouncementBatch,
    ) -> Result<BatchSent, ActivityError> {
        match self.announce_batch(&batch).await {
            Ok(sent) => Ok(sent),
            Err(NotifyError::Store(e)) => Err(from_sqlx(e)),
            Err(e) => Err(ActivityError::from(anyhow::Error::new(e))),
        }
    }
}
