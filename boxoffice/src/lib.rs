//! The reference theater box office: what a theater's own ticketing system offers the
//! platform (seat availability, locks that lapse, sales, cancellations of sales), with
//! switches that make it down, slow or refuse chosen seats, for tests and the demo. The API is
//! described in `boxoffice/README.md`.
//!
//! State lives in memory behind one lock (a theater's box office sees a few requests a second)
//! and, with a state file, is written after every change so a restart keeps the sales.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::{DateTime, Duration as Span, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Most seats one lock or sale may name.
const MAX_SEATS: usize = 50;
/// Longest slow-down a switch may ask for.
const MAX_DELAY_MS: u64 = 60_000;

/// How the box office runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Longest lock it grants, seconds.
    pub max_lock_seconds: u32,
    /// Where it keeps its state between runs, if anywhere.
    pub state_file: Option<PathBuf>,
    /// The key the platform must present (`Authorization: Bearer …`), if any.
    pub api_key: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_lock_seconds: 600,
            state_file: None,
            api_key: None,
        }
    }
}

/// The switches of a test or a demo.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Switches {
    /// Every theater route answers 503.
    #[serde(default)]
    pub down: bool,
    /// Theater routes wait this long before answering.
    #[serde(default)]
    pub delay_ms: u64,
    /// Seats refused by locks, sales and confirms, by show.
    #[serde(default)]
    pub reject_seats: BTreeMap<String, Vec<String>>,
    /// Every confirm is refused.
    #[serde(default)]
    pub reject_confirm: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SwitchesPatch {
    down: Option<bool>,
    delay_ms: Option<u64>,
    reject_seats: Option<BTreeMap<String, Vec<String>>>,
    reject_confirm: Option<bool>,
}

/// A lock of seats, until it lapses or is confirmed.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Lock {
    lock_id: String,
    show: String,
    seats: Vec<String>,
    reference: String,
    expires_at: DateTime<Utc>,
    /// `locked`, `released` or `sold`.
    status: String,
    sale_id: Option<String>,
}

/// Who the theater admits.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Customer {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct BookingInfo {
    reference: String,
    #[serde(default)]
    ticket_code: String,
    #[serde(default)]
    amount_minor: i64,
    #[serde(default)]
    currency: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Sale {
    sale_id: String,
    show: String,
    seats: Vec<String>,
    cancelled_seats: Vec<String>,
    reference: String,
    ticket_code: String,
    amount_minor: i64,
    currency: String,
    customer: Option<Customer>,
    /// `live`, `designated` or `counter`.
    kind: String,
    /// `sold` or `cancelled`.
    status: String,
    created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Book {
    locks: HashMap<String, Lock>,
    sales: Vec<Sale>,
    switches: Switches,
}

impl Book {
    /// What holds `seat` of `show` now, other than `reference`: `Some("sold" | "locked")`.
    fn taken(
        &self,
        show: &str,
        seat: &str,
        reference: Option<&str>,
        now: DateTime<Utc>,
    ) -> Option<&'static str> {
        let sold = self.sales.iter().any(|s| {
            s.show == show
                && s.seats.iter().any(|x| x == seat)
                && Some(s.reference.as_str()) != reference
        });
        if sold {
            return Some("sold");
        }
        let locked = self.locks.values().any(|l| {
            l.show == show
                && l.status == "locked"
                && l.expires_at > now
                && l.seats.iter().any(|x| x == seat)
                && Some(l.reference.as_str()) != reference
        });
        locked.then_some("locked")
    }

    fn rejected(&self, show: &str, seat: &str) -> bool {
        self.switches
            .reject_seats
            .get(show)
            .is_some_and(|v| v.iter().any(|s| s.eq_ignore_ascii_case(seat)))
    }

    fn unavailable(
        &self,
        show: &str,
        seats: &[String],
        reference: Option<&str>,
        now: DateTime<Utc>,
    ) -> Vec<String> {
        seats
            .iter()
            .filter(|s| self.rejected(show, s) || self.taken(show, s, reference, now).is_some())
            .cloned()
            .collect()
    }
}

/// The box office: its state and configuration; cheap to clone.
#[derive(Clone)]
pub struct BoxOffice {
    book: Arc<Mutex<Book>>,
    config: Arc<Config>,
}

