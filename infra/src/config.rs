//! Settings shared by the API and the worker, read once from the environment.
//!
//! Every variable is listed, with its default, in `.env.example`.

use std::env;
use std::str::FromStr;

/// Settings common to every mtbp process.
#[derive(Clone, Debug)]
pub struct Settings {
    /// PostgreSQL URL (`DATABASE_URL`).
    pub database_url: String,
    /// Pool size (`MTBP_DB_POOL`).
    pub db_pool: u32,
    /// Temporal frontend (`TEMPORAL_ADDRESS`), e.g. `http://127.0.0.1:7233`.
    pub temporal_address: String,
    /// Temporal namespace (`TEMPORAL_NAMESPACE`).
    pub temporal_namespace: String,
    /// Task queue of booking workflows (`MTBP_TASK_QUEUE`).
    pub task_queue: String,
    /// Stripe-compatible API base URL (`STRIPE_API_BASE`).
    pub stripe_api_base: String,
    /// Stripe secret key (`STRIPE_SECRET_KEY`).
    pub stripe_secret_key: String,
}

/// Reads `name`, or `default` when unset or empty.
pub fn var_or(name: &str, default: &str) -> String {
    env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Reads and parses `name`, or `default` when unset or empty.
pub fn parse_or<T: FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match env::var(name).ok().filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v:?} is not valid: {e}")),
    }
}

impl Settings {
    /// Reads the settings from the environment, with loopback defaults for the local stack.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            database_url: var_or("DATABASE_URL", "postgres://mtbp:mtbp@127.0.0.1:55432/mtbp"),
            db_pool: parse_or("MTBP_DB_POOL", 16)?,
            temporal_address: var_or("TEMPORAL_ADDRESS", "http://127.0.0.1:7233"),
            temporal_namespace: var_or("TEMPORAL_NAMESPACE", "default"),
            task_queue: var_or("MTBP_TASK_QUEUE", "bookings"),
            stripe_api_base: var_or("STRIPE_API_BASE", "http://127.0.0.1:8420"),
            stripe_secret_key: var_or("STRIPE_SECRET_KEY", "sk_test_local"),
        })
    }
}
