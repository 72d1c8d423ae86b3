//! `POST /bookings`: hold seats by starting the booking saga with Update-with-Start, answered in
//! one round trip with the hold (201) or the seats that are taken (409).

use super::access::guest_token;
use super::json::{Booking, NewBooking};
use super::read::load;
use super::temporal_error;
use crate::auth::access::forbidden;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorEnvelope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mtbp_activities::seats::HoldOutcome;
use mtbp_domain::seats::{FieldError, MAX_SEATS_PER_BOOKING, MAX_SEATS_PER_GROUP_BOOKING};
use mtbp_domain::{BookingId, Contact, SeatSelection, ShowId, TheaterId};
use mtbp_workflows::booking::types::{
    SA_CUSTOMER_ID, SA_SHOW_ID, SA_THEATER_ID, customer_attribute,
};
use mtbp_workflows::{BookingInput, BookingWorkflow};
use serde_json::json;
use temporalio_client::errors::{WorkflowStartError, WorkflowUpdateWithStartError};
use temporalio_client::{
    WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowQueryOptions,
    WorkflowUpdateWithStartOptions,
};
use temporalio_common::search_attributes::SearchAttributes;
use uuid::Uuid;

/// Header a client sends so that a retried POST names the same booking.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Holds seats for a new booking, as a guest or (with a bearer token) for the signed-in customer
/// or broker (brokers book up to 100 seats for a group). A guest gets a `guest_token` to reach
/// the booking later. With an `Idempotency-Key`, a retry returns the same booking.
#[utoipa::path(post, path = "/bookings", tag = "bookings", request_body = NewBooking,
    security((), ("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header,
            description = "Makes the request safe to retry: the same key names the same booking")),
    responses(
        (status = 201, body = Booking, description = "Seats held; pay before `hold_expires_at`"),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope, description = "Partner staff and operators do not book"),
        (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope, description = "Seats taken (listed in `details.seats`) or show not bookable"),
        (status = 422, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)))]
pub async fn create_booking(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewBooking>,
) -> ApiResult<Response> {
    let max_seats = match user.map(|u| u.role) {
        None | Some(Role::Customer) => MAX_SEATS_PER_BOOKING,
        Some(Role::Broker) => MAX_SEATS_PER_GROUP_BOOKING,
        Some(Role::Partner | Role::Admin) => {
            return Err(forbidden(
                "partner staff and operators do not book; book as a customer or a guest",
            ));
        }
    };
    let (seats, contact) = validate(&body, max_seats)?;
    let key = idempotency_key(&headers)?;
    let booking_id = key.as_deref().map_or_else(
        || BookingId::from_uuid(Uuid::new_v4()),
        BookingId::from_idempotency_key,
    );
    let customer_id = user.map(|u| u.account_id);
    let fingerprint = json!({"show_id": body.show_id, "seats": seats.to_strings(),
                             "contact": contact, "account": customer_id})
    .to_string();
    // A retry is answered with its booking before anything else is checked (the show may have
    // started since); a new key is bound to the request only once the request is valid.
    if let Some(key) = &key
        && let Some(stored) = key_fingerprint(&state, key).await?
    {
        same_request(&stored, &fingerprint)?;
        if let Some(existing) = load(&state.db, booking_id.as_uuid()).await? {
            return Ok(created(&state, existing, true));
        }
    }
    let theater_id = check_show(&state, body.show_id, &seats).await?;
    if let Some(key) = &key {
        claim_key(&state, key, &fingerprint, booking_id).await?;
    }

    let input = BookingInput {
        booking_id,
        show_id: ShowId::from_uuid(body.show_id),
        theater_id: TheaterId::from_uuid(theater_id),
        seats: seats.to_strings(),
        contact,
        customer_id,
        platform_seats: matches!(user.map(|u| u.role), Some(Role::Broker)),
        hold_seconds: state.config.hold_seconds,
        payment_window_seconds: state.config.payment_window_seconds,
        hold_extension_seconds: state.config.hold_extension_seconds,
        max_hold_extensions: state.config.max_hold_extensions,
        hold_cap_seconds: state.config.hold_cap_seconds,
    };
    let outcome = start_saga(&state, input).await?;
    respond(&state, booking_id, outcome, false).await
}

fn validate(body: &NewBooking, max_seats: usize) -> ApiResult<(SeatSelection, Contact)> {
    let mut errors: Vec<FieldError> = Vec::new();
    let seats = SeatSelection::parse_up_to(&body.seats, max_seats)
        .map_err(|e| errors.push(e))
        .ok();
    let c = &body.contact;
    let contact = Contact::parse(&c.name, &c.email, c.phone.as_deref())
        .map_err(|mut e| errors.append(&mut e))
        .ok();
    match (seats, contact) {
        (Some(s), Some(c)) if errors.is_empty() => Ok((s, c)),
        _ => Err(ApiError::Validation(errors)),
    }
}

pub(super) fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(raw) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = raw.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be 1-255 visible ASCII characters".into(),
        ));
    }
    Ok(Some(key.to_owned()))
}

