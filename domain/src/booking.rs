//! The booking status machine and the customer's contact details.

use crate::seats::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a booking is in its saga. Names follow the business's own words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BookingStatus {
    /// Seats are held; waiting for payment.
    PreBooking,
    /// The customer asked to pay; the charge is under way.
    PaymentInitiated,
    /// The gateway took the money; seats are being confirmed.
    PaymentCompleted,
    /// Seats are booked and a ticket code issued.
    BookingCompleted,
    /// The invoice is issued.
    Invoiced,
    /// The theater has been paid its share.
    SettlementDone,
    /// The hold ran out before payment.
    Expired,
    /// The customer cancelled before paying.
    Cancelled,
    /// The charge was declined or could not be made.
    PaymentFailed,
    /// Money was taken but returned (for example the hold was lost).
    Refunded,
}

impl BookingStatus {
    /// Every status, in saga order.
    pub const ALL: [Self; 10] = [
        Self::PreBooking,
        Self::PaymentInitiated,
        Self::PaymentCompleted,
        Self::BookingCompleted,
        Self::Invoiced,
        Self::SettlementDone,
        Self::Expired,
        Self::Cancelled,
        Self::PaymentFailed,
        Self::Refunded,
    ];

    /// The name stored in the database and shown in search attributes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PreBooking => "PreBooking",
            Self::PaymentInitiated => "PaymentInitiated",
            Self::PaymentCompleted => "PaymentCompleted",
            Self::BookingCompleted => "BookingCompleted",
            Self::Invoiced => "Invoiced",
            Self::SettlementDone => "SettlementDone",
            Self::Expired => "Expired",
            Self::Cancelled => "Cancelled",
            Self::PaymentFailed => "PaymentFailed",
            Self::Refunded => "Refunded",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// True once the booking's seats are either booked or given back for good.
    pub const fn is_settled(self) -> bool {
        !matches!(
            self,
            Self::PreBooking | Self::PaymentInitiated | Self::PaymentCompleted
        )
    }

    /// True while the seats are the customer's: booked, and on through the steps after the
    /// payment (invoiced, settled).
    pub const fn is_booked(self) -> bool {
        matches!(
            self,
            Self::BookingCompleted | Self::Invoiced | Self::SettlementDone
        )
    }

    /// True when the booking ended without seats.
    pub const fn is_unsuccessful(self) -> bool {
        matches!(
            self,
            Self::Expired | Self::Cancelled | Self::PaymentFailed | Self::Refunded
        )
    }

    /// Whether the saga may move from `self` to `next`.
    pub const fn can_become(self, next: Self) -> bool {
        use BookingStatus::*;
        matches!(
            (self, next),
            (PreBooking, PaymentInitiated | Expired | Cancelled)
                | (
                    PaymentInitiated,
                    PaymentCompleted | PaymentFailed | Expired | Cancelled
                )
                | (PaymentCompleted, BookingCompleted | Refunded)
                | (BookingCompleted, Invoiced | Refunded)
                | (Invoiced, SettlementDone | Refunded)
        )
    }
}

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to reach the customer about a booking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    /// Name on the booking.
    pub name: String,
    /// Email for the ticket and receipts.
    pub email: String,
    /// Phone for SMS, optional.
    #[serde(default)]
    pub phone: Option<String>,
}

impl Contact {
    /// Trims and checks the fields, listing every problem.
    pub fn parse(name: &str, email: &str, phone: Option<&str>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(FieldError::new("contact.name", "1-100 characters"));
        }
        let email = email.trim();
        let email_ok = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if !email_ok {
            errors.push(FieldError::new("contact.email", "not an email address"));
        }
        let phone = phone.map(str::trim).filter(|p| !p.is_empty());
        if let Some(p) = phone {
            let digits = p.strip_prefix('+').unwrap_or(p);
            if !(6..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(FieldError::new(
                    "contact.phone",
                    "6-15 digits, optionally after +",
                ));
            }
        }
        if errors.is_empty() {
            Ok(Self {
                name: name.to_owned(),
                email: email.to_ascii_lowercase(),
                phone: phone.map(str::to_owned),
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(BookingStatus::parse("Paid"), None);
    }

    #[test]
    fn the_saga_moves_only_forward() {
        use BookingStatus::*;
        assert!(PreBooking.can_become(PaymentInitiated));
        assert!(PaymentCompleted.can_become(Refunded));
        assert!(!BookingCompleted.can_become(PreBooking));
        assert!(!Expired.can_become(PaymentInitiated));
        assert!(!PreBooking.can_become(BookingCompleted));
    }

    #[test]
    fn settled_and_unsuccessful_statuses() {
        use BookingStatus::*;
        assert!(!PaymentInitiated.is_settled());
        assert!(BookingCompleted.is_settled() && !BookingCompleted.is_unsuccessful());
        assert!(Refunded.is_settled() && Refunded.is_unsuccessful());
    }

    #[test]
    fn contacts_are_checked_and_normalised() {
        let c = Contact::parse(" Asha ", "Asha@Example.com", Some("+919876543210")).expect("ok");
        assert_eq!(c.email, "asha@example.com");
        assert_eq!(c.name, "Asha");
        let errors = Contact::parse("", "not-an-email", Some("12ab")).expect_err("bad");
        assert_eq!(errors.len(), 3);
        assert!(Contact::parse("A", "a@b", None).is_err());
    }
}
