//! Identifiers of the business entities, as UUID newtypes so they cannot be mixed up.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// A theater (one building with screens).
    TheaterId
);
id_type!(
    /// A screen (auditorium) of a theater.
    ScreenId
);
id_type!(
    /// A movie in the catalog.
    MovieId
);
id_type!(
    /// One showing of a movie on a screen at a time.
    ShowId
);
id_type!(
    /// A booking; its workflow id is `booking-{id}`.
    BookingId
);
id_type!(
    /// A person's account: a customer, a partner's member or an operator.
    AccountId
);
id_type!(
    /// A theater partner (the company that runs theaters).
    PartnerId
);
id_type!(
    /// A customer's review of a movie.
    ReviewId
);
id_type!(
    /// An offer: a discount rule with or without a code.
    OfferId
);
id_type!(
    /// A food and beverage add-on of a theater.
    AddonId
);
id_type!(
    /// A booking's payment at the gateway (a row of `payments`).
    PaymentId
);
id_type!(
    /// An invoice or credit note (a row of `invoices`).
    InvoiceId
);
id_type!(
    /// A subscription plan operators define (price, period, benefits).
    PlanId
);
id_type!(
    /// A customer's subscription to a plan; its workflow id is `subscription-{id}`.
    SubscriptionId
);

/// Prefix of every subscription workflow id.
pub const SUBSCRIPTION_WORKFLOW_PREFIX: &str = "subscription-";

impl SubscriptionId {
    /// The Temporal workflow id of this subscription's period loop.
    pub fn workflow_id(&self) -> String {
        format!("{SUBSCRIPTION_WORKFLOW_PREFIX}{}", self.0)
    }

    /// Gateway idempotency key of one charge attempt of one period: a retried activity or a
    /// replayed workflow asks for the same attempt, never a new charge.
    pub fn charge_key(&self, period_index: u32, attempt: u32) -> String {
        format!(
            "{SUBSCRIPTION_WORKFLOW_PREFIX}{}-{period_index}-{attempt}",
            self.0
        )
    }
}

/// Namespace for UUIDv5 booking ids derived from a client's `Idempotency-Key`.
const BOOKING_KEY_NAMESPACE: Uuid = Uuid::from_u128(0x6d74_6270_2d62_6f6f_6b69_6e67_2d69_6b65);

/// Prefix of every booking workflow id.
pub const BOOKING_WORKFLOW_PREFIX: &str = "booking-";

impl BookingId {
    /// Derives the booking id from an idempotency key, so a retried request names the same
    /// booking (and so the same workflow).
    pub fn from_idempotency_key(key: &str) -> Self {
        Self(Uuid::new_v5(&BOOKING_KEY_NAMESPACE, key.as_bytes()))
    }

    /// The Temporal workflow id of this booking's saga.
    pub fn workflow_id(&self) -> String {
        format!("{BOOKING_WORKFLOW_PREFIX}{}", self.0)
    }

    /// Parses a workflow id of the form `booking-{uuid}`.
    pub fn from_workflow_id(workflow_id: &str) -> Option<Self> {
        let raw = workflow_id.strip_prefix(BOOKING_WORKFLOW_PREFIX)?;
        Uuid::parse_str(raw).ok().map(Self)
    }

    /// Gateway idempotency key of this booking's charge.
    pub fn charge_key(&self) -> String {
        format!("{}-charge", self.0)
    }

    /// Gateway idempotency key of this booking's refund.
    pub fn refund_key(&self) -> String {
        format!("{}-refund", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_idempotency_key_always_names_the_same_booking() {
        let a = BookingId::from_idempotency_key("client-42");
        let b = BookingId::from_idempotency_key("client-42");
        let c = BookingId::from_idempotency_key("client-43");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn workflow_ids_round_trip() {
        let id = BookingId::from_idempotency_key("k");
        assert_eq!(BookingId::from_workflow_id(&id.workflow_id()), Some(id));
        assert_eq!(BookingId::from_workflow_id("settlement-1"), None);
        assert_eq!(id.charge_key(), format!("{}-charge", id.0));
    }
}
