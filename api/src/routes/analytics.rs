//! `GET /admin/analytics` (operators): tickets per show, occupancy, revenue, offers redeemed and
//! refunds in a time range, read from the database. History beyond the database's reach is in
//! the S3 archive of the analytics topic (docs/EVENTS.md, with DuckDB).

use crate::auth::access::require;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::{DateTime, Duration, Utc};
use mtbp_domain::seats::FieldError;
use mtbp_store::analytics::{self, ShowSales};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The analytics routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sales))
}

/// The longest range one request may cover.
const MAX_RANGE_DAYS: i64 = 366;
/// Shows read to make the totals; a range with more shows than this is refused.
const MAX_SHOWS: i64 = 20_000;

/// `GET /admin/analytics`: the range and the page size.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsQuery {
    /// Start of the range (inclusive), RFC 3339; default 24 hours before `to`.
    pub from: Option<DateTime<Utc>>,
    /// End of the range (exclusive), RFC 3339; default now.
    pub to: Option<DateTime<Utc>>,
    /// Shows listed, 1-500 (default 100), highest revenue first; the totals cover them all.
    pub limit: Option<i64>,
}

/// One show's figures in the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShowFigures {
    /// The show.
    pub show_id: uuid::Uuid,
    /// Its theater.
    pub theater_id: uuid::Uuid,
    /// Its movie.
    pub movie_id: uuid::Uuid,
    /// Its city.
    pub city: String,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// Seats of the show.
    pub capacity: i64,
    /// Seats booked now, whenever they were sold.
    pub booked_now: i64,
    /// `booked_now` ÷ `capacity` (0 for a show without seats).
    pub occupancy: f64,
    /// Bookings paid in the range and still booked.
    pub bookings: i64,
    /// Their tickets (seats).
    pub tickets: i64,
    /// Their total, minor units of `currency`.
    pub revenue_minor: i64,
    /// The show's currency.
    pub currency: String,
    /// Offer redemptions in the range.
    pub offers_redeemed: i64,
    /// What they took off, minor units.
    pub discount_minor: i64,
    /// Refunds in the range.
    pub refunds: i64,
    /// Their amount, minor units.
    pub refunded_minor: i64,
}

/// The range's totals in one currency.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Totals {
    /// The currency.
    pub currency: String,
    /// Shows with figures in the range.
    pub shows: i64,
    /// Bookings paid and still booked.
    pub bookings: i64,
    /// Their tickets.
    pub tickets: i64,
    /// Their total, minor units.
    pub revenue_minor: i64,
    /// Offer redemptions.
    pub offers_redeemed: i64,
    /// What they took off, minor units.
    pub discount_minor: i64,
    /// Refunds.
    pub refunds: i64,
    /// Their amount, minor units.
    pub refunded_minor: i64,
}

/// Sales in a range.
#[derive(Debug, Serialize, ToSchema)]
pub struct Analytics {
    /// Start of the range (inclusive).
    pub from: DateTime<Utc>,
    /// End of the range (exclusive).
    pub to: DateTime<Utc>,
    /// Totals per currency, over every show of the range.
    pub totals: Vec<Totals>,
    /// Shows with figures in the range, highest revenue first (at most `limit`).
    pub shows: Vec<ShowFigures>,
    /// Shows with figures in the range in all (more than `shows` when the page is cut).
    pub shows_total: i64,
}

impl From<ShowSales> for ShowFigures {
    fn from(s: ShowSales) -> Self {
        Self {
            occupancy: if s.capacity > 0 {
                s.booked_now as f64 / s.capacity as f64
            } else {
                0.0
            },
            show_id: s.show_id,
            theater_id: s.theater_id,
            movie_id: s.movie_id,
            city: s.city,
            starts_at: s.starts_at,
            capacity: s.capacity,
            booked_now: s.booked_now,
            bookings: s.bookings,
            tickets: s.tickets,
            revenue_minor: s.revenue_minor,
            currency: s.currency,
            offers_redeemed: s.offers_redeemed,
            discount_minor: s.discount_minor,
            refunds: s.refunds,
            refunded_minor: s.refunded_minor,
        }
    }
}

