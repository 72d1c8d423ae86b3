//! Meal vouchers at the box office: the add-on of a paid booking that a meal-voucher offer
//! covered carries a voucher code (`booking_addons.voucher_code`); the theater redeems it once.
//!
//! The redemption is one conditional update (`voucher_redeemed_at is null` and the booking
//! still paid), so two counters scanning the same voucher at once redeem it once.

use chrono::{DateTime, Utc};
use mtbp_domain::{AccountId, AddonId, BookingId, BookingStatus, OfferId, PartnerId, TheaterId};
use sqlx::PgExecutor;

/// A voucher of an offer, with what the box office needs to decide.
#[derive(Clone, Debug)]
pub struct Voucher {
    /// Its code, as stored.
    pub voucher_code: String,
    /// The booking it came with.
    pub booking_id: BookingId,
    /// Where the booking stands (a voucher is good only once the booking is paid).
    pub booking_status: BookingStatus,
    /// The add-on it gives.
    pub addon_id: AddonId,
    /// The add-on's code.
    pub addon_code: String,
    /// The add-on's name.
    pub addon_name: String,
    /// Units of it.
    pub quantity: i32,
    /// The theater of the booking's show.
    pub theater_id: TheaterId,
    /// The theater's partner; `None` for a theater the platform runs.
    pub partner_id: Option<PartnerId>,
    /// When it was redeemed.
    pub redeemed_at: Option<DateTime<Utc>>,
    /// Who redeemed it.
    pub redeemed_by: Option<AccountId>,
}

/// The statuses of a paid booking, whose vouchers are good.
pub const PAID: [BookingStatus; 3] = [
    BookingStatus::BookingCompleted,
    BookingStatus::Invoiced,
    BookingStatus::SettlementDone,
];

/// The voucher of `offer_id` with `code` (as given or upper case: codes are shown upper case).
pub async fn find(
    db: impl PgExecutor<'_>,
    offer_id: OfferId,
    code: &str,
) -> sqlx::Result<Option<Voucher>> {
    sqlx::query_as!(
        Voucher,
        r#"select ba.voucher_code as "voucher_code!", ba.booking_id as "booking_id: BookingId",
                  b.status as "booking_status: BookingStatus",
                  ba.addon_id as "addon_id: AddonId", a.code as addon_code,
                  a.name as addon_name, ba.quantity,
                  t.theater_id as "theater_id: TheaterId", t.partner_id as "partner_id: PartnerId",
                  ba.voucher_redeemed_at as redeemed_at,
                  ba.voucher_redeemed_by as "redeemed_by: AccountId"
             from booking_addons ba
             join bookings b using (booking_id)
             join addons a using (addon_id)
             join shows s on s.show_id = b.show_id
             join theaters t on t.theater_id = s.theater_id
            where ba.voucher_code in ($2, upper($2)) and ba.voucher_offer_id = $1"#,
        offer_id.as_uuid(),
        code,
    )
    .fetch_optional(db)
    .await
}

/// Marks the voucher redeemed by `by` at `now`, if it is not yet and its booking is paid;
/// answers whether this call redeemed it.
pub async fn redeem(
    db: impl PgExecutor<'_>,
    offer_id: OfferId,
    voucher_code: &str,
    by: AccountId,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update booking_addons ba set voucher_redeemed_at = $3, voucher_redeemed_by = $4
           from bookings b
          where ba.voucher_code = $2 and ba.voucher_offer_id = $1
            and ba.voucher_redeemed_at is null
            and b.booking_id = ba.booking_id
            and b.status in ('BookingCompleted', 'Invoiced', 'SettlementDone')",
        offer_id.as_uuid(),
        voucher_code,
        now,
        by.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
