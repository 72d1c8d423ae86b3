//! The stored statuses of seats, shows, payments and partners, and the stored kinds of accounts
//! and payout schedules, as Rust enums. Each maps to the
//! text the database's check constraint allows, and nowhere else is that text written.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a status enum with its stored names, `as_str`, `parse`, `ALL` and `Display`.
macro_rules! stored_status {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name stored in the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// Parses a stored name.
            pub fn parse(raw: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|s| s.as_str() == raw)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_status!(
    /// One seat of one show (`show_seats.status`).
    SeatStatus {
        /// Anyone may hold it.
        Free => "free",
        /// A booking holds it until `held_until`; after that it is holdable again.
        Held => "held",
        /// Sold.
        Booked => "booked",
        /// Taken out of sale by the theater (broken seat, a removed show).
        Blocked => "blocked",
        /// Set aside for the platform's own channel (brokers).
        PlatformReserved => "platform_reserved",
    }
);

stored_status!(
    /// A show (`shows.status`).
    ShowStatus {
        /// On sale until it starts.
        Scheduled => "scheduled",
        /// Called off by the theater.
        Cancelled => "cancelled",
    }
);

stored_status!(
    /// A payment attempt at the gateway (`payments.status`).
    PaymentStatus {
        /// The intent exists; the outcome is not known yet.
        Created => "created",
        /// The gateway took the money.
        Succeeded => "succeeded",
        /// Declined or failed: nothing was taken.
        Failed => "failed",
        /// Cancelled before any money moved.
        Cancelled => "cancelled",
    }
);

stored_status!(
    /// A theater partner's account (`partners.status`).
    PartnerStatus {
        /// Signed up, not yet approved.
        Pending => "pending",
        /// May run theaters.
        Active => "active",
        /// Barred by an operator.
        Suspended => "suspended",
    }
);

stored_status!(
    /// What an account may do (`accounts.role`).
    Role {
        /// Books for themself.
        Customer => "customer",
        /// Runs theaters.
        Partner => "partner",
        /// Books on behalf of groups.
        Broker => "broker",
        /// Operates the platform.
        Admin => "admin",
    }
);

stored_status!(
    /// How often a partner is paid out (`partners.settlement_period`).
    SettlementPeriod {
        /// Every day.
        Daily => "daily",
        /// Every week.
        Weekly => "weekly",
        /// Every month.
        Monthly => "monthly",
    }
);

stored_status!(
    /// A customer's subscription (`subscriptions.status`).
    SubscriptionStatus {
        /// Started; the first period is not paid yet.
        Pending => "pending",
        /// The current period is paid; benefits apply.
        Active => "active",
        /// A renewal was declined; retried (dunning), no benefits meanwhile.
        PastDue => "past_due",
        /// Cancelled at the period's end; benefits last until then.
        Cancelling => "cancelling",
        /// Over (see `subscriptions.ended_reason`).
        Ended => "ended",
    }
);

impl SubscriptionStatus {
    /// Whether the subscription still counts as the customer's live one for its plan.
    pub const fn is_live(self) -> bool {
        !matches!(self, Self::Ended)
    }
}

stored_status!(
    /// Why a subscription ended (`subscriptions.ended_reason`).
    SubscriptionEnd {
        /// The customer cancelled; it ran to the end of the paid period.
        Cancelled => "cancelled",
        /// A period could not be charged, dunning included.
        PaymentFailed => "payment_failed",
    }
);

stored_status!(
    /// The unit of a plan's period (`subscription_plans.period_unit`).
    PeriodUnit {
        /// Seconds: for tests, refused below the API's configured minimum.
        Second => "second",
        /// Days.
        Day => "day",
        /// Weeks.
        Week => "week",
        /// Calendar months.
        Month => "month",
        /// Calendar years.
        Year => "year",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_parses_back_from_its_stored_name() {
        for s in SeatStatus::ALL {
            assert_eq!(SeatStatus::parse(s.as_str()), Some(*s));
        }
        for s in ShowStatus::ALL {
            assert_eq!(ShowStatus::parse(s.as_str()), Some(*s));
        }
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(*s));
        }
        for s in PartnerStatus::ALL {
            assert_eq!(PartnerStatus::parse(s.as_str()), Some(*s));
        }
        for s in Role::ALL {
            assert_eq!(Role::parse(s.as_str()), Some(*s));
        }
        for s in SettlementPeriod::ALL {
            assert_eq!(SettlementPeriod::parse(s.as_str()), Some(*s));
        }
        for s in SubscriptionStatus::ALL {
            assert_eq!(SubscriptionStatus::parse(s.as_str()), Some(*s));
        }
        for s in PeriodUnit::ALL {
            assert_eq!(PeriodUnit::parse(s.as_str()), Some(*s));
        }
        assert_eq!(SeatStatus::parse("Free"), None);
    }
}

stored_status!(
    /// Who pays for a discount (`offers.funded_by`): it matters to the settlement with the
    /// theater.
    Funder {
        /// The theater partner gives it up from its share.
        Partner => "partner",
        /// The platform pays it; the partner is settled as if it had not been given.
        Platform => "platform",
    }
);

stored_status!(
    /// How an offer combines with others (`offers.stacking`; the rules are in
    /// `pricing`).
    Stacking {
        /// Applies alone, or not at all.
        Exclusive => "exclusive",
        /// Combines with every other stackable offer.
        Stackable => "stackable",
    }
);

stored_status!(
    /// One use of an offer by one booking (`offer_redemptions.status`).
    RedemptionStatus {
        /// Held for a booking whose seats are held: counts against the offer's limits, and
        /// turns into a redemption when the booking is paid.
        Reserved => "reserved",
        /// Counts against the offer's limits.
        Redeemed => "redeemed",
        /// Given back (the booking failed or was cancelled); no longer counts.
        Released => "released",
    }
);
