//! Pricing at hold time: the offer code and add-ons a new booking asks for, checked, and the
//! plan the hold's transaction prices the seats it takes with (read before that transaction,
//! so no seat lock waits on these reads).

use super::json::NewBooking;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use mtbp_domain::offer_rules;
use mtbp_domain::pricing::{MAX_ADDON_QUANTITY, Membership};
use mtbp_domain::seats::FieldError;
use mtbp_domain::{AccountId, BookingId, ShowId};
use mtbp_store::pricing;
use mtbp_store::seats::PricingPlan;

/// The most kinds of add-on in one booking.
pub const MAX_ADDON_KINDS: usize = 10;

/// The code and add-ons asked for, checked for shape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Asked {
    /// The offer code, upper case.
    pub code: Option<String>,
    /// Add-on codes (upper case) and quantities.
    pub addons: Vec<(String, u32)>,
}

/// Checks the offer code and the add-ons of a new booking.
pub fn check(body: &NewBooking, errors: &mut Vec<FieldError>) -> Asked {
    let code = body
        .offer_code
        .as_deref()
        .map(|raw| (raw, offer_rules::offer_code(raw)));
    if let Some((_, None)) = code {
        errors.push(FieldError::new(
            "offer_code",
            "an offer code has 4 to 32 letters, digits or dashes",
        ));
    }
    if body.addons.len() > MAX_ADDON_KINDS {
        errors.push(FieldError::new(
            "addons",
            format!("at most {MAX_ADDON_KINDS} kinds of add-on"),
        ));
    }
    let mut addons: Vec<(String, u32)> = Vec::new();
    for (i, a) in body.addons.iter().enumerate() {
        let checked = offer_rules::addon_code(&a.code);
        let code = checked
            .clone()
            .unwrap_or_else(|| a.code.trim().to_ascii_uppercase());
        if checked.is_none() {
            errors.push(FieldError::new(
                format!("addons[{i}].code"),
                "an add-on code has 1 to 20 letters, digits, dashes or underscores",
            ));
        }
        if !(1..=MAX_ADDON_QUANTITY).contains(&a.quantity) {
            errors.push(FieldError::new(
                format!("addons[{i}].quantity"),
                format!("order 1 to {MAX_ADDON_QUANTITY} of an add-on"),
            ));
        }
        if addons.iter().any(|(c, _)| *c == code) {
            errors.push(FieldError::new(
                format!("addons[{i}].code"),
                "each add-on once, with its quantity",
            ));
        }
        addons.push((code, a.quantity));
    }
    Asked {
        code: code.and_then(|(_, checked)| checked),
        addons,
    }
}

/// Reads what the quote needs: the show's and the customer's facts, the offers that may apply
/// and the add-ons' prices. An unknown code or add-on is refused here, before anything is held.
pub async fn plan<'a>(
    state: &'a AppState,
    show_id: ShowId,
    customer_id: Option<AccountId>,
    booking_id: BookingId,
    asked: &Asked,
) -> ApiResult<PricingPlan<'a>> {
    let now = Utc::now();
    let db = &state.db;
    let pricing::ShowForSale {
        facts: show,
        on_sale_at,
    } = pricing::show_facts(db, show_id)
        .await?
        .ok_or(ApiError::NotFound("show"))?;
    let customer = pricing::customer_facts(db, customer_id, now).await?;
    if let Some(on_sale_at) = on_sale_at {
        check_on_sale(on_sale_at, customer.membership.as_ref(), now)?;
    }
    let candidates = mtbp_store::offers::candidates(
        db,
        show.partner_id,
        asked.code.as_deref(),
        customer_id,
        booking_id,
        now,
    )
    .await?;
    if asked.code.is_some() && !candidates.iter().any(|c| c.entered) {
        return Err(unknown_code());
    }
    let addons = pricing::addons_for_show(db, show_id, &asked.addons).await?;
    let missing: Vec<&str> = asked
        .addons
        .iter()
        .filter(|(c, _)| !addons.iter().any(|a| a.item.code.eq_ignore_ascii_case(c)))
        .map(|(c, _)| c.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::field(
            "addons",
            format!("not sold with this show: {}", missing.join(", ")),
        ));
    }
    Ok(PricingPlan {
        rules: &state.config.settings.pricing,
        customer,
        show,
        candidates,
        addons,
        offer_code: asked.code.clone(),
        now,
    })
}

/// Refuses a hold before the show's sale opens (409 `not_on_sale`), unless the customer's
/// membership gives early access far enough ahead.
fn check_on_sale(
    on_sale_at: DateTime<Utc>,
    membership: Option<&Membership>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let early = membership.map_or(0, |m| m.early_access_hours);
    let opens = on_sale_at - chrono::Duration::hours(i64::from(early));
    if now >= opens {
        return Ok(());
    }
    let mut details = serde_json::json!({ "on_sale_at": on_sale_at });
    let message = if early > 0 {
        details["member_access_at"] = serde_json::json!(opens);
        format!("the sale opens at {on_sale_at}; to members with early access at {opens}")
    } else {
        format!("the sale opens at {on_sale_at}")
    };
    Err(ApiError::Refused {
        status: StatusCode::CONFLICT,
        code: ErrorCode::NotOnSale,
        message,
        details: Some(details),
    })
}

/// 422 `unknown_offer_code`.
pub fn unknown_code() -> ApiError {
    ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: ErrorCode::UnknownOfferCode,
        message: "no offer has this code".into(),
        details: None,
    }
}
