//! Settlements with theater partners (docs/SETTLEMENT.md): partners list theirs and download
//! the reports; operators list all, and run, backfill, pause and resume a partner's schedule.
//!
//! `GET /settlements`, `GET /settlements/{id}`, `GET /settlements/{id}/report`,
//! `GET /partners/{id}/settlement-schedule` and its `pause`, `resume`, `trigger`, `backfill`.

use crate::auth::AuthUser;
use crate::auth::access::{forbidden, manage_partner};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorEnvelope};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use mtbp_domain::PartnerId;
use mtbp_domain::settlement::{Contract, schedule_id, settlement_workflow_id};
use mtbp_infra::temporal::ensure_schedule;
use mtbp_store::contracts;
use mtbp_store::settlements::{self, PayoutRecord, Settlement};
use mtbp_workflows::settlement::schedule;
use serde::{Deserialize, Serialize};
use std::time::SystemTime;
use temporalio_client::schedules::{ScheduleBackfill, ScheduleOverlapPolicy};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The settlement routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_settlements))
        .routes(routes!(get_settlement))
        .routes(routes!(get_report))
        .routes(routes!(get_schedule))
        .routes(routes!(pause_schedule))
        .routes(routes!(resume_schedule))
        .routes(routes!(trigger_schedule))
        .routes(routes!(backfill_schedule))
}

/// Most settlements a page lists.
const MAX_PAGE: i64 = 200;
/// The longest range one backfill may ask for.
const MAX_BACKFILL_DAYS: i64 = 366;

/// One settlement: one partner's one period. Amounts are minor units of `currency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementEntry {
    /// Its id.
    pub settlement_id: Uuid,
    /// The partner.
    #[schema(value_type = Uuid)]
    pub partner_id: PartnerId,
    /// The period's name (`2026-12-03`, `2026-W49`, `2026-12`, or a short period's start).
    pub period: String,
    /// When the period starts.
    pub period_start: DateTime<Utc>,
    /// When it ends.
    pub period_end: DateTime<Utc>,
    /// The contract version it followed.
    pub contract_version: i32,
    /// `running`, `computed`, `reported`, `paid`, `done` or `failed`.
    pub status: String,
    /// The currency (none while the partner never sold anything).
    pub currency: Option<String>,
    /// Bookings with a line (a refund after an earlier settlement is a negative line).
    pub bookings: i32,
    /// What the gateway kept for them this period, net of refunds.
    pub kept_minor: i64,
    /// Tickets at their value to the partner (after the discounts it funded).
    pub tickets_minor: i64,
    /// Add-ons at their value to the partner.
    pub addons_minor: i64,
    /// The platform's commission.
    pub commission_minor: i64,
    /// Convenience fees.
    pub fees_minor: i64,
    /// Discounts the partner funded.
    pub partner_funded_minor: i64,
    /// Discounts the platform funded.
    pub platform_funded_minor: i64,
    /// Cancellation fees kept.
    pub cancellation_fees_minor: i64,
    /// Taxes, held by the platform for remittance.
    pub tax_minor: i64,
    /// What the period owes the partner.
    pub partner_minor: i64,
    /// The platform's revenue.
    pub platform_minor: i64,
    /// What earlier periods carried in.
    pub carried_in_minor: i64,
    /// What is paid out.
    pub payout_minor: i64,
    /// What goes into the next period (below the minimum payout, or a negative balance).
    pub carried_out_minor: i64,
    /// Bookings told `SettlementDone` so far.
    pub signalled: i32,
    /// Why the last run failed.
    pub error: Option<String>,
    /// Its workflow (`settlement-{partner}-{period}`), to find it in the Temporal UI.
    pub workflow_id: String,
    /// When it was first started.
    pub started_at: DateTime<Utc>,
    /// When its lines were written.
    pub computed_at: Option<DateTime<Utc>>,
    /// When it was done.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Settlement> for SettlementEntry {
    fn from(s: Settlement) -> Self {
        Self {
            workflow_id: settlement_workflow_id(s.partner_id, &s.period),
            settlement_id: s.settlement_id,
            partner_id: s.partner_id,
            period: s.period,
            period_start: s.period_start,
            period_end: s.period_end,
            contract_version: s.contract_version,
            status: s.status,
            currency: s.currency,
            bookings: s.bookings,
            kept_minor: s.kept_minor,
            tickets_minor: s.tickets_minor,
            addons_minor: s.addons_minor,
            commission_minor: s.commission_minor,
            fees_minor: s.fees_minor,
            partner_funded_minor: s.partner_funded_minor,
            platform_funded_minor: s.platform_funded_minor,
            cancellation_fees_minor: s.cancellation_fees_minor,
            tax_minor: s.tax_minor,
            partner_minor: s.partner_minor,
            platform_minor: s.platform_minor,
            carried_in_minor: s.carried_in_minor,
            payout_minor: s.payout_minor,
            carried_out_minor: s.carried_out_minor,
            signalled: s.signalled,
            error: s.error,
            started_at: s.started_at,
            computed_at: s.computed_at,
            finished_at: s.finished_at,
        }
    }
}

