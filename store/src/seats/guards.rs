//! Fair-use limits a hold from the API is checked against inside its own transaction, before
//! any seat is taken: how many live unpaid holds one contact email and one client address may
//! have on a show (so that a script cannot keep a show held by renewing guest holds).
//!
//! Each limited key (show + email, show + address) is serialised with a transaction-level
//! advisory lock, then counted in a statement of its own (whose snapshot sees every hold that
//! committed while this one waited): concurrent requests cannot slip past the limit together.
//! Requests with different emails and addresses never wait for each other.

use super::HoldRequest;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::net::IpAddr;

/// The limits one request runs under.
#[derive(Clone, Copy, Debug, Default)]
pub struct HoldLimits {
    /// Most live unpaid holds the request's contact email may have on the show; 0: no limit.
    pub per_email: u32,
    /// The client's address and the most live unpaid holds it may have on the show; none for
    /// an unknown or exempt address.
    pub per_address: Option<(IpAddr, u32)>,
}

/// Which limit a hold ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitScope {
    /// Holds of one contact email on the show.
    Email,
    /// Holds from one client address on the show.
    Address,
}

impl LimitScope {
    /// `email` or `address`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Address => "address",
        }
    }
}

/// A hold refused because its email or address already has as many live holds as allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyHolds {
    /// The limit reached.
    pub scope: LimitScope,
    /// Its value.
    pub limit: u32,
    /// Seconds until the first of those holds lapses (at least 1).
    pub retry_after_seconds: u64,
}

/// The counts and earliest expiries of live unpaid holds (seats held, not yet paid for, the
/// hold not lapsed) by email and by address, and the database's clock.
struct Counts {
    by_email: i64,
    email_first: Option<DateTime<Utc>>,
    by_address: i64,
    address_first: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
}

/// Refuses the hold if the request's email or address has reached its limit on the show.
pub(super) async fn check(
    conn: &mut PgConnection,
    req: &HoldRequest,
    limits: &HoldLimits,
) -> sqlx::Result<Option<TooManyHolds>> {
    let show_id = req.show_id.as_uuid();
    let email = (limits.per_email > 0).then_some(req.contact.email.as_str());
    let address = limits
        .per_address
        .filter(|(_, limit)| *limit > 0)
        .map(|(addr, _)| addr.to_string());
    if email.is_none() && address.is_none() {
        return Ok(None);
    }
    // A NULL key takes no lock (the function is strict). Email before address, always.
    // One array, so the checked query has a column it can read (the locks return `void`).
    sqlx::query_scalar!(
        "select array[
                pg_advisory_xact_lock(hashtextextended($1::text || ' email ' || $2, 0)) is null,
                pg_advisory_xact_lock(hashtextextended($1::text || ' address ' || $3, 0)) is null]",
        show_id.to_string(),
        email,
        address.as_deref(),
    )
    .fetch_one(&mut *conn)
    .await?;
    let counts = sqlx::query_as!(
        Counts,
        r#"select count(*) filter (where contact_email = $2) as "by_email!",
                  min(hold_expires_at) filter (where contact_email = $2) as email_first,
                  count(*) filter (where client_addr = $3::text::inet) as "by_address!",
                  min(hold_expires_at) filter (where client_addr = $3::text::inet) as address_first,
                  now() as "now!"
             from bookings
            where show_id = $1
              and status in ('PreBooking', 'PaymentInitiated') and hold_expires_at > now()
              and (contact_email = $2 or client_addr = $3::text::inet)"#,
        show_id,
        email,
        address.as_deref(),
    )
    .fetch_one(&mut *conn)
    .await?;
    let over = |count: i64, limit: u32| count >= i64::from(limit);
    let refused = if email.is_some() && over(counts.by_email, limits.per_email) {
        Some((LimitScope::Email, limits.per_email, counts.email_first))
    } else {
        match limits.per_address {
            Some((_, limit)) if address.is_some() && over(counts.by_address, limit) => {
                Some((LimitScope::Address, limit, counts.address_first))
            }
            _ => None,
        }
    };
    Ok(refused.map(|(scope, limit, first)| TooManyHolds {
        scope,
        limit,
        retry_after_seconds: retry_after(first, counts.now),
    }))
}

/// Whole seconds from `now` until `first` lapses, rounded up, at least 1.
fn retry_after(first: Option<DateTime<Utc>>, now: DateTime<Utc>) -> u64 {
    let ms = first.map_or(0, |f| (f - now).num_milliseconds());
    u64::try_from(ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) > 0))
        .unwrap_or(0)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let now = DateTime::from_timestamp(1_000, 0).expect("valid");
        let at = |ms: i64| DateTime::from_timestamp_millis(1_000_000 + ms);
        assert_eq!(retry_after(at(1), now), 1);
        assert_eq!(retry_after(at(1_000), now), 1);
        assert_eq!(retry_after(at(1_001), now), 2);
        assert_eq!(retry_after(at(-5_000), now), 1);
        assert_eq!(retry_after(None, now), 1);
    }
}
