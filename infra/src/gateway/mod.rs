//! Adapters to outside systems. Each speaks one vendor's wire format and nothing else.

pub mod stripe;

pub use stripe::{
    CardSummary, GatewayError, PaymentIntent, PaymentMethod, StripeGateway, SubscriptionPeriodRef,
};
