//! The persistence layer of mtbp: every write to a table goes through the module of its
//! aggregate, and the rules the database enforces (which seat a customer can hold, which status
//! may follow which) are written here once.
//!
//! Functions take an executor (a pool, a connection or a transaction), so a caller can compose
//! several of them in one transaction. They return plain `sqlx` errors or a typed outcome; what
//! an error means to a customer or to Temporal is decided by the caller.

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub mod accounts;
pub mod addons;
pub mod analytics;
pub mod bookings;
pub mod cancellations;
pub mod catalog;
pub mod contracts;
pub mod events;
pub mod invoices;
pub mod ledger;
#[cfg(test)]
mod literals;
pub mod notifications;
pub mod offers;
pub mod operator_actions;
pub mod outbox;
pub mod payments;
pub mod pricing;
pub mod saga_starts;
pub mod seats;
pub mod settlements;
pub mod subscriptions;
pub mod theaters;

/// The pool, connection and error types of the store's functions, so that callers need no
/// direct `sqlx` dependency of their own.
pub use sqlx::{Error, PgConnection, PgPool, Postgres, Transaction};

/// Whether the database answers (the `/ready` probes): `"answers"`, or the error's words.
pub async fn ping(db: &PgPool) -> Result<String, String> {
    sqlx::query_scalar!(r#"select 1 as "one!""#)
        .fetch_one(db)
        .await
        .map(|_| "answers".to_owned())
        .map_err(|e| e.to_string())
}
