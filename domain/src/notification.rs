//! Notifications: what a message is about ([`NotificationKind`]), how it travels ([`Channel`]),
//! where its record stands ([`NotificationStatus`]), and whether a customer's consent allows a
//! channel ([`allowed`]).
//!
//! The names are stored in `notifications` and name the template directories
//! (`templates/notifications/<kind>/<channel>.<lang>.<ext>`), so they never change.

use serde::{Deserialize, Serialize};

/// What a message tells the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// The booking is confirmed: ticket code, seats, show, QR code, invoice.
    Confirmation,
    /// The booking was cancelled.
    Cancellation,
    /// Money was refunded.
    Refund,
    /// The show starts soon.
    Reminder,
    /// A movie a subscriber follows has its first show in their city.
    Announcement,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Confirmation,
        Self::Cancellation,
        Self::Refund,
        Self::Reminder,
        Self::Announcement,
    ];

    /// The stored name (and template directory).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::Cancellation => "cancellation",
            Self::Refund => "refund",
            Self::Reminder => "reminder",
            Self::Announcement => "announcement",
        }
    }

    /// Transactional messages are about a booking the customer made: guests get them too, by
    /// the email they gave. Announcements are marketing and need an account's consent.
    pub fn is_transactional(self) -> bool {
        self != Self::Announcement
    }
}

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Email over SMTP.
    Email,
    /// A text message (SNS).
    Sms,
}

impl Channel {
    /// Both channels, in the order they are tried.
    pub const ALL: [Self; 2] = [Self::Email, Self::Sms];

    /// The stored name (and template file stem).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

/// Where a notification's record stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Recorded, not tried yet (or a definite failure waiting for its retry).
    Pending,
    /// Claimed by an attempt that is sending it now.
    Sending,
    /// Delivered to the provider.
    Sent,
    /// A definite failure (nothing delivered); the next attempt tries again.
    Failed,
    /// Not sent on purpose: no consent, no address or number, no sender for the channel.
    Skipped,
    /// The provider may or may not have it (a timeout after the message was handed over, or an
    /// attempt that died while sending): never sent again.
    Unknown,
}

impl NotificationStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Unknown => "unknown",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Sending,
            Self::Sent,
            Self::Failed,
            Self::Skipped,
            Self::Unknown,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// Settled: no attempt will send it again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Sent | Self::Skipped | Self::Unknown)
    }
}

/// What a customer agreed to be sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Consent {
    /// Email (`accounts.consent_email`; a guest's given address for transactional mail).
    pub email: bool,
    /// Text messages (`accounts.consent_sms`).
    pub sms: bool,
}

/// Whether `channel` may carry `kind` to a customer with this consent. A guest (no account)
/// gets transactional email only, at the address they booked with.
pub fn allowed(kind: NotificationKind, channel: Channel, consent: Consent, guest: bool) -> bool {
    if guest {
        return kind.is_transactional() && channel == Channel::Email;
    }
    match channel {
        Channel::Email => consent.email,
        Channel::Sms => consent.sms,
    }
}

/// Picks the first of the customer's languages that has a template, else English.
pub fn pick_language<'a>(wanted: &'a [String], available: &[&str]) -> &'a str {
    wanted
        .iter()
        .map(|l| l.trim())
        .find(|l| available.iter().any(|a| a.eq_ignore_ascii_case(l)))
        .unwrap_or("en")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_gets_transactional_email_only() {
        let none = Consent::default();
        assert!(allowed(
            NotificationKind::Confirmation,
            Channel::Email,
            none,
            true
        ));
        assert!(!allowed(
            NotificationKind::Confirmation,
            Channel::Sms,
            none,
            true
        ));
        assert!(!allowed(
            NotificationKind::Announcement,
            Channel::Email,
            none,
            true
        ));
    }

    #[test]
    fn an_account_gets_each_channel_it_consented_to() {
        let sms_only = Consent {
            email: false,
            sms: true,
        };
        assert!(!allowed(
            NotificationKind::Reminder,
            Channel::Email,
            sms_only,
            false
        ));
        assert!(allowed(
            NotificationKind::Reminder,
            Channel::Sms,
            sms_only,
            false
        ));
    }

    #[test]
    fn the_first_language_with_a_template_wins_else_english() {
        let wanted = vec!["ta".to_owned(), "hi".to_owned()];
        assert_eq!(pick_language(&wanted, &["en", "hi"]), "hi");
        assert_eq!(pick_language(&wanted, &["en"]), "en");
        assert_eq!(pick_language(&[], &["en", "hi"]), "en");
    }

    #[test]
    fn statuses_read_back_their_stored_names() {
        for s in ["pending", "sending", "sent", "failed", "skipped", "unknown"] {
            assert_eq!(NotificationStatus::parse(s).map(|v| v.as_str()), Some(s));
        }
        assert_eq!(NotificationStatus::parse("nope"), None);
    }
}
