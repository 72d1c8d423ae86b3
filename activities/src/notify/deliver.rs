//! One channel of one message: decide whether it may go, claim its record, send, settle.

use super::compose::{Composed, booking_message};
use super::{MAX_SEND_ATTEMPTS, NotifyActivities, NotifyError, NotifyInput};
use crate::millis;
use mtbp_domain::notification::allowed;
use mtbp_domain::{Channel, NotificationKind, NotificationStatus};
use mtbp_infra::mail::SendError;
use mtbp_store::notifications::recipients::{self, Recipient};
use mtbp_store::notifications::{self, Claim, SendTiming, Settle, Subject};
use std::time::Instant;
use uuid::Uuid;

/// `Ok(Ok(status))` when the channel is settled (or given up), `Ok(Err(reason))` after a
/// definite failure that the next attempt retries.
pub(super) async fn booking_channel(
    acts: &NotifyActivities,
    input: NotifyInput,
    channel: Channel,
) -> Result<Result<NotificationStatus, String>, NotifyError> {
    let Some(recipient) = recipients::of_booking(&acts.db, input.booking_id).await? else {
        // No booking, no record to keep: nothing to tell anyone.
        return Ok(Ok(NotificationStatus::Skipped));
    };
    let subject = Subject::Booking(input.booking_id, input.kind);
    let (notification_id, attempts) =
        match notifications::claim(&acts.db, &subject, channel).await? {
            Claim::Send {
                notification_id,
                attempts,
            } => (notification_id, attempts),
            Claim::Settled(status) => return Ok(Ok(status)),
        };
    if let Some(why) = skip_reason(acts, &recipient, input.kind, channel) {
        notifications::settle(&acts.db, notification_id, &Settle::Skipped(why.into())).await?;
        return Ok(Ok(NotificationStatus::Skipped));
    }
    if attempts > MAX_SEND_ATTEMPTS {
        let gave_up = Settle::Failed(format!("given up after {MAX_SEND_ATTEMPTS} attempts"));
        notifications::settle(&acts.db, notification_id, &gave_up).await?;
        return Ok(Ok(NotificationStatus::Failed));
    }
    let composing = Instant::now();
    let composed =
        match booking_message(acts, input.booking_id, input.kind, &recipient, channel).await {
            Ok(c) => c,
            Err(e) => {
                let failed = Settle::Failed(format!("composing: {e}"));
                notifications::settle(&acts.db, notification_id, &failed).await?;
                return Err(NotifyError::Other(e));
            }
        };
    send_and_settle(acts, notification_id, composed, millis(composing)).await
}

/// Why `channel` must not carry `kind` to `recipient`, if it must not.
pub(super) fn skip_reason(
    acts: &NotifyActivities,
    recipient: &Recipient,
    kind: NotificationKind,
    channel: Channel,
) -> Option<&'static str> {
    if !allowed(kind, channel, recipient.consent, recipient.guest) {
        return Some("no consent for this channel");
    }
    match channel {
        Channel::Email if recipient.email.is_none() => Some("no email address"),
        Channel::Sms if recipient.phone.is_none() => Some("no phone number"),
        Channel::Sms if acts.texts.is_none() => Some("no text-message sender configured"),
        _ => None,
    }
}

/// Sends a claimed message and settles its record by what the provider said, with what
/// composing it (`compose_ms`) and sending it took.
pub(super) async fn send_and_settle(
    acts: &NotifyActivities,
    notification_id: Uuid,
    composed: Composed,
    compose_ms: i32,
) -> Result<Result<NotificationStatus, String>, NotifyError> {
    let sending = Instant::now();
    let (result, template) = match composed {
        Composed::Email(email, template) => (acts.mailer.send(&email).await, template),
        Composed::Text(phone, text, template) => {
            let key = notification_id.to_string();
            let sent = match &acts.texts {
                Some(texts) => texts.send_text(&phone, &text, &key).await,
                None => Err(SendError::Definite("no text-message sender".into())),
            };
            (sent, template)
        }
    };
    let timing = SendTiming {
        compose_ms,
        send_ms: millis(sending),
    };
    if !acts.pause_after_send.is_zero() {
        // Fault injection for crash tests: a crash here leaves the record `sending`.
        tokio::time::sleep(acts.pause_after_send).await;
    }
    let (settle, outcome) = match result {
        Ok(provider_id) => (
            Settle::Sent {
                template,
                provider_id,
            },
            Ok(NotificationStatus::Sent),
        ),
        Err(SendError::Definite(e)) => (Settle::Failed(e.clone()), Err(e)),
        Err(SendError::Ambiguous(e)) => (Settle::Unknown(e), Ok(NotificationStatus::Unknown)),
    };
    notifications::settle_timed(&acts.db, notification_id, &settle, Some(timing)).await?;
    Ok(outcome)
}