/// A page of settlements, newest period first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementPage {
    /// The settlements.
    pub settlements: Vec<SettlementEntry>,
    /// `before` for the next page, when there may be one.
    pub next_before: Option<DateTime<Utc>>,
}

/// Which settlements to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The partner (its staff see only theirs: it defaults to it).
    pub partner_id: Option<Uuid>,
    /// Only of this status.
    pub status: Option<String>,
    /// Only periods ending before this (the previous page's `next_before`).
    pub before: Option<DateTime<Utc>>,
    /// At most this many (1 to 200; 50 by default).
    pub limit: Option<i64>,
}

use mtbp_domain::settlement::STATUSES;

/// Lists settlements: a partner's staff their partner's, operators anyone's (every partner's
/// without `partner_id`).
#[utoipa::path(get, path = "/settlements", tag = "settlements", params(ListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = SettlementPage), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_settlements(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<ApiJson<SettlementPage>> {
    let q = query(q)?;
    let partner = match (q.partner_id.map(PartnerId::from_uuid), user.partner_id) {
        (Some(p), _) => {
            manage_partner(&state.db, &user, p).await?;
            Some(p)
        }
        (None, _) if user.is_operator() => None,
        (None, Some(own)) if user.may_act_for_partner(own) => Some(own),
        (None, _) => {
            return Err(forbidden(
                "settlements are for partners' staff and operators",
            ));
        }
    };
    if let Some(s) = q.status.as_deref()
        && !STATUSES.contains(&s)
    {
        return Err(ApiError::field(
            "status",
            "status is running, computed, reported, paid, done or failed",
        ));
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::field("limit", "limit is 1 to 200"));
    }
    let rows = settlements::list(&state.db, partner, q.status.as_deref(), q.before, limit).await?;
    let next_before = (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|s| s.period_end))
        .flatten();
    Ok(ApiJson(SettlementPage {
        settlements: rows.into_iter().map(Into::into).collect(),
        next_before,
    }))
}

/// A payout: what a settlement paid the partner's sealed account.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayoutEntry {
    /// What was paid (minor units).
    pub amount_minor: i64,
    /// The currency.
    pub currency: String,
    /// `instruction` (recorded for the bank) or `transfer`.
    pub method: String,
    /// The account's last characters.
    pub account_hint: Option<String>,
    /// The payout's reference (the same for any retry).
    pub reference: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<PayoutRecord> for PayoutEntry {
    fn from(p: PayoutRecord) -> Self {
        Self {
            amount_minor: p.amount_minor,
            currency: p.currency,
            method: p.method,
            account_hint: p.account_hint,
            reference: p.reference,
            created_at: p.created_at,
        }
    }
}

/// One settlement with its payout.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementDetail {
    /// The settlement.
    #[serde(flatten)]
    pub settlement: SettlementEntry,
    /// Its payout, once recorded (none when the period paid nothing).
    pub payout: Option<PayoutEntry>,
}