/// Checks the show exists, is bookable, and has every seat asked for; returns its theater.
async fn check_show(state: &AppState, show_id: Uuid, seats: &SeatSelection) -> ApiResult<Uuid> {
    let row: Option<(Uuid, String, bool, Vec<String>)> = sqlx::query_as(
        "select s.theater_id, s.status, s.starts_at > now(),
                array(select seat_label from show_seats
                       where show_id = s.show_id and seat_label = any($2))
           from shows s where s.show_id = $1",
    )
    .bind(show_id)
    .bind(seats.to_strings())
    .fetch_optional(&state.db)
    .await?;
    let (theater_id, status, upcoming, known) = row.ok_or(ApiError::NotFound("show"))?;
    if status != "scheduled" {
        return Err(ApiError::conflict(
            "show_not_bookable",
            format!("the show is {status}"),
        ));
    }
    if !upcoming {
        return Err(ApiError::conflict(
            "show_not_bookable",
            "the show has already started",
        ));
    }
    let unknown: Vec<String> = seats
        .to_strings()
        .into_iter()
        .filter(|s| !known.contains(s))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::field(
            "seats",
            format!("not seats of this show's screen: {}", unknown.join(", ")),
        ));
    }
    Ok(theater_id)
}

async fn key_fingerprint(state: &AppState, key: &str) -> ApiResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "select request_fingerprint from idempotency_keys where idempotency_key = $1",
    )
    .bind(key)
    .fetch_optional(&state.db)
    .await?)
}

fn same_request(stored: &str, fingerprint: &str) -> ApiResult<()> {
    if stored == fingerprint {
        return Ok(());
    }
    Err(ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "idempotency_key_reused",
        message: "this Idempotency-Key was used with a different request".into(),
        details: None,
    })
}

/// Binds the key to this request; the same key with a different request is refused.
async fn claim_key(state: &AppState, key: &str, fingerprint: &str, id: BookingId) -> ApiResult<()> {
    let inserted: Option<String> = sqlx::query_scalar(
        "insert into idempotency_keys (idempotency_key, request_fingerprint, booking_id)
         values ($1, $2, $3) on conflict (idempotency_key) do nothing
         returning request_fingerprint",
    )
    .bind(key)
    .bind(fingerprint)
    .bind(id.as_uuid())
    .fetch_optional(&state.db)
    .await?;
    // On conflict, read the winner in a statement of its own: the insert's snapshot may
    // predate a concurrent request's commit and not see its row.
    let stored = match inserted {
        Some(f) => f,
        None => key_fingerprint(state, key)
            .await?
            .ok_or_else(|| anyhow::anyhow!("idempotency key vanished"))?,
    };
    same_request(&stored, fingerprint)
}

async fn start_saga(state: &AppState, input: BookingInput) -> ApiResult<HoldOutcome> {
    let workflow_id = input.booking_id.workflow_id();
    let attributes = SearchAttributes::new([
        SA_SHOW_ID.value_set(input.show_id.to_string()),
        SA_THEATER_ID.value_set(input.theater_id.to_string()),
        SA_CUSTOMER_ID.value_set(customer_attribute(input.customer_id)),
    ]);
    let summary = format!("{} seat(s) of show {}", input.seats.len(), input.show_id);
    let options = WorkflowUpdateWithStartOptions::new(
        state.config.settings.task_queue.clone(),
        workflow_id.clone(),
        WorkflowIdConflictPolicy::UseExisting,
    )
    .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
    .search_attributes(attributes)
    .static_summary(summary)
    .update_id("hold".to_owned())
    .build();
    let result = state
        .temporal
        .execute_update_with_start_workflow(
            BookingWorkflow::run,
            input,
            BookingWorkflow::hold,
            (),
            options,
        )
        .await;
    match result {
        Ok(outcome) => Ok(outcome),
        // The workflow already ran to its end (a retry long after the first request): read its
        // answer instead of starting again.
        Err(WorkflowUpdateWithStartError::Start(WorkflowStartError::AlreadyStarted { .. })) => {
            let view = state
                .temporal
                .get_workflow_handle::<BookingWorkflow>(workflow_id)
                .query(BookingWorkflow::status, (), WorkflowQueryOptions::default())
                .await
                .map_err(|e| ApiError::Unavailable(format!("reading the booking: {e}")))?;
            view.hold
                .ok_or_else(|| ApiError::Unavailable("the booking's hold has no outcome".into()))
        }
        Err(WorkflowUpdateWithStartError::Update(e)) => Err(temporal_error::update(e)),
        Err(WorkflowUpdateWithStartError::Rpc(status)) => Err(temporal_error::rpc(&status)),
        Err(WorkflowUpdateWithStartError::Start(WorkflowStartError::Rpc(status))) => {
            Err(temporal_error::rpc(&status))
        }
        Err(other) => Err(ApiError::Internal(anyhow::Error::new(other))),
    }
}

async fn respond(
    state: &AppState,
    booking_id: BookingId,
    outcome: HoldOutcome,
    replayed: bool,
) -> ApiResult<Response> {
    match outcome {
        HoldOutcome::Held(_) => {
            let booking = load(&state.db, booking_id.as_uuid())
                .await?
                .ok_or_else(|| {
                    anyhow::anyhow!("held booking {booking_id} is not in the database")
                })?;
            Ok(created(state, booking, replayed))
        }
        HoldOutcome::SeatsUnavailable { seats } => Err(ApiError::Refused {
            status: StatusCode::CONFLICT,
            code: "seats_unavailable",
            message: format!("these seats are not available: {}", seats.join(", ")),
            details: Some(json!({ "seats": seats })),
        }),
        HoldOutcome::ShowNotBookable { reason } => {
            Err(ApiError::conflict("show_not_bookable", reason))
        }
    }
}

fn created(state: &AppState, mut booking: Booking, replayed: bool) -> Response {
    let location = format!("/bookings/{}", booking.booking_id);
    if booking.customer_id.is_none() {
        booking.guest_token = Some(guest_token(state, booking.booking_id));
    }
    let mut resp = (StatusCode::CREATED, ApiJson(booking)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    if replayed {
        resp.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    resp
}
