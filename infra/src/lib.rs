//! Infrastructure shared by every mtbp process: settings from the environment, the PostgreSQL
//! pool, the Temporal client, process plumbing (logging, shutdown) and the clients of outside
//! systems (the payment gateway, SMTP mail, object storage over S3, text messages over SNS), the
//! invoice PDF renderer, message templates and QR codes.
//!
//! Nothing here knows the business: each adapter speaks one system's protocol, and the
//! activities and the API put them to use.

pub mod aws;
pub mod config;
pub mod db;
pub mod gateway;
pub mod kafka;
pub mod mail;
pub mod objects;
pub mod ops;
pub mod pdf;
pub mod process;
pub mod qr;
pub mod sms;
pub mod telemetry;
pub mod templates;
pub mod temporal;
pub mod theater;
