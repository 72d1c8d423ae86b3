//! Pure business types and rules of mtbp.
//!
//! Nothing here does I/O or touches a clock, so the same code runs in the API, in activities and
//! inside deterministic workflow code.

pub mod account;
pub mod best_seats;
pub mod booking;
pub mod cancellation;
pub mod charge;
pub mod ids;
pub mod invoice;
pub mod money;
pub mod notification;
pub mod offer_rules;
pub mod pricing;
pub mod rating;
pub mod schedule;
pub mod seats;
pub mod settlement;
#[cfg(feature = "sqlx")]
mod sql;
pub mod status;
pub mod subscription;
pub mod text;
pub mod theater;

pub use booking::{BookingStatus, Contact};
pub use ids::{
    AccountId, AddonId, BookingId, InvoiceId, MovieId, OfferId, PartnerId, PaymentId, PlanId,
    ReviewId, ScreenId, ShowId, SubscriptionId, TheaterId,
};
pub use money::{Currency, Money};
pub use notification::{Channel, NotificationKind, NotificationStatus};
pub use seats::{SeatLabel, SeatLayout, SeatSelection};
pub use status::{
    Funder, PartnerStatus, PaymentStatus, PeriodUnit, RedemptionStatus, Role, SeatStatus,
    SettlementPeriod, ShowStatus, Stacking, SubscriptionEnd, SubscriptionStatus,
};
