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
use mtbp_domain::AccountId;
use mtbp_store::accounts::customers;
use mtbp_store::accounts::payment_methods::{self, NewCard};

async fn live_customer(state: &AppState, customer_id: AccountId) -> ApiResult<Option<String>> {
    customers::gateway_customer(&state.db, customer_id)
        .await?
        .ok_or(ApiError::NotFound("customer"))
}

/// The customer's gateway customer, created on first use (idempotent by account id).
async fn gateway_customer(state: &AppState, customer_id: AccountId) -> ApiResult<String> {
    if let Some(existing) = live_customer(state, customer_id).await? {
        return Ok(existing);
    }
    let created = state
        .gateway
        .create_customer(&customer_id.to_string(), &format!("customer-{customer_id}"))
        .await
        .map_err(gateway_error)?;
    // Two first saves racing: the first stored id wins.
    Ok(customers::set_gateway_customer(&state.db, customer_id, &created).await?)
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
    ApiPath(customer_id): ApiPath<AccountId>,
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
    let new = NewCard {
        payment_method_id: &pm.id,
        brand: card.brand.as_deref(),
        last4: card.last4.as_deref(),
        exp_month: card.exp_month,
        exp_year: card.exp_year,
    };
    payment_methods::save(&state.db, customer_id, new).await?;
    let saved = one(&state, customer_id, &pm.id)
        .await?
        .ok_or(ApiError::NotFound("payment method"))?;
    Ok((StatusCode::CREATED, ApiJson(saved)))
}

async fn one(
    state: &AppState,
    customer_id: AccountId,
    pm_id: &str,
) -> ApiResult<Option<SavedPaymentMethod>> {
    let card = payment_methods::one(&state.db, customer_id, pm_id).await?;
    Ok(card.map(SavedPaymentMethod::from))
}

/// Lists a customer's saved payment methods (the customer, or an operator).
#[utoipa::path(get, path = "/customers/{customer_id}/payment-methods", tag = "accounts",
    params(("customer_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = [SavedPaymentMethod]), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(customer_id): ApiPath<AccountId>,
) -> ApiResult<ApiJson<Vec<SavedPaymentMethod>>> {
    if !user.may_act_for(customer_id) {
        return Err(forbidden("this account is not yours"));
    }
    live_customer(&state, customer_id).await?;
    let saved = payment_methods::list(&state.db, customer_id)
        .await?
        .into_iter()
        .map(SavedPaymentMethod::from)
        .collect();
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
    ApiPath((customer_id, pm_id)): ApiPath<(AccountId, String)>,
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
    payment_methods::delete(&state.db, customer_id, &pm_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
