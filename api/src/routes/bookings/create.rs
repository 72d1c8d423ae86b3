//! `POST /bookings`: hold the named seats, or the best ones free, in one database transaction
//! that also records the booking's saga for the relay (`jobs/saga_relay.rs`) to start, and answer with the hold (201)
//! or why nothing was held (409).

use super::access::guest_token;
use super::fair_use::{below_minimum, hold_limits, too_many_holds};
use super::json::{Booking, NewBooking};
use super::pricing::{self, Asked};
use super::read::load;
use crate::auth::access::forbidden;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorCode, ErrorEnvelope};
use crate::idempotency::{IdempotencyKey, same_request, stored_fingerprint};
use crate::limits::ClientAddr;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mtbp_domain::best_seats::BestPick;
use mtbp_domain::seats::{FieldError, MAX_SEATS_PER_BOOKING, MAX_SEATS_PER_GROUP_BOOKING};
use mtbp_domain::{AccountId, BookingId, Contact, SeatSelection, ShowId, ShowStatus};
use mtbp_store::seats::{
    HoldLimits, HoldOutcome, HoldRecord, HoldRequest, PricingPlan, RecordedHold, hold_and_record,
    requested_show,
};
use mtbp_store::theaters::{Connection, Model};
use serde_json::json;
use uuid::Uuid;

/// Holds seats for a new booking, as a guest or (with a bearer token) for the signed-in customer
/// or broker (brokers book up to 100 seats for a group). A guest gets a `guest_token` to reach
/// the booking later. With an `Idempotency-Key`, a retry returns the same booking. One contact
/// email and one client address may keep only a few unpaid holds on a show at once (429).
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
        (status = 422, body = ErrorEnvelope, description = "Invalid fields, or `amount_below_minimum`: the total is below the gateway's smallest charge"),
        (status = 429, body = ErrorEnvelope, description = "`too_many_holds`: this contact email or client address already has as many unpaid holds on the show as allowed; see `Retry-After`"),
        (status = 503, body = ErrorEnvelope)))]
pub async fn create_booking(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    client: ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewBooking>,
) -> ApiResult<Response> {
    let (choice, contact, asked) = validate(&body, max_seats(user.as_ref())?)?;
    let (named, best) = match &choice {
        Choice::Named(seats) => (seats.to_strings(), None),
        Choice::Best(best) => (Vec::new(), Some(best.clone())),
    };
    let key = IdempotencyKey::from_headers(&headers)?.map(IdempotencyKey::into_string);
    let booking_id = key.as_deref().map_or_else(
        || BookingId::from_uuid(Uuid::new_v4()),
        BookingId::from_idempotency_key,
    );
    let customer_id = user.map(|u| u.account_id);
    let fingerprint = with_pricing(
        request_fingerprint(body.show_id, &named, best.as_ref(), &contact, customer_id),
        &asked,
    );
    // A retry of a booking made already is answered with it, whatever became of its offer or
    // show since (the hold's transaction checks the key again for concurrent retries).
    if let Some(key) = &key
        && let Some(existing) = load(&state.db, booking_id).await?
        && let Some(stored) = stored_fingerprint(&state, key).await?
    {
        same_request(&stored, &fingerprint)?;
        return Ok(created(&state, existing, true));
    }
    let plan = pricing::plan(&state, body.show_id, customer_id, booking_id, &asked).await?;
    // The partner's hold length, capped by a live theater's own lock and by the deployment's
    // `MTBP_HOLD_SECONDS`.
    let terms = state.theaters.terms(&state.db, body.show_id).await?;
    let live = terms
        .as_ref()
        .and_then(|t| t.connection.clone())
        .filter(|c| c.model == Model::Live);
    let hold_seconds = terms.as_ref().map_or(state.config.hold_seconds, |t| {
        t.policy
            .hold_seconds_with(live.as_ref().map(|c| c.lock_seconds))
            .min(state.config.hold_seconds)
    });
    let request = HoldRequest {
        booking_id,
        show_id: body.show_id,
        seats: named.clone(),
        hold_seconds,
        contact: contact.clone(),
        customer_id,
        platform_seats: matches!(user.map(|u| u.role), Some(Role::Broker)),
    };
    // The key is bound first thing in the hold's transaction: a retry learns there that it is
    // one, and is answered with its booking before anything else is checked (the show may have
    // started since).
    let mut idempotency = key.map(|k| (k, fingerprint.clone()));
    let guard = Guard {
        client,
        limits: hold_limits(&state, user.map(|u| u.role), client),
        plan: &plan,
    };
    let outcome = loop {
        let outcome = hold(&state, &request, idempotency.clone(), best.clone(), &guard).await?;
        let (RecordedHold::KeyTaken, Some((key, _))) = (&outcome, &idempotency) else {
            break outcome;
        };
        let stored = stored_fingerprint(&state, key)
            .await?
            .ok_or_else(|| anyhow::anyhow!("idempotency key vanished"))?;
        same_request(&stored, &fingerprint)?;
        match load(&state.db, booking_id).await? {
            Some(existing) => return Ok(created(&state, existing, true)),
            // Bound by an older API before its hold failed: hold now, the key stays as it is.
            None => idempotency = None,
        }
    };
    answer(
        &state,
        outcome,
        body.show_id,
        &named,
        best.as_ref(),
        live.as_ref(),
    )
    .await
}

