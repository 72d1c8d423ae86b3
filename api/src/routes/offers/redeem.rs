//! Redeeming a meal voucher at the box office (`PUT /offers/{id}?action=redeem`).

use super::json::RedeemedVoucher;
use crate::auth::AuthUser;
use crate::auth::access::forbidden;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use chrono::Utc;
use mtbp_domain::OfferId;
use mtbp_store::offers::vouchers::{self, PAID};

/// Redeems the voucher `code` of `offer_id` for the staff of the booking's theater (or an
/// operator): once, and only for a paid booking.
pub(super) async fn redeem(
    state: &AppState,
    user: &AuthUser,
    offer_id: OfferId,
    code: &str,
) -> ApiResult<RedeemedVoucher> {
    let code = code.trim();
    let voucher = vouchers::find(&state.db, offer_id, code)
        .await?
        .ok_or(ApiError::NotFound("voucher"))?;
    let at_the_theater = voucher
        .partner_id
        .is_some_and(|p| user.may_act_for_partner(p));
    if !(user.is_operator() || at_the_theater) {
        return Err(forbidden(
            "only the staff of the booking's theater redeem its vouchers",
        ));
    }
    if let (Some(at), Some(by)) = (voucher.redeemed_at, voucher.redeemed_by) {
        return Err(already_redeemed(at, by));
    }
    if !PAID.contains(&voucher.booking_status) {
        return Err(ApiError::conflict(
            ErrorCode::BookingNotPaid,
            format!(
                "the voucher's booking is {}; vouchers are good once it is paid",
                voucher.booking_status
            ),
        ));
    }
    let now = Utc::now();
    if !vouchers::redeem(
        &state.db,
        offer_id,
        &voucher.voucher_code,
        user.account_id,
        now,
    )
    .await?
    {
        // Another counter redeemed it (or the booking was refunded) a moment ago.
        return Err(ApiError::conflict(
            ErrorCode::VoucherAlreadyRedeemed,
            "the voucher was redeemed a moment ago",
        ));
    }
    Ok(RedeemedVoucher::new(voucher, user.account_id, now))
}

fn already_redeemed(at: chrono::DateTime<Utc>, by: mtbp_domain::AccountId) -> ApiError {
    ApiError::Refused {
        status: axum::http::StatusCode::CONFLICT,
        code: ErrorCode::VoucherAlreadyRedeemed,
        message: format!("the voucher was redeemed at {at}"),
        details: Some(serde_json::json!({ "redeemed_at": at, "redeemed_by": by })),
    }
}