async fn load(state: &AppState, user: &AuthUser, id: Uuid) -> ApiResult<Settlement> {
    if !user.is_operator() && user.partner_id.is_none() {
        return Err(forbidden(
            "settlements are for partners' staff and operators",
        ));
    }
    let s = settlements::get(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("settlement"))?;
    if !user.may_act_for_partner(s.partner_id) {
        return Err(forbidden("this settlement is another partner's"));
    }
    Ok(s)
}

/// One settlement and its payout (the partner's staff, operators).
#[utoipa::path(get, path = "/settlements/{settlement_id}", tag = "settlements",
    params(("settlement_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = SettlementDetail), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope)))]
pub async fn get_settlement(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<SettlementDetail>> {
    let s = load(&state, &user, id).await?;
    let payout = settlements::payout(&state.db, id).await?.map(Into::into);
    Ok(ApiJson(SettlementDetail {
        settlement: s.into(),
        payout,
    }))
}

/// Links that download a settlement's reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportLinks {
    /// The CSV: a line per booking, amounts in minor units.
    pub csv_url: String,
    /// The PDF: the totals, the payout, every line.
    pub pdf_url: String,
    /// When the links stop working.
    pub expires_at: DateTime<Utc>,
}

/// Download links (presigned, short-lived) of a settlement's CSV and PDF reports; 404 until the
/// run has written them.
#[utoipa::path(get, path = "/settlements/{settlement_id}/report", tag = "settlements",
    params(("settlement_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ReportLinks), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope)))]
pub async fn get_report(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<ReportLinks>> {
    let s = load(&state, &user, id).await?;
    let (Some(csv), Some(pdf)) = (s.report_csv_key, s.report_pdf_key) else {
        return Err(ApiError::NotFound("report"));
    };
    let ttl = state.objects.presign_ttl();
    let sign = |key: String| {
        let objects = state.objects.clone();
        async move {
            objects
                .presigned_get(&key, ttl)
                .await
                .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))
        }
    };
    Ok(ApiJson(ReportLinks {
        csv_url: sign(csv).await?,
        pdf_url: sign(pdf).await?,
        expires_at: Utc::now() + Duration::seconds(i64::try_from(ttl.as_secs()).unwrap_or(0)),
    }))
}

/// A partner's settlement schedule, as Temporal runs it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementSchedule {
    /// The schedule's id in Temporal (`settlement-{partner_id}`).
    pub schedule_id: String,
    /// Whether it is paused (by an operator, or by a failed run).
    pub paused: bool,
    /// The note of its last pause or resume.
    pub note: Option<String>,
    /// When it runs next.
    pub next_runs: Vec<DateTime<Utc>>,
    /// Its latest runs.
    pub recent_runs: Vec<ScheduleRun>,
    /// The periods it settles (from the contract).
    pub contract: Contract,
}

/// A run a schedule started.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleRun {
    /// When it was due.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// Its workflow.
    pub workflow_id: String,
}

fn at(t: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(t)
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::Unavailable(format!("Temporal: {e}"))
}

/// The partner's contract, its schedule made first if it has none yet (a partner made since
/// the workers last reconciled). An existing schedule is left as it is: an update sends the
/// whole schedule, state included, and could undo a pause or resume the scheduler has not
/// taken yet.
async fn ensure(state: &AppState, partner: PartnerId) -> ApiResult<Contract> {
    use temporalio_client::schedules::ScheduleError;
    use temporalio_client::tonic::Code;
    let stored = contracts::contract(&state.db, partner)
        .await?
        .ok_or(ApiError::NotFound("partner"))?;
    let described = state
        .temporal
        .get_schedule_handle(schedule_id(partner))
        .describe(Default::default())
        .await;
    match described {
        Ok(_) => {}
        Err(ScheduleError::Rpc(s)) if s.code() == Code::NotFound => {
            reconcile(state, partner, &stored.contract).await?;
        }
        Err(e) => return Err(unavailable(e)),
    }
    Ok(stored.contract)
}

/// Brings `partner`'s schedule in step with `contract` (the contract API calls it too).
pub(crate) async fn reconcile(
    state: &AppState,
    partner: PartnerId,
    contract: &Contract,
) -> ApiResult<()> {
    ensure_schedule(
        &state.temporal,
        &schedule_id(partner),
        schedule::spec(contract),
        schedule::action(partner, &state.config.settings.task_queue),
        schedule::CATCHUP_WINDOW,
    )
    .await
    .map_err(unavailable)?;
    Ok(())
}

async fn describe(
    state: &AppState,
    partner: PartnerId,
    contract: Contract,
) -> ApiResult<SettlementSchedule> {
    let id = schedule_id(partner);
    let d = state
        .temporal
        .get_schedule_handle(id.clone())
        .describe(Default::default())
        .await
        .map_err(unavailable)?;
    Ok(SettlementSchedule {
        schedule_id: id,
        paused: d.paused(),
        note: d.note().filter(|n| !n.is_empty()).map(str::to_owned),
        next_runs: d
            .future_action_times()
            .into_iter()
            .take(5)
            .map(at)
            .collect(),
        recent_runs: d
            .recent_actions()
            .into_iter()
            .rev()
            .take(10)
            .map(|a| ScheduleRun {
                scheduled_at: a.schedule_time.map(at),
                started_at: a.actual_time.map(at),
                workflow_id: a.workflow_id,
            })
            .collect(),
        contract,
    })
}

/// The partner's settlement schedule: paused or not, its next and latest runs (the partner's
/// staff, operators).
#[utoipa::path(get, path = "/partners/{partner_id}/settlement-schedule", tag = "settlements",
    params(("partner_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = SettlementSchedule), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)))]
pub async fn get_schedule(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
) -> ApiResult<ApiJson<SettlementSchedule>> {
    manage_partner(&state.db, &user, partner_id).await?;
    let contract = ensure(&state, partner_id).await?;
    Ok(ApiJson(describe(&state, partner_id, contract).await?))
}

/// Why an operator pauses or resumes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleNote {
    /// Why, for the record (1 to 500 characters).
    pub note: String,
}

async fn operator_only(state: &AppState, user: &AuthUser, partner: PartnerId) -> ApiResult<()> {
    manage_partner(&state.db, user, partner).await?;
    if !user.is_operator() {
        return Err(forbidden(
            "only operators run a partner's settlement schedule",
        ));
    }
    Ok(())
}

fn note_of(body: &ScheduleNote, user: &AuthUser, what: &str) -> ApiResult<String> {
    let note = body.note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(ApiError::field("note", "say why, in 1 to 500 characters"));
    }
    Ok(format!("{what} by operator {}: {note}", user.account_id))
}

/// Pauses the partner's settlement schedule (operators): no period is settled until resumed.
#[utoipa::path(post, path = "/partners/{partner_id}/settlement-schedule/pause", tag = "settlements",
    params(("partner_id" = Uuid, Path)), request_body = ScheduleNote, security(("bearer" = [])),
    responses((status = 200, body = SettlementSchedule), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
              (status = 503, body = ErrorEnvelope)))]
