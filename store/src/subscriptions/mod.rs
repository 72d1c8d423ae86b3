//! Subscriptions: plans (`subscription_plans`), customers' subscriptions (`subscriptions`),
//! one charge row per period (`subscription_charges`) and announcement preferences
//! (`subscription_announcements`).
//!
//! The subscription workflow writes the period outcomes through [`charges`] and [`lifecycle`];
//! the API creates plans and subscriptions; the booking quote reads [`membership`].

pub mod announcements;
pub mod charges;
pub mod lifecycle;
mod membership;
pub mod plans;

pub use lifecycle::{NewSubscription, Subscription, create, get, of_customer};
pub use membership::membership;
