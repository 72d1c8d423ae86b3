//! Password hashing with argon2id (OWASP parameters), off the async threads, and never more
//! than a configured number at once: each hash holds 19 MiB, so a flood of sign-ins or
//! sign-ups with distinct emails would otherwise grow memory without bound.

use crate::error::ApiError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

fn hasher() -> Argon2<'static> {
    // 19 MiB, 2 passes, 1 lane: OWASP's minimum recommendation for argon2id.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// How long a request waits in line for a hashing slot before it is answered 503.
const WAIT: Duration = Duration::from_secs(2);
/// Requests allowed to wait in line per slot; more are answered 503 at once.
const LINE_PER_SLOT: usize = 8;

/// The bound on concurrent password hashing (`MTBP_MAX_CONCURRENT_HASHES`): cheap to clone.
#[derive(Clone, Debug)]
pub struct Hashing {
    slots: Arc<Semaphore>,
    in_line: Arc<AtomicUsize>,
    max_in_line: usize,
}

/// Takes a place in the line; leaves it when dropped.
struct InLine<'a>(&'a AtomicUsize);

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

fn busy() -> ApiError {
    ApiError::Unavailable("too many sign-ins at once; retry in a few seconds".into())
}

impl Hashing {
    /// At most `slots` hashes at once (at least one).
    pub fn new(slots: usize) -> Self {
        let slots = slots.max(1);
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            in_line: Arc::new(AtomicUsize::new(0)),
            max_in_line: slots * LINE_PER_SLOT,
        }
    }

    /// The default bound: twice the cores this process may use, so hashing keeps every core
    /// busy while the memory it holds stays at a few tens of MiB.
    pub fn default_slots() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
    }

    async fn slot(&self) -> Result<SemaphorePermit<'_>, ApiError> {
        if let Ok(permit) = self.slots.try_acquire() {
            return Ok(permit);
        }
        if self.in_line.fetch_add(1, Ordering::Relaxed) >= self.max_in_line {
            self.in_line.fetch_sub(1, Ordering::Relaxed);
            return Err(busy());
        }
        let _place = InLine(&self.in_line);
        match tokio::time::timeout(WAIT, self.slots.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy()),
        }
    }

    /// Hashes a password to a PHC string; 503 when every slot stays busy.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let _slot = self.slot().await?;
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
            hasher()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
        })
        .await
        .map_err(anyhow::Error::from)?
        .map_err(ApiError::from)
    }

    /// Whether `password` matches `stored` (or the dummy hash when there is no account);
    /// 503 when every slot stays busy.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let _slot = self.slot().await?;
        Ok(tokio::task::spawn_blocking(move || {
            let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
            PasswordHash::new(&stored).is_ok_and(|parsed| {
                hasher()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
        .unwrap_or(false))
    }
}

/// A PHC string that never matches, verified against when the account does not exist so that
/// a wrong email costs as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1Cm9dMHdR8Oe6sH8yR1kH1nDOsqN4i2vJ4g9Qk6kD1o";