/// The range and page of a query; a 422 naming every bad field.
fn range(q: &AnalyticsQuery, now: DateTime<Utc>) -> ApiResult<(DateTime<Utc>, DateTime<Utc>, i64)> {
    let mut errors = Vec::new();
    let to = q.to.unwrap_or(now);
    let to_ok = crate::dates::check_instant("to", to, &mut errors);
    let from = match q.from {
        Some(from) => from,
        None if to_ok => to - Duration::hours(24),
        None => to,
    };
    let from_ok = crate::dates::check_instant("from", from, &mut errors);
    if from_ok && to_ok {
        if from >= to {
            errors.push(FieldError::new("from", "must be before `to`"));
        } else if to - from > Duration::days(MAX_RANGE_DAYS) {
            errors.push(FieldError::new(
                "from",
                format!("a range covers at most {MAX_RANGE_DAYS} days"),
            ));
        }
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        errors.push(FieldError::new("limit", "between 1 and 500"));
    }
    if errors.is_empty() {
        Ok((from, to, limit))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Sales in a time range (operators): per show and in total.
#[utoipa::path(get, path = "/admin/analytics", tag = "ops", params(AnalyticsQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Analytics), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope, description = "A bad range or page")))]
pub async fn sales(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<AnalyticsQuery>, QueryRejection>,
) -> ApiResult<ApiJson<Analytics>> {
    require(&user, &[Role::Admin], "reading sales analytics")?;
    let q = query(q)?;
    let (from, to, limit) = range(&q, Utc::now())?;
    let rows = analytics::show_sales(&state.db, from, to, MAX_SHOWS + 1).await?;
    if i64::try_from(rows.len()).unwrap_or(i64::MAX) > MAX_SHOWS {
        return Err(ApiError::Validation(vec![FieldError::new(
            "from",
            format!("more than {MAX_SHOWS} shows in the range: ask for a shorter one"),
        )]));
    }
    let mut totals: BTreeMap<String, Totals> = BTreeMap::new();
    for r in &rows {
        let t = totals.entry(r.currency.clone()).or_insert_with(|| Totals {
            currency: r.currency.clone(),
            ..Totals::default()
        });
        t.shows += 1;
        t.bookings += r.bookings;
        t.tickets += r.tickets;
        t.revenue_minor += r.revenue_minor;
        t.offers_redeemed += r.offers_redeemed;
        t.discount_minor += r.discount_minor;
        t.refunds += r.refunds;
        t.refunded_minor += r.refunded_minor;
    }
    let shows_total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let shows = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(100))
        .map(ShowFigures::from)
        .collect();
    Ok(ApiJson(Analytics {
        from,
        to,
        totals: totals.into_values().collect(),
        shows,
        shows_total,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(from: Option<&str>, to: Option<&str>, limit: Option<i64>) -> AnalyticsQuery {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc));
        AnalyticsQuery {
            from: from.map(|s| at(s).expect("from")),
            to: to.map(|s| at(s).expect("to")),
            limit,
        }
    }

    #[test]
    fn the_range_defaults_to_the_last_day_and_refuses_what_makes_no_sense() {
        let now = Utc::now();
        let (from, to, limit) = range(&q(None, None, None), now).expect("default");
        assert_eq!((to, to - from, limit), (now, Duration::hours(24), 100));
        let field = |r: ApiResult<(DateTime<Utc>, DateTime<Utc>, i64)>| match r {
            Err(ApiError::Validation(errors)) => {
                errors.into_iter().map(|e| e.field).collect::<Vec<_>>()
            }
            other => panic!("{other:?}"),
        };
        let backwards = q(
            Some("2026-12-02T00:00:00Z"),
            Some("2026-12-01T00:00:00Z"),
            None,
        );
        assert_eq!(field(range(&backwards, now)), ["from"]);
        let long = q(
            Some("2020-01-01T00:00:00Z"),
            Some("2026-01-01T00:00:00Z"),
            Some(0),
        );
        assert_eq!(field(range(&long, now)), ["from", "limit"]);
        let ancient = q(Some("1500-01-01T00:00:00Z"), None, None);
        assert_eq!(field(range(&ancient, now)), ["from"]);
    }
}
