//! Infrastructure shared by every mtbp process: settings from the environment, the PostgreSQL
//! pool, the Temporal client, process plumbing (logging, shutdown) and the clients of outside
//! systems (the payment gateway, SMTP mail; object storage and the event broker as they come).
//!
//! Nothing here knows the business: each adapter speaks one system's protocol, and the
//! activities and the API put them to use.

pub mod config;
pub mod db;
pub mod gateway;
pub mod mail;
pub mod process;
pub mod qr;
pub mod templates;
pub mod temporal;
