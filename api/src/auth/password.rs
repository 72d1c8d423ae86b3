//! Password hashing with argon2id (OWASP parameters), off the async threads, and never more
//! than a configured number at once: each hash needs 19 MiB, so a flood of sign-ins or
//! sign-ups with distinct emails would otherwise grow memory without bound. Each slot owns its
//! 19 MiB block, allocated on first use and reused (wiped after each hash): left to the
//! allocator, freed blocks stay in per-thread arenas and the process keeps growing well past
//! slots × 19 MiB.

use crate::error::{ApiError, ErrorCode};
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// 19 MiB, 2 passes, 1 lane: OWASP's minimum recommendation for argon2id.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

/// A slot's working memory.
type Memory = Box<[Block]>;

fn new_memory(blocks: usize) -> Memory {
    vec![Block::new(); blocks].into_boxed_slice()
}

/// Runs argon2id with `params` on `memory` (on a larger block, freed after, if a stored hash
/// asks for more), then wipes what it used.
fn compute(
    params: &Params,
    password: &[u8],
    salt: &[u8],
    len: usize,
    memory: &mut Memory,
) -> anyhow::Result<Output> {
    if memory.len() < params.block_count() {
        return compute(
            params,
            password,
            salt,
            len,
            &mut new_memory(params.block_count()),
        );
    }
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = Output::init_with(len, |out| {
        argon
            .hash_password_into_with_memory(password, salt, out, &mut memory[..])
            .map_err(|_| argon2::password_hash::Error::Crypto)
    });
    memory[..params.block_count()].fill(Block::new());
    output.map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

fn hash_with(password: &[u8], memory: &mut Memory) -> anyhow::Result<String> {
    let params = params();
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let mut raw = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut raw)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let output = compute(
        &params,
        password,
        salt_bytes,
        Params::DEFAULT_OUTPUT_LEN,
        memory,
    )?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("{e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored` (argon2id only; any other string never
/// matches). The comparison of the outputs is constant-time.
fn verify_with(password: &[u8], stored: &str, memory: &mut Memory) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(stored_params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut raw = [0u8; 64];
    let usable = parsed.algorithm == argon2::ARGON2ID_IDENT
        && parsed
            .version
            .is_none_or(|v| v == u32::from(Version::V0x13))
        && stored_params.block_count() <= MAX_STORED_COST * params().block_count();
    match salt.decode_b64(&mut raw) {
        Ok(salt) if usable => compute(&stored_params, password, salt, expected.len(), memory)
            .is_ok_and(|computed| computed == expected),
        _ => false,
    }
}

/// How many times our memory cost a stored hash may ask for: more would let a tampered row
/// make us allocate without bound.
const MAX_STORED_COST: usize = 4;

/// How long a request waits in line for a hashing slot before it is answered 503.
const WAIT: Duration = Duration::from_secs(2);
/// Requests allowed to wait in line per slot; more are answered 503 at once.
const LINE_PER_SLOT: usize = 8;

/// The bound on concurrent password hashing (`MTBP_MAX_CONCURRENT_HASHES`): cheap to clone.
#[derive(Clone, Debug)]
pub struct Hashing {
    slots: Arc<Semaphore>,
    /// The memory of idle slots; a permit guarantees one is here or may be allocated.
    memory: Arc<Mutex<Vec<Memory>>>,
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

/// Seconds since the epoch of the last "hashing saturated" warning: at most one per minute,
/// so a flood does not become a flood of log lines too.
static LAST_WARNED: AtomicU64 = AtomicU64::new(0);

fn busy() -> ApiError {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let last = LAST_WARNED.load(Ordering::Relaxed);
    if now >= last + 60
        && LAST_WARNED
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!("every password-hashing slot is busy; answering 503 (logged once a minute)");
    }
    // A 503 of our own rather than `Unavailable`, which logs every time; the router adds
    // `Retry-After` to every 503.
    ApiError::Refused {
        status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
        code: ErrorCode::TooBusy,
        message: "too many sign-ins at once; retry in a few seconds".into(),
        details: None,
    }
}

impl Hashing {
    /// At most `slots` hashes at once (at least one).
    pub fn new(slots: usize) -> Self {
        let slots = slots.max(1);
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            memory: Arc::new(Mutex::new(Vec::with_capacity(slots))),
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

    /// Runs `work` on a slot's memory, on a blocking thread; 503 when every slot stays busy.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _slot = self.slot().await?;
        let pool = self.memory.clone();
        let idle = pool.lock().ok().and_then(|mut idle| idle.pop());
        let result = tokio::task::spawn_blocking(move || {
            let mut memory = idle.unwrap_or_else(|| new_memory(params().block_count()));
            let out = work(&mut memory);
            if let Ok(mut idle) = pool.lock() {
                idle.push(memory);
            }
            out
        })
        .await;
        result.map_err(|e| ApiError::Internal(anyhow::anyhow!("password hashing: {e}")))
    }

    /// Hashes a password to a PHC string; 503 when every slot stays busy.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move |memory| hash_with(password.as_bytes(), memory))
            .await?
            .map_err(ApiError::from)
    }

    /// Whether `password` matches `stored` (or the dummy hash when there is no account, so
    /// that a wrong email costs as long as a wrong password); 503 when every slot stays busy.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        self.run(move |memory| {
            let stored = stored.as_deref().unwrap_or(DUMMY_HASH);
            verify_with(password.as_bytes(), stored, memory)
        })
        .await
    }
}

/// A PHC string that never matches, verified against when the account does not exist so that
/// a wrong email costs as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1Cm9dMHdR8Oe6sH8yR1kH1nDOsqN4i2vJ4g9Qk6kD1o";

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    fn memory() -> Memory {
        new_memory(params().block_count())
    }

    #[test]
    fn hashes_verify_both_ways_with_the_standard_argon2_api() {
        let mut m = memory();
        let ours = hash_with(b"correct horse battery", &mut m).expect("hash");
        assert!(verify_with(b"correct horse battery", &ours, &mut m));
        assert!(!verify_with(b"wrong horse battery", &ours, &mut m));
        let standard = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let parsed = PasswordHash::new(&ours).expect("phc");
        assert!(
            standard
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        // Hashes stored before the slots had memory of their own still verify.
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let old = standard
            .hash_password(b"an older password", &salt)
            .expect("hash")
            .to_string();
        assert!(verify_with(b"an older password", &old, &mut m));
        assert!(!verify_with(b"another password", &old, &mut m));
        assert!(
            m.iter().all(|b| b.as_ref().iter().all(|w| *w == 0)),
            "memory is wiped"
        );
    }

    #[test]
    fn malformed_or_foreign_hashes_never_match() {
        let mut m = memory();
        assert!(!verify_with(b"x", "", &mut m));
        assert!(!verify_with(b"x", "not a phc string", &mut m));
        assert!(!verify_with(b"x", DUMMY_HASH, &mut m));
        let huge = DUMMY_HASH.replace("m=19456", "m=4000000");
        assert!(!verify_with(b"x", &huge, &mut m));
        assert_eq!(m.len(), params().block_count(), "no memory grown for it");
    }
}
