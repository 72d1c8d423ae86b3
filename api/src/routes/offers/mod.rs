//! Offers: `POST /offers`, `GET /offers/{id}`, `GET /offers?partnerId=` (a partner's),
//! `GET /offers?customerId=` (what a customer is eligible for now), `PUT /offers/{id}` (edit;
//! `?action=redeem` redeems a meal voucher at the box office), `DELETE /offers/{id}` and
//! `DELETE /offers?partnerId=` (soft deletes).
//!
//! Partner staff manage their own partner's offers, operators every offer, including the
//! platform-wide ones (no partner). Customers and anonymous callers read listed offers only.

mod checks;
mod create;
mod delete;
pub mod json;
mod list;
mod read;
mod redeem;
mod update;

use crate::auth::access::forbidden;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use axum::http::StatusCode;
use mtbp_domain::PartnerId;
use mtbp_domain::offer_rules::{CODE_ALPHABET, GENERATED_CODE_LEN};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The offer routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            create::create_offer,
            list::list_offers,
            delete::delete_partner_offers
        ))
        .routes(routes!(
            read::get_offer,
            update::put_offer,
            delete::delete_offer
        ))
}

/// Whether `user` manages offers of `partner` (`None`: the platform's own, operators only).
fn manages(user: &AuthUser, partner: Option<PartnerId>) -> bool {
    user.is_operator() || partner.is_some_and(|p| user.may_act_for_partner(p))
}

/// A 403 unless `user` manages offers of `partner`.
fn require_manager(user: &AuthUser, partner: Option<PartnerId>) -> ApiResult<()> {
    if manages(user, partner) {
        Ok(())
    } else if partner.is_none() {
        Err(forbidden("only operators manage the platform's own offers"))
    } else {
        Err(forbidden("this offer belongs to another partner"))
    }
}

/// Only partner staff and operators manage offers.
fn require_staff(user: &AuthUser) -> ApiResult<()> {
    crate::auth::access::require(user, &[Role::Partner, Role::Admin], "managing offers")
}

/// A 401 for a caller who must sign in to see this.
fn sign_in() -> ApiError {
    ApiError::Refused {
        status: StatusCode::UNAUTHORIZED,
        code: ErrorCode::Unauthorized,
        message: "sign in: send Authorization: Bearer <access token>".into(),
        details: None,
    }
}

/// The 409 of a code another live offer has.
fn code_taken(code: &str) -> ApiError {
    ApiError::conflict(
        ErrorCode::OfferCodeTaken,
        format!("another live offer has the code {code}"),
    )
}

/// An unguessable code: [`GENERATED_CODE_LEN`] characters of [`CODE_ALPHABET`] from the
/// thread's CSPRNG (about 59 bits).
fn generated_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..GENERATED_CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_codes_are_long_and_from_the_unambiguous_alphabet() {
        let code = super::generated_code();
        assert_eq!(code.len(), super::GENERATED_CODE_LEN);
        assert!(code.bytes().all(|b| super::CODE_ALPHABET.contains(&b)));
        assert!(mtbp_domain::offer_rules::offer_code(&code).as_deref() == Some(code.as_str()));
        assert_ne!(code, super::generated_code());
    }

    #[test]
    fn the_openapi_document_spells_out_the_offer_rule() {
        let doc = serde_json::to_value(crate::openapi()).expect("the document serialises");
        let schemas = &doc["components"]["schemas"];
        let benefit = serde_json::to_string(&schemas["Benefit"]).expect("json");
        for variant in ["percent_off", "flat_off", "nth_ticket", "meal_voucher"] {
            assert!(benefit.contains(variant), "{variant} in {benefit}");
        }
        for (schema, field) in [
            ("NewOffer", "benefit"),
            ("NewOffer", "conditions"),
            ("Offer", "scope"),
        ] {
            let property =
                serde_json::to_string(&schemas[schema]["properties"][field]).expect("json");
            assert!(
                property.contains("#/components/schemas/"),
                "{schema}.{field}: {property}"
            );
        }
        assert!(doc["paths"]["/offers/{offer_id}"]["put"]["requestBody"].is_object());
        assert!(doc["paths"]["/theaters/{theater_id}/addons"]["post"].is_object());
    }
}
