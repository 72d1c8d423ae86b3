//! Decides, once, which failures an activity should retry.
//!
//! Transient trouble (a dropped connection, a deadlock, a gateway 5xx) is retried by Temporal
//! with backoff; a bug-shaped failure (a 4xx from the gateway that is not about the card, a
//! constraint violation) is non-retryable so it surfaces at once in the Temporal UI.

use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::ActivityError;

/// A failure that retrying cannot fix.
pub fn permanent(message: impl Into<String>) -> ActivityError {
    let message: String = message.into();
    ActivityError::application(ApplicationFailure::non_retryable(message))
}

/// Classifies a database error.
pub fn from_sqlx(err: mtbp_store::Error) -> ActivityError {
    match &err {
        mtbp_store::Error::Database(db) if db.constraint().is_some() => {
            permanent(format!("database constraint violated: {db}"))
        }
        _ => ActivityError::from(anyhow::Error::new(err).context("database")),
    }
}
