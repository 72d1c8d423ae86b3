//! `POST /subscription-plans`, `PUT /subscription-plans/{id}` (operators) and
//! `GET /subscription-plans` (anyone).

use super::json::{Plan, PlanBody, PlanQuery};
use crate::auth::access::require;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::routes::common::query;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use mtbp_domain::seats::FieldError;
use mtbp_domain::subscription::{PlanBenefits, PlanPeriod};
use mtbp_domain::{Currency, Money, PlanId};
use mtbp_store::subscriptions::plans::{self, PlanFields};
use uuid::Uuid;

/// The most one period may cost, in minor units (ten lakh rupees).
const MAX_PRICE_MINOR: i64 = 100_000_000;

/// The body as plan fields; a 422 listing every problem.
fn check(state: &AppState, body: PlanBody) -> ApiResult<PlanFields> {
    let mut errors = Vec::new();
    let name = mtbp_domain::text::required("name", &body.name, 120, &mut errors);
    if !(1..=MAX_PRICE_MINOR).contains(&body.amount_minor) {
        errors.push(FieldError::new(
            "amount_minor",
            format!("1-{MAX_PRICE_MINOR} minor units"),
        ));
    }
    let currency = Currency::parse(body.currency.trim()).map_err(|_| {
        errors.push(FieldError::new(
            "currency",
            "an ISO currency code such as INR",
        ));
    });
    let period = PlanPeriod {
        unit: body.period.unit,
        count: body.period.count,
    };
    period.check(
        state.config.subscriptions.min_plan_period_seconds,
        &mut errors,
    );
    let benefits = PlanBenefits {
        ticket_discount_bp: body.ticket_discount_bp,
        fee_waived: body.fee_waived,
        early_access_hours: body.early_access_hours,
    };
    benefits.check(&mut errors);
    match currency {
        Ok(currency) if errors.is_empty() => Ok(PlanFields {
            name,
            price: Money {
                amount_minor: body.amount_minor,
                currency,
            },
            period,
            benefits,
            active: body.active,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Defines a plan (operators).
#[utoipa::path(post, path = "/subscription-plans", tag = "subscriptions", request_body = PlanBody,
    security(("bearer" = [])),
    responses((status = 201, body = Plan), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_plan(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<PlanBody>,
) -> ApiResult<(StatusCode, ApiJson<Plan>)> {
    require(&user, &[Role::Admin], "defining subscription plans")?;
    let fields = check(&state, body)?;
    let plan_id = PlanId::from_uuid(Uuid::new_v4());
    let plan = plans::create(&state.db, plan_id, &fields, user.account_id).await?;
    Ok((StatusCode::CREATED, ApiJson(plan.into())))
}

/// Replaces a plan's fields (operators). Live subscriptions keep the period they paid for;
/// their next period is charged at the new price.
#[utoipa::path(put, path = "/subscription-plans/{plan_id}", tag = "subscriptions",
    params(("plan_id" = Uuid, Path)), request_body = PlanBody, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn update_plan(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(plan_id): ApiPath<PlanId>,
    ApiJson(body): ApiJson<PlanBody>,
) -> ApiResult<ApiJson<Plan>> {
    require(&user, &[Role::Admin], "editing subscription plans")?;
    let fields = check(&state, body)?;
    let plan = plans::update(&state.db, plan_id, &fields)
        .await?
        .ok_or(ApiError::NotFound("subscription plan"))?;
    Ok(ApiJson(plan.into()))
}

/// The plans open to subscribers, cheapest first (operators may include closed ones).
#[utoipa::path(get, path = "/subscription-plans", tag = "subscriptions", params(PlanQuery),
    security((), ("bearer" = [])),
    responses((status = 200, body = [Plan]), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope, description = "`includeInactive` without signing in"),
              (status = 403, body = ErrorEnvelope)))]
pub async fn list_plans(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    q: Result<Query<PlanQuery>, QueryRejection>,
) -> ApiResult<ApiJson<Vec<Plan>>> {
    let q = query(q)?;
    if q.include_inactive {
        match &user {
            Some(u) => require(u, &[Role::Admin], "listing closed plans")?,
            None => {
                return Err(ApiError::Refused {
                    status: StatusCode::UNAUTHORIZED,
                    code: ErrorCode::Unauthorized,
                    message: "sign in as an operator to list closed plans".into(),
                    details: None,
                });
            }
        }
    }
    let plans = plans::list(&state.db, q.include_inactive).await?;
    Ok(ApiJson(plans.into_iter().map(Plan::from).collect()))
}