impl std::fmt::Debug for BoxOffice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoxOffice").finish_non_exhaustive()
    }
}

/// An error answer: `{"error": code, "message": …}` and more fields.
struct Refusal(StatusCode, serde_json::Value);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

fn refuse(status: StatusCode, code: &str, message: impl Into<String>) -> Refusal {
    Refusal(status, json!({ "error": code, "message": message.into() }))
}

fn invalid(message: impl Into<String>) -> Refusal {
    refuse(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
}

fn seats_taken(seats: Vec<String>) -> Refusal {
    Refusal(
        StatusCode::CONFLICT,
        json!({"error": "seats_unavailable", "message": "seats taken at the theater", "seats": seats}),
    )
}

type Answer = Result<Response, Refusal>;

/// A JSON body, or a 4xx that says what is wrong with it.
struct Body<T>(T);

impl<T, S> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(e) => Err(refuse(e.status(), "invalid_body", e.body_text())),
        }
    }
}

fn seats_of(raw: &[String]) -> Result<Vec<String>, Refusal> {
    if raw.is_empty() || raw.len() > MAX_SEATS {
        return Err(invalid(format!("1 to {MAX_SEATS} seats")));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for s in raw {
        let s = s.trim().to_uppercase();
        if s.is_empty() || s.len() > 16 {
            return Err(invalid("a seat label is 1 to 16 characters"));
        }
        if out.contains(&s) {
            return Err(invalid(format!("seat {s} named twice")));
        }
        out.push(s);
    }
    Ok(out)
}

fn text(field: &str, value: &str, max: usize) -> Result<String, Refusal> {
    let v = value.trim();
    if v.is_empty() || v.len() > max {
        return Err(invalid(format!("{field} is 1 to {max} characters")));
    }
    Ok(v.to_owned())
}

fn lock_json(l: &Lock) -> serde_json::Value {
    json!({
        "lock_id": l.lock_id, "show": l.show, "seats": l.seats, "reference": l.reference,
        "expires_at": l.expires_at.to_rfc3339(), "status": l.status,
    })
}

fn sale_json(s: &Sale) -> serde_json::Value {
    json!({
        "sale_id": s.sale_id, "show": s.show, "seats": s.seats,
        "cancelled_seats": s.cancelled_seats, "reference": s.reference,
        "ticket_code": s.ticket_code, "amount_minor": s.amount_minor, "currency": s.currency,
        "customer": s.customer, "kind": s.kind, "status": s.status,
        "created_at": s.created_at.to_rfc3339(),
    })
}

fn answer(status: StatusCode, body: serde_json::Value) -> Answer {
    Ok((status, Json(body)).into_response())
}

impl BoxOffice {
    /// A box office with the state of its state file, if it has one.
    pub fn new(config: Config) -> Self {
        let book = config
            .state_file
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice::<Book>(&b).ok())
            .unwrap_or_default();
        Self {
            book: Arc::new(Mutex::new(book)),
            config: Arc::new(config),
        }
    }

    fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes the state file (a temporary file, then renamed), if there is one.
    fn save(&self, book: &Book) {
        let Some(path) = &self.config.state_file else {
            return;
        };
        let tmp = path.with_extension("tmp");
        let written = serde_json::to_vec(book)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(&tmp, bytes))
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            tracing::warn!(error = %e, "state file not written");
        }
    }

    /// The routes: `/v1/…` for the platform, `/health`, and `/admin/…` for the switches.
    pub fn router(&self) -> Router {
        let theater = Router::new()
            .route("/v1/shows/{show}/seats", get(seats))
            .route("/v1/locks", post(lock))
            .route("/v1/locks/{lock_id}/confirm", post(confirm))
            .route("/v1/locks/{lock_id}", delete(release))
            .route("/v1/sales", post(sell).get(list_sales))
            .route("/v1/sales/by-reference/{reference}", get(sale_by_reference))
            .route("/v1/sales/{sale_id}/cancel", post(cancel_sale))
            .route("/health", get(health))
            .route_layer(middleware::from_fn_with_state(self.clone(), gate));
        Router::new()
            .merge(theater)
            .route("/admin/switches", get(get_switches).put(put_switches))
            .route("/admin/shows/{show}/sell", post(counter_sale))
            .route("/admin/reset", post(reset))
            .fallback(|| async { refuse(StatusCode::NOT_FOUND, "not_found", "no such route") })
            .with_state(self.clone())
    }
}