/// Most seats the caller may book at once; partner staff and operators do not book (403).
fn max_seats(user: Option<&AuthUser>) -> ApiResult<usize> {
    match user.map(|u| u.role) {
        None | Some(Role::Customer) => Ok(MAX_SEATS_PER_BOOKING),
        Some(Role::Broker) => Ok(MAX_SEATS_PER_GROUP_BOOKING),
        Some(Role::Partner | Role::Admin) => Err(forbidden(
            "partner staff and operators do not book; book as a customer or a guest",
        )),
    }
}

/// The response to a hold's outcome: 201 with the booking once its saga is recorded, or the
/// error that explains why nothing was held.
async fn answer(
    state: &AppState,
    outcome: RecordedHold,
    show_id: ShowId,
    named: &[String],
    best: Option<&BestPick>,
    live: Option<&Connection>,
) -> ApiResult<Response> {
    let counted = match &outcome {
        RecordedHold::Held(_) => "held",
        RecordedHold::Refused(_) | RecordedHold::NoBlock => "conflict",
        _ => "refused",
    };
    metrics::counter!("mtbp_holds_total", "outcome" => counted).increment(1);
    match outcome {
        // The saga starts when the customer pays, or by the relay (`jobs/saga_relay.rs`).
        RecordedHold::Held(pending) => {
            let booking = super::held::record(state, *pending, live).await?;
            Ok(created(state, booking, false))
        }
        RecordedHold::KeyTaken => Err(ApiError::Internal(anyhow::anyhow!(
            "a hold without a key found its key taken"
        ))),
        RecordedHold::TooManyHolds(refused) => Ok(too_many_holds(refused)),
        RecordedHold::Unpriced(e) => Err(ApiError::field("addons", e.to_string())),
        RecordedHold::BelowMinimum { total, minimum } => Err(below_minimum(&total, &minimum)),
        // Say precisely what is wrong with the request (404, 422) before saying the seats
        // are taken (409).
        RecordedHold::Refused(outcome) => {
            check_show(state, show_id, named).await?;
            Err(refusal(outcome))
        }
        RecordedHold::NoBlock => {
            check_show(state, show_id, named).await?;
            let count = best.map_or(0, |b| b.count);
            Err(ApiError::conflict(
                ErrorCode::NotEnoughSeatsTogether,
                format!("no row has {count} free seats side by side"),
            ))
        }
    }
}

/// Holds the request's seats. Best seats are chosen inside the hold's transaction; should a
/// customer naming seats take one of them in the meantime, choose again (a couple of times)
/// rather than answer 409.
async fn hold(
    state: &AppState,
    request: &HoldRequest,
    idempotency: Option<(String, String)>,
    best: Option<BestPick>,
    guard: &Guard<'_>,
) -> ApiResult<RecordedHold> {
    let tries = if best.is_some() { BEST_TRIES } else { 1 };
    let mut outcome = RecordedHold::NoBlock;
    for _ in 0..tries {
        let record = HoldRecord {
            idempotency: idempotency.clone(),
            best: best.clone(),
            client_addr: guard.client.0,
            limits: guard.limits,
            min_charges: &state.config.limits.min_charges,
            pricing: guard.plan,
        };
        outcome = hold_and_record(&state.db, request, record).await?;
        if !matches!(
            outcome,
            RecordedHold::Refused(HoldOutcome::SeatsUnavailable { .. })
        ) {
            break;
        }
    }
    Ok(outcome)
}

