//! The sale's limited code: a platform offer of 10 % off with a total redemption limit, made
//! before the sale so that it runs out during it; after the sale its redemptions are reconciled
//! with the bookings that were charged its discount.

use super::Target;
use super::reconcile::{Check, at_most, check};
use crate::pricing::insert_offer;
use mtbp_domain::pricing::Benefit;
use serde::Serialize;
use uuid::Uuid;

/// The code on sale.
#[derive(Clone, Debug, Serialize)]
pub struct SaleOffer {
    /// The offer.
    pub offer_id: Uuid,
    /// Its code, as customers enter it.
    pub code: String,
    /// Redemptions in all.
    pub limit: i64,
}

/// Creates the platform's offer with a fresh code (10 % off, at most `limit` redemptions).
pub async fn create(target: &Target, limit: usize) -> anyhow::Result<SaleOffer> {
    let limit = i32::try_from(limit)?;
    let code = format!("FLASH-{}", &Uuid::new_v4().simple().to_string()[..8]).to_ascii_uppercase();
    let benefit = Benefit::PercentOff {
        percent_bp: 1_000,
        max_off_minor: None,
    };
    let offer_id = insert_offer(&target.db, Some(&code), &benefit, |l| {
        l.total = Some(limit);
    })
    .await?;
    Ok(SaleOffer {
        offer_id,
        code,
        limit: i64::from(limit),
    })
}

/// Live redemptions of the code = completed bookings whose quote applied it = the offer's own
/// count, and never above its limit.
pub(super) async fn checks(
    target: &Target,
    shows: &[Uuid],
    offer: &SaleOffer,
) -> anyhow::Result<Vec<Check>> {
    let (live, counted, applied): (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from offer_redemptions
                  where offer_id = $2 and status = 'redeemed'),
                (select coalesce(max(redeemed), 0)::bigint from offers where offer_id = $2),
                (select count(*) from bookings b
                  where b.show_id = any($1) and b.status in ('BookingCompleted', 'Invoiced', 'SettlementDone')
                    and exists (select 1
                                  from jsonb_array_elements(coalesce(b.quote -> 'offers', '[]'))
                                       as applied (offer)
                                 where applied.offer ->> 'offer_id' = $2::text))",
    )
    .bind(shows)
    .bind(offer.offer_id)
    .fetch_one(&target.db)
    .await?;
    Ok(vec![
        check(
            "live redemptions of the code = completed bookings whose quote applied it",
            applied,
            live,
        ),
        check(
            "the code's redemption count = its live redemptions",
            live,
            counted,
        ),
        at_most(
            "live redemptions of the code ≤ its limit",
            offer.limit,
            live,
        ),
    ])
}