/// The switches and the key, in front of every theater route.
async fn gate(
    State(office): State<BoxOffice>,
    headers: HeaderMap,
    req: Request,
    next: Next,
) -> Response {
    let (down, delay) = {
        let book = office.book();
        (book.switches.down, book.switches.delay_ms.min(MAX_DELAY_MS))
    };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if down {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "down",
            "the box office is down",
        )
        .into_response();
    }
    if let Some(key) = &office.config.api_key
        && req.uri().path().starts_with("/v1/")
    {
        let presented = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if presented != Some(key.as_str()) {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send Authorization: Bearer <key>",
            )
            .into_response();
        }
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    tracing::info!(%method, %path, status = resp.status().as_u16(), "box office request");
    resp
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

#[derive(Deserialize)]
struct SeatsQuery {
    seats: Option<String>,
}

async fn seats(
    State(office): State<BoxOffice>,
    Path(show): Path<String>,
    Query(q): Query<SeatsQuery>,
) -> Answer {
    let now = Utc::now();
    let book = office.book();
    let states: Vec<serde_json::Value> = match q.seats.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(list) => {
            let asked: Vec<String> = list.split(',').map(str::to_owned).collect();
            seats_of(&asked)?
                .into_iter()
                .map(|s| {
                    let state = book.taken(&show, &s, None, now).unwrap_or("available");
                    json!({"label": s, "state": state})
                })
                .collect()
        }
        None => {
            let mut taken: BTreeMap<String, &str> = BTreeMap::new();
            for l in book
                .locks
                .values()
                .filter(|l| l.show == show && l.status == "locked" && l.expires_at > now)
            {
                for s in &l.seats {
                    taken.insert(s.clone(), "locked");
                }
            }
            for s in book.sales.iter().filter(|s| s.show == show) {
                for seat in &s.seats {
                    taken.insert(seat.clone(), "sold");
                }
            }
            taken
                .into_iter()
                .map(|(label, state)| json!({"label": label, "state": state}))
                .collect()
        }
    };
    answer(StatusCode::OK, json!({"show": show, "seats": states}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LockRequest {
    show: String,
    seats: Vec<String>,
    seconds: u32,
    reference: String,
}

async fn lock(State(office): State<BoxOffice>, Body(req): Body<LockRequest>) -> Answer {
    let show = text("show", &req.show, 100)?;
    let reference = text("reference", &req.reference, 100)?;
    let seats = seats_of(&req.seats)?;
    if !(1..=86_400).contains(&req.seconds) {
        return Err(invalid("seconds is 1 to 86400"));
    }
    let now = Utc::now();
    let mut book = office.book();
    if let Some(l) = book.locks.values().find(|l| {
        l.reference == reference
            && l.show == show
            && (l.status == "sold" || (l.status == "locked" && l.expires_at > now))
    }) {
        let mut same = l.seats.clone();
        let mut asked = seats.clone();
        same.sort();
        asked.sort();
        if same != asked {
            return Err(refuse(
                StatusCode::CONFLICT,
                "reference_in_use",
                "this reference holds other seats",
            ));
        }
        return answer(StatusCode::OK, lock_json(l));
    }
    let unavailable = book.unavailable(&show, &seats, Some(&reference), now);
    if !unavailable.is_empty() {
        return Err(seats_taken(unavailable));
    }
    let seconds = req.seconds.min(office.config.max_lock_seconds);
    let l = Lock {
        lock_id: format!("lk_{}", uuid::Uuid::new_v4().simple()),
        show,
        seats,
        reference,
        expires_at: now + Span::seconds(i64::from(seconds)),
        status: "locked".into(),
        sale_id: None,
    };
    let body = lock_json(&l);
    book.locks.insert(l.lock_id.clone(), l);
    office.save(&book);
    answer(StatusCode::CREATED, body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmRequest {
    booking: BookingInfo,
    #[serde(default)]
    customer: Customer,
}

fn new_sale(
    show: &str,
    seats: &[String],
    booking: &BookingInfo,
    customer: Option<Customer>,
    kind: &str,
) -> Sale {
    Sale {
        sale_id: format!("sl_{}", uuid::Uuid::new_v4().simple()),
        show: show.to_owned(),
        seats: seats.to_vec(),
        cancelled_seats: Vec::new(),
        reference: booking.reference.clone(),
        ticket_code: booking.ticket_code.clone(),
        amount_minor: booking.amount_minor,
        currency: booking.currency.clone(),
        customer,
        kind: kind.to_owned(),
        status: "sold".into(),
        created_at: Utc::now(),
    }
}

async fn confirm(
    State(office): State<BoxOffice>,
    Path(lock_id): Path<String>,
    Body(req): Body<ConfirmRequest>,
) -> Answer {
    text("booking.reference", &req.booking.reference, 100)?;
    let now = Utc::now();
    let mut book = office.book();
    let Some(l) = book.locks.get(&lock_id).cloned() else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "unknown_lock",
            "no such lock",
        ));
    };
    if let Some(sale_id) = &l.sale_id
        && let Some(s) = book.sales.iter().find(|s| &s.sale_id == sale_id)
    {
        return answer(StatusCode::OK, sale_json(s));
    }
    if l.status == "released" || l.expires_at <= now {
        return Err(refuse(
            StatusCode::CONFLICT,
            "lock_expired",
            "the lock lapsed before its confirm",
        ));
    }
    let rejected =
        book.switches.reject_confirm || l.seats.iter().any(|s| book.rejected(&l.show, s));
    if rejected {
        if let Some(x) = book.locks.get_mut(&lock_id) {
            x.status = "released".into();
        }
        office.save(&book);
        return Err(refuse(
            StatusCode::CONFLICT,
            "rejected",
            "the theater refused this sale",
        ));
    }
    let sale = new_sale(&l.show, &l.seats, &req.booking, Some(req.customer), "live");
    let body = sale_json(&sale);
    if let Some(x) = book.locks.get_mut(&lock_id) {
        x.status = "sold".into();
        x.sale_id = Some(sale.sale_id.clone());
    }
    book.sales.push(sale);
    office.save(&book);
    answer(StatusCode::CREATED, body)
}

async fn release(State(office): State<BoxOffice>, Path(lock_id): Path<String>) -> Answer {
    let mut book = office.book();
    let Some(l) = book.locks.get_mut(&lock_id) else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "unknown_lock",
            "no such lock",
        ));
    };
    if l.status == "sold" {
        return Err(refuse(
            StatusCode::CONFLICT,
            "sold",
            "the lock was confirmed into a sale",
        ));
    }
    l.status = "released".into();
    office.save(&book);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SellRequest {
    show: String,
    seats: Vec<String>,
    booking: BookingInfo,
    #[serde(default)]
    customer: Customer,
}