/// Who asks, for the hold's limits, and how the seats are priced.
struct Guard<'a> {
    /// The client's address.
    client: ClientAddr,
    /// The limits the request runs under.
    limits: HoldLimits,
    /// The pricing of the seats taken.
    plan: &'a PricingPlan<'a>,
}

/// How many times a best-seats hold chooses again after losing a seat to a concurrent hold.
const BEST_TRIES: usize = 3;

/// The seats a request asks for.
enum Choice {
    /// These seats.
    Named(SeatSelection),
    /// The best block free when the hold runs.
    Best(BestPick),
}

/// What an `Idempotency-Key` is bound to: a retry with the key must ask for the same thing.
pub fn request_fingerprint(
    show_id: ShowId,
    seats: &[String],
    best: Option<&BestPick>,
    contact: &Contact,
    account: Option<AccountId>,
) -> String {
    let mut request =
        json!({"show_id": show_id, "seats": seats, "contact": contact, "account": account});
    if let Some(best) = best {
        request["best"] = json!({"count": best.count, "category": best.category});
    }
    request.to_string()
}

/// The fingerprint with the offer code and add-ons, when the request has any (so the
/// fingerprints of requests without them are as they always were).
fn with_pricing(fingerprint: String, asked: &Asked) -> String {
    if asked == &Asked::default() {
        return fingerprint;
    }
    let mut request: serde_json::Value =
        serde_json::from_str(&fingerprint).unwrap_or_else(|_| json!({ "request": fingerprint }));
    request["offer_code"] = json!(asked.code);
    request["addons"] = json!(asked.addons);
    request.to_string()
}

fn validate(body: &NewBooking, max_seats: usize) -> ApiResult<(Choice, Contact, Asked)> {
    let mut errors: Vec<FieldError> = Vec::new();
    let asked = pricing::check(body, &mut errors);
    let choice = match &body.best {
        Some(_) if !body.seats.is_empty() => {
            errors.push(FieldError::new(
                "best",
                "name the seats or ask for the best ones, not both",
            ));
            None
        }
        Some(best) => BestPick::parse(best.count, best.category.as_deref(), max_seats)
            .map_err(|e| errors.push(e))
            .ok()
            .map(Choice::Best),
        None => SeatSelection::parse_up_to(&body.seats, max_seats)
            .map_err(|e| errors.push(e))
            .ok()
            .map(Choice::Named),
    };
    let c = &body.contact;
    let contact = Contact::parse(&c.name, &c.email, c.phone.as_deref())
        .map_err(|mut e| errors.append(&mut e))
        .ok();
    match (choice, contact) {
        (Some(s), Some(c)) if errors.is_empty() => Ok((s, c, asked)),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Checks the show exists, is bookable, and has every seat asked for.
async fn check_show(state: &AppState, show_id: ShowId, seats: &[String]) -> ApiResult<()> {
    let show = requested_show(&state.db, show_id, seats)
        .await?
        .ok_or(ApiError::NotFound("show"))?;
    if show.status != ShowStatus::Scheduled {
        return Err(ApiError::conflict(
            ErrorCode::ShowNotBookable,
            format!("the show is {}", show.status),
        ));
    }
    if !show.upcoming {
        return Err(ApiError::conflict(
            ErrorCode::ShowNotBookable,
            "the show has already started",
        ));
    }
    let unknown: Vec<String> = seats
        .iter()
        .filter(|s| !show.known_seats.contains(s))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::field(
            "seats",
            format!("not seats of this show's screen: {}", unknown.join(", ")),
        ));
    }
    Ok(())
}

/// A refused hold as the API error that explains it.
fn refusal(outcome: HoldOutcome) -> ApiError {
    match outcome {
        HoldOutcome::SeatsUnavailable { seats } if seats.is_empty() => ApiError::conflict(
            ErrorCode::SeatsUnavailable,
            "other customers took every block that fitted while this one was chosen; try again",
        ),
        HoldOutcome::SeatsUnavailable { seats } => ApiError::Refused {
            status: StatusCode::CONFLICT,
            code: ErrorCode::SeatsUnavailable,
            message: format!("these seats are not available: {}", seats.join(", ")),
            details: Some(json!({ "seats": seats })),
        },
        HoldOutcome::ShowNotBookable { reason } => {
            ApiError::conflict(ErrorCode::ShowNotBookable, reason)
        }
        // Only a retried activity finds its own hold; the API's hold never does.
        HoldOutcome::Held(_) => ApiError::Internal(anyhow::anyhow!("a refused hold that held")),
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
