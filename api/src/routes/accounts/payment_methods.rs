//! Saved payment methods: cards live at the gateway, attached to the customer's gateway
//! customer; the platform keeps only the gateway ids and what may be shown (brand, last four).

use super::json::{NewPaymentMethod, SavedPaymentMethod};
use crate::auth::AuthUser;
use crate::auth::access::forbidden;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorCode, ErrorEnvelope};
use crate::payment_gateway::{gateway_error, known_payment_method, valid_payment_method_id};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use uuid::Uuid;

async fn live_customer(state: &AppState, customer_id: Uuid) -> ApiResult<Option<String>> {
    let row: Option<Option<String>> = sqlx::query_scalar(
        "select gateway_customer_id from accounts
          where account_id = $1 and role = 'customer' and erased_at is null",
    )
    .bind(customer_id)
    .fetch_optional(&state.db)
    .await?;
    row.ok_or(ApiError::NotFound("customer"))
}

/// The customer's gateway customer, created on first use (idempotent by account id).
async fn gateway_customer(state: &AppState, customer_id: Uuid) -> ApiResult<String> {
    if let Some(existing) = live_customer(state, customer_id).await? {
        return Ok(existing);
    }
    let created = state
        .gateway
        .create_customer(&customer_id.to_string(), &format!("customer-{customer_id}"))
        .await
        .map_err(gateway_error)?;
    // Two first saves racing: the first stored id wins.
    let stored: String = sqlx::query_scalar(
        "update accounts set gateway_customer_id = coalesce(gateway_customer_id, $2)
          where account_id = $1 returning gateway_customer_id",
    )
    .bind(customer_id)
    .bind(&created)
    .fetch_one(&state.db)
    .await?;
    Ok(stored)
}

/// Saves a payment method tokenised at the gateway for later bookings (the customer only).
#[utoipa::path(post, path = "/customers/{customer_id}/payment-methods", tag = "accounts",
    params(("customer_id" = Uuid, Path)), request_body = NewPaymentMethod,
    security(("bearer" = [])),
    responses((status = 201, body = SavedPaymentMethod), (status = 401, body = ErrorEnvelope),
              (status = 402, body = ErrorEnvelope, description = "The gateway declined the card"),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope, description = "Saved by another customer"),
              (status = 422, body = ErrorEnvelope)))]
pub async fn save(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(customer_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewPaymentMethod>,
) -> ApiResult<(StatusCode, ApiJson<SavedPaymentMethod>)> {
    if user.account_id != customer_id {
        return Err(forbidden(
            "only the customer can save their payment methods",
        ));
    }
    let pm_id = valid_payment_method_id(&body.payment_method)?;
    let customer = gateway_customer(&state, customer_id).await?;
    let pm = known_payment_method(&state, pm_id).await?;
    let pm = match pm.customer.as_deref() {
        Some(c) if c == customer => pm,
        Some(_) => {
            return Err(ApiError::conflict(
                ErrorCode::PaymentMethodTaken,
                "this payment method is saved by another customer",
            ));
        }
        None => state
            .gateway
            .attach_payment_method(pm_id, &customer)
            .await
            .map_err(gateway_error)?,
    };
    let card = pm.card.unwrap_or(mtbp_infra::gateway::CardSummary {
        brand: None,
        last4: None,
        exp_month: None,
        exp_year: None,
    });
    sqlx::query(
        "insert into payment_methods (gateway_payment_method_id, account_id, brand, last4,
                                      exp_month, exp_year)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (gateway_payment_method_id) do nothing",
    )
    .bind(&pm.id)
    .bind(customer_id)
    .bind(card.brand)
    .bind(card.last4)
    .bind(card.exp_month)
    .bind(card.exp_year)
    .execute(&state.db)
    .await?;
    let saved = one(&state, customer_id, &pm.id)
        .await?
        .ok_or(ApiError::NotFound("payment method"))?;
    Ok((StatusCode::CREATED, ApiJson(saved)))
}

async fn one(
    state: &AppState,
    customer_id: Uuid,
    pm_id: &str,
) -> ApiResult<Option<SavedPaymentMethod>> {
    Ok(sqlx::query_as(
        "select gateway_payment_method_id as payment_method_id, brand, last4, exp_month,
                exp_year, created_at
           from payment_methods where account_id = $1 and gateway_payment_method_id = $2",
    )
    .bind(customer_id)
    .bind(pm_id)
    .fetch_optional(&state.db)
    .await?)
}

/// Lists a customer's saved payment methods (the customer, or an operator).
#[utoipa::path(get, path = "/customers/{customer_id}/payment-methods", tag = "accounts",
    params(("customer_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = [SavedPaymentMethod]), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(customer_id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Vec<SavedPaymentMethod>>> {
    if !user.may_act_for(customer_id) {
        return Err(forbidden("this account is not yours"));
    }
    live_customer(&state, customer_id).await?;
    let saved = sqlx::query_as(
        "select gateway_payment_method_id as payment_method_id, brand, last4, exp_month,
                exp_year, created_at
           from payment_methods where account_id = $1 order by created_at",
    )
    .bind(customer_id)
    .fetch_all(&state.db)
    .await?;
    Ok(ApiJson(saved))
}

/// Deletes a saved payment method: detached at the gateway, then forgotten here (the
/// customer, or an operator).
#[utoipa::path(delete, path = "/customers/{customer_id}/payment-methods/{payment_method_id}",
    tag = "accounts",
    params(("customer_id" = Uuid, Path), ("payment_method_id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((customer_id, pm_id)): ApiPath<(Uuid, String)>,
) -> ApiResult<StatusCode> {
    if !user.may_act_for(customer_id) {
        return Err(forbidden("this account is not yours"));
    }
    if one(&state, customer_id, &pm_id).await?.is_none() {
        return Err(ApiError::NotFound("payment method"));
    }
    match state.gateway.detach_payment_method(&pm_id).await {
        // Already gone at the gateway: forgetting it is all that is left.
        Ok(_) | Err(mtbp_infra::gateway::GatewayError::Rejected { status: 404, .. }) => {}
        Err(e) => return Err(gateway_error(e)),
    }
    sqlx::query(
        "delete from payment_methods where account_id = $1 and gateway_payment_method_id = $2",
    )
    .bind(customer_id)
    .bind(&pm_id)
    .execute(&state.db)
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