async fn sell(State(office): State<BoxOffice>, Body(req): Body<SellRequest>) -> Answer {
    let show = text("show", &req.show, 100)?;
    let reference = text("booking.reference", &req.booking.reference, 100)?;
    let seats = seats_of(&req.seats)?;
    let now = Utc::now();
    let mut book = office.book();
    if let Some(s) = book
        .sales
        .iter()
        .find(|s| s.reference == reference && s.show == show)
    {
        return answer(StatusCode::OK, sale_json(s));
    }
    let unavailable = book.unavailable(&show, &seats, Some(&reference), now);
    if !unavailable.is_empty() {
        return Err(seats_taken(unavailable));
    }
    let sale = new_sale(
        &show,
        &seats,
        &req.booking,
        Some(req.customer),
        "designated",
    );
    let body = sale_json(&sale);
    book.sales.push(sale);
    office.save(&book);
    answer(StatusCode::CREATED, body)
}

#[derive(Deserialize)]
struct SalesQuery {
    show: Option<String>,
}

async fn list_sales(State(office): State<BoxOffice>, Query(q): Query<SalesQuery>) -> Answer {
    let book = office.book();
    let sales: Vec<serde_json::Value> = book
        .sales
        .iter()
        .filter(|s| q.show.as_ref().is_none_or(|show| &s.show == show))
        .map(sale_json)
        .collect();
    answer(StatusCode::OK, json!({"sales": sales}))
}

