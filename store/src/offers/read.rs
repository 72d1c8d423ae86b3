//! Reading offers: one by id, and the candidates of a booking (its code and the automatic
//! offers that may apply), with their usage so far.

use chrono::{DateTime, Utc};
use mtbp_domain::pricing::{Benefit, Candidate, Conditions, Offer, OfferScope};
use mtbp_domain::{AccountId, BookingId, Funder, OfferId, PartnerId, Stacking};
use sqlx::types::Json;
use sqlx::{PgExecutor, PgPool};

/// An offer with what only its managers see.
#[derive(Clone, Debug)]
pub struct OfferRecord {
    /// The rule, as the pricing reads it.
    pub offer: Offer,
    /// Its partner; `None` for the platform's own.
    pub partner_id: Option<PartnerId>,
    /// Longer text for customers.
    pub description: String,
    /// Listed to customers.
    pub listed: bool,
    /// Live redemptions.
    pub redeemed: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// An `offers` row.
pub(super) struct OfferRow {
    pub offer_id: OfferId,
    pub partner_id: Option<PartnerId>,
    pub name: String,
    pub description: String,
    pub code: Option<String>,
    pub benefit: Json<Benefit>,
    pub conditions: Json<Conditions>,
    pub scope: Json<OfferScope>,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub funded_by: Funder,
    pub stacking: Stacking,
    pub listed: bool,
    pub limit_total: Option<i32>,
    pub limit_per_customer: Option<i32>,
    pub redeemed: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn count(n: Option<i32>) -> Option<u32> {
    n.and_then(|n| u32::try_from(n).ok())
}

impl From<OfferRow> for OfferRecord {
    fn from(r: OfferRow) -> Self {
        Self {
            offer: Offer {
                id: r.offer_id,
                name: r.name,
                code: r.code,
                benefit: r.benefit.0,
                conditions: r.conditions.0,
                scope: r.scope.0,
                valid_from: r.valid_from,
                valid_until: r.valid_until,
                funded_by: r.funded_by,
                stacking: r.stacking,
                limit_total: count(r.limit_total),
                limit_per_customer: count(r.limit_per_customer),
            },
            partner_id: r.partner_id,
            description: r.description,
            listed: r.listed,
            redeemed: r.redeemed,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A live (not deleted) offer.
pub async fn get(db: impl PgExecutor<'_>, offer_id: OfferId) -> sqlx::Result<Option<OfferRecord>> {
    let row = sqlx::query_as!(
        OfferRow,
        r#"select offer_id as "offer_id: OfferId", partner_id as "partner_id: PartnerId",
                  name, description, code,
                  benefit as "benefit: Json<Benefit>", conditions as "conditions: Json<Conditions>",
                  scope as "scope: Json<OfferScope>", valid_from, valid_until,
                  funded_by as "funded_by: Funder", stacking as "stacking: Stacking", listed,
                  limit_total, limit_per_customer, redeemed, created_at, updated_at
             from offers where offer_id = $1 and deleted_at is null"#,
        offer_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(OfferRecord::from))
}

/// The offers that may apply to a booking of `partner_id`'s show at `now`: the live offer with
/// `code` (whatever its window: the pricing says why it does not apply), and the automatic
/// offers of the partner and of the platform that are valid now, each with its usage so far,
/// this booking's own redemption left out (a booking re-priced after it redeemed must not count
/// against itself). The pricing function decides which of them apply.
pub async fn candidates(
    db: &PgPool,
    partner_id: Option<PartnerId>,
    code: Option<&str>,
    customer_id: Option<AccountId>,
    booking_id: BookingId,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Candidate>> {
    let offers = sqlx::query_as!(
        OfferRow,
        r#"select offer_id as "offer_id: OfferId", partner_id as "partner_id: PartnerId",
                  name, description, code,
                  benefit as "benefit: Json<Benefit>", conditions as "conditions: Json<Conditions>",
                  scope as "scope: Json<OfferScope>", valid_from, valid_until,
                  funded_by as "funded_by: Funder", stacking as "stacking: Stacking", listed,
                  limit_total, limit_per_customer, redeemed, created_at, updated_at
             from offers
            where deleted_at is null
              and (code = upper($2)
                   or (code is null and (partner_id = $1 or partner_id is null)
                       and valid_from <= $3 and (valid_until is null or valid_until > $3)))"#,
        partner_id.map(|p| p.as_uuid()),
        code,
        now,
    )
    .fetch_all(db)
    .await?;
    let ids: Vec<uuid::Uuid> = offers.iter().map(|o| o.offer_id.as_uuid()).collect();
    let usage = sqlx::query!(
        r#"select offer_id as "offer_id!: OfferId",
                  count(*) filter (where booking_id <> $2) as "total!",
                  count(*) filter (where booking_id <> $2 and customer_id = $3) as "mine!"
             from offer_redemptions
            where offer_id = any($1) and status in ('reserved', 'redeemed')
            group by offer_id"#,
        &ids,
        booking_id.as_uuid(),
        customer_id.map(|c| c.as_uuid()),
    )
    .fetch_all(db)
    .await?;
    let wanted = code.map(str::to_ascii_uppercase);
    let counted = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(offers
        .into_iter()
        .map(|row| {
            let used = usage.iter().find(|u| u.offer_id == row.offer_id);
            let entered = row.code.is_some() && row.code == wanted;
            Candidate {
                offer: OfferRecord::from(row).offer,
                used_total: used.map_or(0, |u| counted(u.total)),
                used_by_customer: used.map_or(0, |u| counted(u.mine)),
                entered,
            }
        })
        .collect())
}
