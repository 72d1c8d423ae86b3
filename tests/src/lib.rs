//! Test harness, fixtures and clients shared by the end-to-end tests, the demo and the
//! benchmarks. Everything here talks to the real local stack: PostgreSQL, Temporal and
//! localstripe started by `deploy/local/stack.sh`.

pub mod api_client;
pub mod app;
pub mod audit;
pub mod boxoffice;
pub mod catalog;
pub mod events;
pub mod flash;
pub mod invoices;
pub mod maildev;
pub mod pricing;
pub mod slow_gateway;
pub mod smtp_outage;
pub mod stripe;

pub use api_client::{ApiClient, ShowFixture};
pub use app::{Principal, TEST_JWT_SECRET, TestApp, TestOptions};
pub use slow_gateway::{Delay, GatewayFaults, SlowGateway};
pub use smtp_outage::SmtpOutage;
pub use stripe::StripeClient;
