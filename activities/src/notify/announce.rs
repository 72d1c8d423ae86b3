//! Announcements: a movie's first show in a city, told to the subscribers who asked for that
//! city and one of the movie's genres or languages. The workflow pages the audience and sends
//! it in batches; each message is claimed per subscriber and channel, so a batch sent again
//! after a crash sends nobody's twice.

use super::compose::Composed;
use super::deliver::send_and_settle;
use super::{MAX_SEND_ATTEMPTS, NotifyActivities, NotifyError};
use mtbp_domain::notification::{allowed, pick_language};
use mtbp_domain::{
    AccountId, Channel, MovieId, NotificationKind, NotificationStatus, SubscriptionId,
};
use mtbp_infra::mail::OutgoingEmail;
use mtbp_store::PgPool;
use mtbp_store::notifications::{self, Claim, Settle, Subject, audience};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Instant;

/// Ask for one page of an announcement's audience.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementPageRequest {
    /// The movie.
    pub movie_id: MovieId,
    /// The city of its first show.
    pub city: String,
    /// The last customer of the previous page (`None` for the first page).
    pub after: Option<AccountId>,
    /// At most this many subscribers.
    pub limit: u32,
}

/// One page of an announcement's audience: ids only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementPage {
    /// The subscriptions to tell, one per customer.
    pub subscriptions: Vec<SubscriptionId>,
    /// The cursor of the next page; `None` when this was the last.
    pub next: Option<AccountId>,
}

/// Ask to send an announcement to a batch of subscribers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementBatch {
    /// The movie.
    pub movie_id: MovieId,
    /// The city.
    pub city: String,
    /// Whom to tell.
    pub subscriptions: Vec<SubscriptionId>,
}

/// What a batch did, in messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSent {
    /// Sent now or by an earlier attempt.
    pub sent: u32,
    /// Not sent: no consent, address or sender.
    pub skipped: u32,
    /// Outcome unknown (never resent) or given up.
    pub unsettled: u32,
}

/// The key of an announcement's records: `{movie_id}:{city}`, the city lower-cased.
pub fn announcement_key(movie_id: MovieId, city: &str) -> String {
    format!("{movie_id}:{}", city.trim().to_lowercase())
}

/// Reads one page of the audience.
pub(super) async fn page(
    db: &PgPool,
    req: &AnnouncementPageRequest,
) -> Result<AnnouncementPage, mtbp_store::Error> {
    let limit = i64::from(req.limit.clamp(1, 1000));
    let members = audience::page(db, req.movie_id, &req.city, req.after, limit).await?;
    let full = members.len() as i64 == limit;
    Ok(AnnouncementPage {
        next: members.last().filter(|_| full).map(|m| m.customer_id),
        subscriptions: members.into_iter().map(|m| m.subscription_id).collect(),
    })
}

impl NotifyActivities {
    /// Sends one batch; a definite failure of any message fails the batch after the others
    /// were tried, and the retry sends only what is not yet settled.
    pub async fn announce_batch(
        &self,
        batch: &AnnouncementBatch,
    ) -> Result<BatchSent, NotifyError> {
        let key = announcement_key(batch.movie_id, &batch.city);
        let movie = audience::movie(&self.db, batch.movie_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("movie {} is unknown", batch.movie_id))?;
        let mut done = BatchSent::default();
        let mut retry = None;
        for &subscription_id in &batch.subscriptions {
            let ctx = json!({"movie": movie.title, "city": batch.city, "genres": movie.genres,
                             "languages": movie.languages});
            for channel in Channel::ALL {
                let subject = Subject::Announcement {
                    key: key.clone(),
                    subscription_id,
                };
                match self
                    .announce_one(&subject, subscription_id, channel, ctx.clone())
                    .await?
                {
                    Ok(NotificationStatus::Sent) => done.sent += 1,
                    Ok(NotificationStatus::Skipped) => done.skipped += 1,
                    Ok(_) => done.unsettled += 1,
                    Err(reason) => retry = Some(NotifyError::Retry { channel, reason }),
                }
            }
        }
        tracing::info!(movie.id = %batch.movie_id, sent = done.sent, skipped = done.skipped,
            unsettled = done.unsettled, "announcement batch");
        match retry {
            Some(e) => Err(e),
            None => Ok(done),
        }
    }

    async fn announce_one(
        &self,
        subject: &Subject,
        subscription_id: SubscriptionId,
        channel: Channel,
        mut ctx: serde_json::Value,
    ) -> Result<Result<NotificationStatus, String>, NotifyError> {
        let Some(recipient) = audience::recipient(&self.db, subscription_id).await? else {
            return Ok(Ok(NotificationStatus::Skipped));
        };
        let (id, attempts) = match notifications::claim(&self.db, subject, channel).await? {
            Claim::Send {
                notification_id,
                attempts,
            } => (notification_id, attempts),
            Claim::Settled(status) => return Ok(Ok(status)),
        };
        let kind = NotificationKind::Announcement;
        let address = match channel {
            Channel::Email => recipient.email.clone(),
            Channel::Sms => recipient.phone.clone().filter(|_| self.texts.is_some()),
        };
        let skip = if !allowed(kind, channel, recipient.consent, false) {
            Some("no consent for this channel")
        } else if address.is_none() {
            Some("no address or sender for this channel")
        } else if attempts > MAX_SEND_ATTEMPTS {
            Some("given up")
        } else {
            None
        };
        if let Some(why) = skip {
            notifications::settle(&self.db, id, &Settle::Skipped(why.into())).await?;
            return Ok(Ok(NotificationStatus::Skipped));
        }
        ctx["name"] = json!(recipient.name);
        let langs = self.templates.languages(kind, channel);
        let available: Vec<&str> = langs.iter().map(String::as_str).collect();
        let lang = pick_language(&recipient.languages, &available).to_ascii_lowercase();
        let to = address.unwrap_or_default();
        let composing = Instant::now();
        let composed = match channel {
            Channel::Email => {
                let mail = self.templates.email(kind, &lang, &ctx)?;
                let email = OutgoingEmail {
                    to,
                    subject: mail.subject,
                    text: mail.text,
                    html: mail.html,
                    message_key: format!("announcement.{subscription_id}.{id}"),
                    attachments: Vec::new(),
                };
                Composed::Email(email, mail.template)
            }
            Channel::Sms => {
                let text = self.templates.text(kind, &lang, &ctx)?;
                Composed::Text(to, text.text, text.template)
            }
        };
        send_and_settle(self, id, composed, crate::millis(composing)).await
    }
}
