//! `GET /bookings`: the caller's bookings, newest first, a page at a time.

use super::json::{BookingPage, BookingSummary};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use mtbp_domain::BookingStatus;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only bookings in this status, e.g. `BookingCompleted`.
    pub status: Option<String>,
    /// Only bookings of this show.
    pub show_id: Option<Uuid>,
    /// Operators only: the bookings of one customer or broker.
    pub customer_id: Option<Uuid>,
    /// Bookings created before this instant (from `next_before` of the previous page).
    pub before: Option<DateTime<Utc>>,
    /// Page size, 1-100 (default 20).
    pub limit: Option<i64>,
}

type Row = (
    Uuid,
    Uuid,
    Option<Uuid>,
    String,
    i64,
    i64,
    String,
    Option<String>,
    DateTime<Utc>,
);

/// Lists bookings: customers and brokers see their own, partner staff the bookings of their
/// theaters, operators all of them.
#[utoipa::path(get, path = "/bookings", tag = "bookings", params(ListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = BookingPage), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_bookings(
    State(state): State<AppState>,
    user: AuthUser,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<ApiJson<BookingPage>> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field("limit", "between 1 and 100"));
    }
    let mut errors = Vec::new();
    if let Some(before) = q.before
        && !crate::dates::check_instant("before", before, &mut errors)
    {
        return Err(ApiError::Validation(errors));
    }
    let status = match q.status.as_deref() {
        Some(raw) => Some(
            BookingStatus::parse(raw)
                .ok_or_else(|| ApiError::field("status", "not a booking status"))?
                .to_string(),
        ),
        None => None,
    };
    if q.customer_id.is_some() && !user.is_operator() {
        return Err(crate::auth::access::forbidden(
            "only operators list another account's bookings",
        ));
    }
    // Whose bookings: the caller's own, their theaters', or (operators) any.
    let (owner, partner) = match user.role {
        Role::Customer | Role::Broker => (Some(user.account_id), None),
        Role::Partner => (None, user.partner_id.or(Some(Uuid::nil()))),
        Role::Admin => (q.customer_id, None),
    };
    let rows: Vec<Row> = sqlx::query_as(
        "select b.booking_id, b.show_id, b.customer_id, b.status,
                (select count(*) from booking_seats bs where bs.booking_id = b.booking_id),
                b.amount_minor, b.currency, b.ticket_code, b.created_at
           from bookings b
          where ($1::uuid is null or b.customer_id = $1)
            and ($2::uuid is null or b.show_id in (
                    select s.show_id from shows s join theaters t using (theater_id)
                     where t.partner_id = $2))
            and ($3::text is null or b.status = $3)
            and ($4::uuid is null or b.show_id = $4)
            and ($5::timestamptz is null or b.created_at < $5)
          order by b.created_at desc
          limit $6",
    )
    .bind(owner)
    .bind(partner)
    .bind(status)
    .bind(q.show_id)
    .bind(q.before)
    .bind(limit)
    .fetch_all(&state.db)
    .await?;
    let bookings: Vec<BookingSummary> = rows
        .into_iter()
        .filter_map(|r| {
            Some(BookingSummary {
                booking_id: r.0,
                show_id: r.1,
                customer_id: r.2,
                status: BookingStatus::parse(&r.3)?,
                seat_count: r.4,
                amount_minor: r.5,
                currency: r.6,
                ticket_code: r.7,
                created_at: r.8,
            })
        })
        .collect();
    let next_before = if i64::try_from(bookings.len()).unwrap_or(0) == limit {
        bookings.last().map(|b| b.created_at)
    } else {
        None
    };
    Ok(ApiJson(BookingPage {
        bookings,
        next_before,
    }))
}
