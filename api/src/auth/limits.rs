//! Bounds against floods: how many password hashes run at once, how many accounts one client
//! address may create per hour, how long an email may be; and the sweeper that makes the keyed
//! rate limiters forget keys that have been quiet long enough to be back at full quota.
//!
//! The client address is the TCP peer (`ConnectInfo`). Behind a reverse proxy every request
//! comes from the proxy, so raise `MTBP_SIGN_UPS_PER_ADDRESS_PER_HOUR` (or set it to 0 to turn
//! the limit off) and limit sign-ups at the proxy instead.

use crate::error::{ErrorCode, envelope};
pub use crate::limits::ClientAddr;
use crate::state::AppState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The flood bounds (`MTBP_MAX_CONCURRENT_HASHES`, `MTBP_SIGN_UPS_PER_ADDRESS_PER_HOUR`,
/// `MTBP_EMAIL_MAX_LENGTH`).
#[derive(Clone, Debug)]
pub struct FloodLimits {
    /// Password hashes (argon2id, 19 MiB each) allowed at once; beyond them requests wait up
    /// to 2 s in a short line, then get 503 with `Retry-After`.
    pub max_concurrent_hashes: usize,
    /// Accounts one client address may create per hour (customers, partners); 0: no limit.
    pub sign_ups_per_address_per_hour: u32,
    /// Longest email accepted at sign-up and sign-in, in bytes (RFC 5321: 254).
    pub email_max_length: usize,
}

impl Default for FloodLimits {
    fn default() -> Self {
        Self {
            max_concurrent_hashes: super::password::Hashing::default_slots(),
            sign_ups_per_address_per_hour: 20,
            email_max_length: 254,
        }
    }
}

/// Sign-ups per client address.
pub type SignUpLimiter = DefaultKeyedRateLimiter<IpAddr>;

/// The sign-up limiter of `limits`, or `None` when sign-ups are not limited.
pub fn sign_up_limiter(limits: &FloodLimits) -> Option<Arc<SignUpLimiter>> {
    let per_hour = NonZeroU32::new(limits.sign_ups_per_address_per_hour)?;
    Some(Arc::new(RateLimiter::keyed(Quota::per_hour(per_hour))))
}

/// How often the sweeper runs.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Every minute, drops the keys of `limiter` whose quota is full again (forgetting them changes
/// no answer). Stops when the limiter is dropped with the state that owns it.
pub fn sweep<K>(limiter: &Arc<DefaultKeyedRateLimiter<K>>)
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
{
    let weak: Weak<DefaultKeyedRateLimiter<K>> = Arc::downgrade(limiter);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(limiter) = weak.upgrade() else {
                return;
            };
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    });
}

/// The key to limit `client` by: the address itself for IPv4, its /64 network for IPv6 (one
/// subscriber usually holds a whole /64 and could rotate through it); `::` when the router runs
/// without a socket (tests that call it directly).
pub fn limit_key(client: ClientAddr) -> IpAddr {
    match client.0.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED)) {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        },
    }
}

/// A 429 with `Retry-After` when `client` has used up its sign-ups for now.
pub fn refuse_sign_up(state: &AppState, client: ClientAddr) -> Option<Response> {
    let limiter = state.sign_up_limiter.as_ref()?;
    let not_until = limiter.check_key(&limit_key(client)).err()?;
    let wait = not_until
        .wait_time_from(DefaultClock::default().now())
        .as_secs()
        .max(1);
    let mut resp = envelope(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::TooManySignUps,
        format!("too many accounts created from this address; retry in {wait} s"),
    );
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Some(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_ipv4_as_themselves() {
        let key = |s: &str| limit_key(ClientAddr(Some(s.parse().expect("ip")))).to_string();
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[test]
    fn no_limiter_when_sign_ups_are_unlimited() {
        let off = FloodLimits {
            sign_ups_per_address_per_hour: 0,
            ..FloodLimits::default()
        };
        assert!(sign_up_limiter(&off).is_none());
        let limiter = sign_up_limiter(&FloodLimits::default()).expect("limited");
        let ip = IpAddr::from([192, 0, 2, 1]);
        assert!((0..20).all(|_| limiter.check_key(&ip).is_ok()));
        assert!(
            limiter.check_key(&ip).is_err(),
            "the 21st in an hour is refused"
        );
    }
}
