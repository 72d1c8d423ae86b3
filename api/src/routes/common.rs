//! Helpers shared by several route groups, kept here so no route module imports another.

use crate::error::{ApiError, ApiResult, ErrorCode};
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;

/// Trims `value`; a field error if it is empty or longer than `max` characters.
pub(crate) use mtbp_domain::text::required as required_text;

/// A query string, or a 400 saying what is wrong with it.
pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(v)| v)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// The `next_offset` of a page: there may be more when the page is full.
pub(crate) fn next_offset(len: usize, limit: i64, offset: i64) -> Option<i64> {
    (i64::try_from(len).unwrap_or(0) == limit).then_some(offset + limit)
}

/// A 409 naming how many shows still to run keep `what` (a theater, a screen) in use.
pub(crate) fn shows_ahead(what: &str, count: i64) -> ApiError {
    ApiError::Refused {
        status: StatusCode::CONFLICT,
        code: ErrorCode::HasUpcomingShows,
        message: format!(
            "{what} has {count} scheduled show(s) still to run; move or cancel them first"
        ),
        details: Some(serde_json::json!({ "upcoming_shows": count })),
    }
}

/// Money on the wire as today's integer minor units (`price_minor`, `amount_minor`), the
/// currency given once beside them.
pub(crate) mod minor_units {
    use mtbp_domain::Money;
    use serde::Serializer;
    use std::collections::BTreeMap;

    /// An amount as its minor units.
    pub(crate) fn serialize<S: Serializer>(money: &Money, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(money.amount_minor)
    }

    /// Prices by code as their minor units.
    pub(crate) fn by_code<S: Serializer>(
        prices: &BTreeMap<String, Money>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(prices.iter().map(|(code, m)| (code, m.amount_minor)))
    }
}
