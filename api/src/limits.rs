//! Limits on what clients may ask for, read once from the environment: how far ahead shows are
//! scheduled, how many live unpaid holds one contact email and one client address may keep on a
//! show, and the gateway's minimum charge per currency. The client's address is the socket peer
//! ([`ClientAddr`]).

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use mtbp_domain::charge::MinimumCharges;
use mtbp_infra::config::{parse_or, var_or};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The limits (see docs/OPERATIONS.md for each variable).
#[derive(Clone, Debug)]
pub struct InputLimits {
    /// Shows start at most this many days from now (`MTBP_SHOW_HORIZON_DAYS`).
    pub show_horizon_days: u32,
    /// Live unpaid holds one contact email may have on a show; 0: no limit
    /// (`MTBP_HOLDS_PER_EMAIL`).
    pub holds_per_email: u32,
    /// Live unpaid holds one client address may have on a show; 0: no limit
    /// (`MTBP_HOLDS_PER_ADDRESS`).
    pub holds_per_address: u32,
    /// Client addresses neither hold limit applies to (`MTBP_HOLD_LIMIT_EXEMPT`).
    pub hold_limit_exempt: Vec<AddrRange>,
    /// The smallest total a hold may have, by currency (`MTBP_MIN_CHARGE` overrides).
    pub min_charges: MinimumCharges,
}

/// Loopback: the machine itself (a load test, a box office on the host) is not limited.
pub const DEFAULT_EXEMPT: &str = "127.0.0.0/8,::1/128";

impl Default for InputLimits {
    fn default() -> Self {
        Self {
            show_horizon_days: 365,
            holds_per_email: 2,
            holds_per_address: 20,
            hold_limit_exempt: parse_ranges(DEFAULT_EXEMPT).unwrap_or_default(),
            min_charges: MinimumCharges::default(),
        }
    }
}

impl InputLimits {
    /// Reads the limits from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let d = Self::default();
        let show_horizon_days = parse_or("MTBP_SHOW_HORIZON_DAYS", d.show_horizon_days)?;
        anyhow::ensure!(
            (1..=3650).contains(&show_horizon_days),
            "MTBP_SHOW_HORIZON_DAYS must be between 1 and 3650"
        );
        let exempt =
            std::env::var("MTBP_HOLD_LIMIT_EXEMPT").unwrap_or_else(|_| DEFAULT_EXEMPT.into());
        Ok(Self {
            show_horizon_days,
            holds_per_email: parse_or("MTBP_HOLDS_PER_EMAIL", d.holds_per_email)?,
            holds_per_address: parse_or("MTBP_HOLDS_PER_ADDRESS", d.holds_per_address)?,
            hold_limit_exempt: parse_ranges(&exempt)
                .map_err(|e| anyhow::anyhow!("MTBP_HOLD_LIMIT_EXEMPT: {e}"))?,
            min_charges: MinimumCharges::with_overrides(&var_or("MTBP_MIN_CHARGE", ""))
                .map_err(|e| anyhow::anyhow!("MTBP_MIN_CHARGE: {e}"))?,
        })
    }

    /// Whether the hold limits spare `addr`.
    pub fn is_exempt(&self, addr: IpAddr) -> bool {
        self.hold_limit_exempt.iter().any(|r| r.contains(addr))
    }
}

/// An address range: an address and how many leading bits of it count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrRange {
    base: IpAddr,
    prefix: u8,
}

impl AddrRange {
    /// Parses `10.0.0.0/8`, `::1/128` or a lone address.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not an address or address/prefix");
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (text, None),
        };
        let base: IpAddr = addr.parse().map_err(|_| bad())?;
        let bits = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        if prefix > bits {
            return Err(bad());
        }
        Ok(Self { base, prefix })
    }

    /// Whether `addr` is in the range (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let keep = |bits: u32, width: u32| -> u128 {
            if bits == 0 {
                0
            } else {
                (u128::MAX >> (128 - width)) & !((1u128 << (width - bits)) - 1)
            }
        };
        match (self.base, addr.to_canonical()) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                let mask = keep(u32::from(self.prefix), 32);
                u128::from(u32::from(b)) & mask == u128::from(u32::from(a)) & mask
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => {
                let mask = keep(u32::from(self.prefix), 128);
                u128::from(b) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// A comma-separated list of ranges; an empty text is none.
pub fn parse_ranges(text: &str) -> Result<Vec<AddrRange>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(AddrRange::parse)
        .collect()
}

/// The client's address: the socket peer, when the server was started with connect info (the
/// in-process router of some tests is not).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(Self(peer.map(|ConnectInfo(a)| a.ip().to_canonical())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn ranges_match_by_prefix() {
        let loopback = parse_ranges(DEFAULT_EXEMPT).expect("valid");
        let limits = InputLimits::default();
        assert_eq!(limits.hold_limit_exempt, loopback);
        for exempt in ["127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"] {
            assert!(limits.is_exempt(ip(exempt)), "{exempt}");
        }
        for limited in ["10.0.0.1", "128.0.0.1", "::2", "2001:db8::1"] {
            assert!(!limits.is_exempt(ip(limited)), "{limited}");
        }
        let office = AddrRange::parse("192.168.4.0/22").expect("valid");
        assert!(office.contains(ip("192.168.7.255")));
        assert!(!office.contains(ip("192.168.8.0")));
        assert!(
            AddrRange::parse("0.0.0.0/0")
                .expect("valid")
                .contains(ip("8.8.8.8"))
        );
        assert!(
            AddrRange::parse("10.0.0.1")
                .expect("valid")
                .contains(ip("10.0.0.1"))
        );
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "localhost",
            "10.0.0/8",
            "1.2.3.4/x",
        ] {
            assert!(AddrRange::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_ranges(""), Ok(Vec::new()));
    }
}
