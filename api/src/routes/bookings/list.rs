//! `GET /bookings`: the caller's bookings, newest first, a page at a time.

use super::json::{BookingPage, BookingSummary};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use mtbp_domain::{AccountId, BookingStatus, PartnerId, ShowId};
use mtbp_store::bookings::BookingFilter;
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
    #[param(value_type = Option<Uuid>)]
    pub show_id: Option<ShowId>,
    /// Operators only: the bookings of one customer or broker.
    #[param(value_type = Option<Uuid>)]
    pub customer_id: Option<AccountId>,
    /// Bookings created before this instant (from `next_before` of the previous page).
    pub before: Option<DateTime<Utc>>,
    /// Page size, 1-100 (default 20).
    pub limit: Option<i64>,
}

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
    let filter = filter(&user, q)?;
    let limit = filter.limit;
    let bookings: Vec<BookingSummary> = mtbp_store::bookings::list(&state.db, &filter)
        .await?
        .into_iter()
        .map(|b| BookingSummary {
            booking_id: b.booking_id,
            show_id: b.show_id,
            customer_id: b.customer_id,
            status: b.status,
            seat_count: b.seat_count,
            total: b.total,
            ticket_code: b.ticket_code,
            created_at: b.created_at,
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

/// The query as a filter, or why it is refused (422, or 403 for another account's bookings).
fn filter(user: &AuthUser, q: ListQuery) -> ApiResult<BookingFilter> {
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
                .ok_or_else(|| ApiError::field("status", "not a booking status"))?,
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
        // Staff of no partner see nothing: the nil partner owns no theater.
        Role::Partner => (
            None,
            user.partner_id.or(Some(PartnerId::from_uuid(Uuid::nil()))),
        ),
        Role::Admin => (q.customer_id, None),
    };
    Ok(BookingFilter {
        customer: owner,
        partner,
        status,
        show: q.show_id,
        before: q.before,
        limit,
    })
}