async fn sale_by_reference(
    State(office): State<BoxOffice>,
    Path(reference): Path<String>,
) -> Answer {
    let book = office.book();
    match book.sales.iter().find(|s| s.reference == reference) {
        Some(s) => answer(StatusCode::OK, sale_json(s)),
        None => Err(refuse(
            StatusCode::NOT_FOUND,
            "unknown_sale",
            "no sale has this reference",
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelRequest {
    #[serde(default)]
    seats: Option<Vec<String>>,
    /// Why (kept by the platform; the box office does not need it).
    #[serde(default)]
    #[allow(dead_code)]
    reason: Option<String>,
}

async fn cancel_sale(
    State(office): State<BoxOffice>,
    Path(sale_id): Path<String>,
    Body(req): Body<CancelRequest>,
) -> Answer {
    let asked = match &req.seats {
        Some(s) => Some(seats_of(s)?),
        None => None,
    };
    let mut book = office.book();
    let Some(sale) = book.sales.iter_mut().find(|s| s.sale_id == sale_id) else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "unknown_sale",
            "no such sale",
        ));
    };
    let cancel = match asked {
        Some(seats) => {
            if let Some(bad) = seats
                .iter()
                .find(|s| !sale.seats.contains(s) && !sale.cancelled_seats.contains(s))
            {
                return Err(invalid(format!("seat {bad} is not in this sale")));
            }
            seats
        }
        None => sale.seats.clone(),
    };
    for seat in cancel {
        if let Some(i) = sale.seats.iter().position(|s| *s == seat) {
            sale.seats.remove(i);
            sale.cancelled_seats.push(seat);
        }
    }
    if sale.seats.is_empty() {
        sale.status = "cancelled".into();
    }
    let body = sale_json(sale);
    office.save(&book);
    answer(StatusCode::OK, body)
}

async fn get_switches(State(office): State<BoxOffice>) -> Json<Switches> {
    Json(office.book().switches.clone())
}

async fn put_switches(State(office): State<BoxOffice>, Body(patch): Body<SwitchesPatch>) -> Answer {
    if patch.delay_ms.is_some_and(|d| d > MAX_DELAY_MS) {
        return Err(invalid(format!("delay_ms is at most {MAX_DELAY_MS}")));
    }
    let mut book = office.book();
    let s = &mut book.switches;
    if let Some(v) = patch.down {
        s.down = v;
    }
    if let Some(v) = patch.delay_ms {
        s.delay_ms = v;
    }
    if let Some(v) = patch.reject_seats {
        s.reject_seats = v
            .into_iter()
            .map(|(k, seats)| (k, seats.into_iter().map(|x| x.to_uppercase()).collect()))
            .collect();
    }
    if let Some(v) = patch.reject_confirm {
        s.reject_confirm = v;
    }
    let body = serde_json::to_value(&book.switches).unwrap_or_default();
    office.save(&book);
    answer(StatusCode::OK, body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CounterRequest {
    seats: Vec<String>,
}

async fn counter_sale(
    State(office): State<BoxOffice>,
    Path(show): Path<String>,
    Body(req): Body<CounterRequest>,
) -> Answer {
    let seats = seats_of(&req.seats)?;
    let now = Utc::now();
    let mut book = office.book();
    let taken: Vec<String> = seats
        .iter()
        .filter(|s| book.taken(&show, s, None, now).is_some())
        .cloned()
        .collect();
    if !taken.is_empty() {
        return Err(seats_taken(taken));
    }
    let booking = BookingInfo {
        reference: format!("counter-{}", uuid::Uuid::new_v4().simple()),
        ..BookingInfo::default()
    };
    let sale = new_sale(&show, &seats, &booking, None, "counter");
    let body = sale_json(&sale);
    book.sales.push(sale);
    office.save(&book);
    answer(StatusCode::CREATED, body)
}

async fn reset(State(office): State<BoxOffice>) -> StatusCode {
    let mut book = office.book();
    *book = Book::default();
    office.save(&book);
    StatusCode::NO_CONTENT
}

/// Serves the box office on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    office: BoxOffice,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, office.router())
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