pub async fn pause_schedule(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
    ApiJson(body): ApiJson<ScheduleNote>,
) -> ApiResult<ApiJson<SettlementSchedule>> {
    set_paused(&state, &user, partner_id, &body, true).await
}

/// Resumes the partner's settlement schedule (operators); its next run settles every period
/// missed meanwhile, a failed one first.
#[utoipa::path(post, path = "/partners/{partner_id}/settlement-schedule/resume", tag = "settlements",
    params(("partner_id" = Uuid, Path)), request_body = ScheduleNote, security(("bearer" = [])),
    responses((status = 200, body = SettlementSchedule), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
              (status = 503, body = ErrorEnvelope)))]
pub async fn resume_schedule(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
    ApiJson(body): ApiJson<ScheduleNote>,
) -> ApiResult<ApiJson<SettlementSchedule>> {
    set_paused(&state, &user, partner_id, &body, false).await
}

/// Pauses or resumes `partner`'s schedule, noting who and why.
async fn set_paused(
    state: &AppState,
    user: &AuthUser,
    partner_id: PartnerId,
    body: &ScheduleNote,
    pause: bool,
) -> ApiResult<ApiJson<SettlementSchedule>> {
    operator_only(state, user, partner_id).await?;
    let note = note_of(body, user, if pause { "paused" } else { "resumed" })?;
    let note_text = note.clone();
    let contract = ensure(state, partner_id).await?;
    let handle = state.temporal.get_schedule_handle(schedule_id(partner_id));
    let done = if pause {
        handle.pause(Some(note), Default::default()).await
    } else {
        handle.unpause(Some(note), Default::default()).await
    };
    done.map_err(unavailable)?;
    // The schedule takes the change a moment later: answer with it.
    let mut now = describe(state, partner_id, contract).await?;
    now.paused = pause;
    now.note = Some(note_text);
    Ok(ApiJson(now))
}

/// Runs the partner's schedule now (operators): every period due is settled (none that is
/// settled already); a run under way makes this one wait for it.
#[utoipa::path(post, path = "/partners/{partner_id}/settlement-schedule/trigger", tag = "settlements",
    params(("partner_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 202, body = SettlementSchedule), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)))]
pub async fn trigger_schedule(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
) -> ApiResult<(StatusCode, ApiJson<SettlementSchedule>)> {
    operator_only(&state, &user, partner_id).await?;
    let contract = ensure(&state, partner_id).await?;
    state
        .temporal
        .get_schedule_handle(schedule_id(partner_id))
        .trigger(ScheduleOverlapPolicy::BufferOne, Default::default())
        .await
        .map_err(unavailable)?;
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(describe(&state, partner_id, contract).await?),
    ))
}

/// A range of the schedule's past to run again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackfillRange {
    /// From (RFC 3339).
    pub from: DateTime<Utc>,
    /// To (RFC 3339, not in the future; at most 366 days after `from`).
    pub to: DateTime<Utc>,
}

/// Backfills the partner's schedule over a range (operators): a run for each firing the range
/// held, one after another; each settles whatever is due then, so periods already settled
/// are not paid again.
#[utoipa::path(post, path = "/partners/{partner_id}/settlement-schedule/backfill", tag = "settlements",
    params(("partner_id" = Uuid, Path)), request_body = BackfillRange, security(("bearer" = [])),
    responses((status = 202, body = SettlementSchedule), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
              (status = 503, body = ErrorEnvelope)))]
pub async fn backfill_schedule(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(partner_id): ApiPath<PartnerId>,
    ApiJson(body): ApiJson<BackfillRange>,
) -> ApiResult<(StatusCode, ApiJson<SettlementSchedule>)> {
    operator_only(&state, &user, partner_id).await?;
    if body.to <= body.from {
        return Err(ApiError::field("to", "to must be after from"));
    }
    if body.to > Utc::now() {
        return Err(ApiError::field(
            "to",
            "a backfill runs the past: to must not be in the future",
        ));
    }
    if body.to - body.from > Duration::days(MAX_BACKFILL_DAYS) {
        return Err(ApiError::field("to", "a backfill covers at most 366 days"));
    }
    let contract = ensure(&state, partner_id).await?;
    if let Some(seconds) = contract.period_seconds.filter(|s| *s > 0) {
        let runs = (body.to - body.from).num_seconds() / i64::from(seconds);
        if runs > 1_000 {
            return Err(ApiError::field(
                "to",
                "at most 1,000 runs of a short period at once",
            ));
        }
    }
    let range = ScheduleBackfill::new(body.from.into(), body.to.into())
        .overlap_policy(ScheduleOverlapPolicy::BufferAll)
        .build();
    state
        .temporal
        .get_schedule_handle(schedule_id(partner_id))
        .backfill([range], Default::default())
        .await
        .map_err(unavailable)?;
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(describe(&state, partner_id, contract).await?),
    ))
}
