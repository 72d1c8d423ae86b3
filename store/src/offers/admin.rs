//! Managing offers: creating and editing them, soft deletion, a partner's list, and the offers
//! a customer is eligible for now.
//!
//! Codes are stored upper case and are unique among live offers (`offers_code`, a partial
//! unique index): a second live offer with the same code fails on that constraint, which the
//! caller turns into a 409. Deleted offers keep their rows for the redemptions that name them.

use super::OfferRecord;
use super::read::OfferRow;
use chrono::{DateTime, Utc};
use mtbp_domain::pricing::{Benefit, Conditions, OfferScope};
use mtbp_domain::{AccountId, Funder, OfferId, PartnerId, Stacking};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};

/// What an offer's manager writes; the redemption count is the store's own.
#[derive(Clone, Debug)]
pub struct OfferFields<'a> {
    /// Name on the quote.
    pub name: &'a str,
    /// Longer text for customers.
    pub description: &'a str,
    /// Upper case; `None` for an automatic offer.
    pub code: Option<&'a str>,
    /// What it gives.
    pub benefit: &'a Benefit,
    /// When it applies.
    pub conditions: &'a Conditions,
    /// Where it applies; its `partner_id` is the offer's partner.
    pub scope: &'a OfferScope,
    /// From when.
    pub valid_from: DateTime<Utc>,
    /// Until when (exclusive).
    pub valid_until: Option<DateTime<Utc>>,
    /// Who pays for it.
    pub funded_by: Funder,
    /// How it combines.
    pub stacking: Stacking,
    /// Listed to customers.
    pub listed: bool,
    /// Redemptions allowed in all.
    pub limit_total: Option<i32>,
    /// Redemptions allowed per customer.
    pub limit_per_customer: Option<i32>,
}

fn json<T: serde::Serialize>(value: &T) -> sqlx::Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Stores a new offer for the scope's partner (the platform's own when it names none). A code
/// a live offer already has fails on `offers_code`.
pub async fn insert(
    db: impl PgExecutor<'_>,
    offer_id: OfferId,
    f: &OfferFields<'_>,
    created_by: AccountId,
) -> sqlx::Result<OfferRecord> {
    let row = sqlx::query_as!(
        OfferRow,
        r#"insert into offers (offer_id, partner_id, name, description, code, benefit,
                               conditions, scope, valid_from, valid_until, funded_by, stacking,
                               listed, limit_total, limit_per_customer, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           returning offer_id as "offer_id: OfferId", partner_id as "partner_id: PartnerId",
                  name, description, code,
                  benefit as "benefit: Json<Benefit>", conditions as "conditions: Json<Conditions>",
                  scope as "scope: Json<OfferScope>", valid_from, valid_until,
                  funded_by as "funded_by: Funder", stacking as "stacking: Stacking", listed,
                  limit_total, limit_per_customer, redeemed, created_at, updated_at"#,
        offer_id.as_uuid(),
        f.scope.partner_id.map(|p| p.as_uuid()),
        f.name,
        f.description,
        f.code,
        json(f.benefit)?,
        json(f.conditions)?,
        json(f.scope)?,
        f.valid_from,
        f.valid_until,
        f.funded_by.as_str(),
        f.stacking.as_str(),
        f.listed,
        f.limit_total,
        f.limit_per_customer,
        created_by.as_uuid(),
    )
    .fetch_one(db)
    .await?;
    Ok(row.into())
}

/// A live offer, its row locked until the transaction ends (an edit checks the new limit
/// against the redemption count the lock holds still).
pub async fn lock(tx: &mut PgConnection, offer_id: OfferId) -> sqlx::Result<Option<OfferRecord>> {
    let row = sqlx::query_as!(
        OfferRow,
        r#"select offer_id as "offer_id: OfferId", partner_id as "partner_id: PartnerId",
                  name, description, code,
                  benefit as "benefit: Json<Benefit>", conditions as "conditions: Json<Conditions>",
                  scope as "scope: Json<OfferScope>", valid_from, valid_until,
                  funded_by as "funded_by: Funder", stacking as "stacking: Stacking", listed,
                  limit_total, limit_per_customer, redeemed, created_at, updated_at
             from offers where offer_id = $1 and deleted_at is null for update"#,
        offer_id.as_uuid(),
    )
    .fetch_optional(tx)
    .await?;
    Ok(row.map(OfferRecord::from))
}

/// Replaces what the manager wrote of a live offer (its partner stays). A code another live
/// offer has fails on `offers_code`; a total limit below the redemptions so far fails on the
/// table's check, so lock the row and compare first.
pub async fn update(
    tx: &mut PgConnection,
    offer_id: OfferId,
    f: &OfferFields<'_>,
) -> sqlx::Result<OfferRecord> {
    let row = sqlx::query_as!(
        OfferRow,
        r#"update offers set name = $2, description = $3, code = $4, benefit = $5,
                  conditions = $6, scope = $7, valid_from = $8, valid_until = $9,
                  funded_by = $10, stacking = $11, listed = $12, limit_total = $13,
                  limit_per_customer = $14
            where offer_id = $1 and deleted_at is null
           returning offer_id as "offer_id: OfferId", partner_id as "partner_id: PartnerId",
                  name, description, code,
                  benefit as "benefit: Json<Benefit>", conditions as "conditions: Json<Conditions>",
                  scope as "scope: Json<OfferScope>", valid_from, valid_until,
                  funded_by as "funded_by: Funder", stacking as "stacking: Stacking", listed,
                  limit_total, limit_per_customer, redeemed, created_at, updated_at"#,
        offer_id.as_uuid(),
        f.name,
        f.description,
        f.code,
        json(f.benefit)?,
        json(f.conditions)?,
        json(f.scope)?,
        f.valid_from,
        f.valid_until,
        f.funded_by.as_str(),
        f.stacking.as_str(),
        f.listed,
        f.limit_total,
        f.limit_per_customer,
    )
    .fetch_one(tx)
    .await?;
    Ok(row.into())
}

/// Whether a live offer other than `except` has `code` (upper case).
pub async fn code_in_use(
    db: impl PgExecutor<'_>,
    code: &str,
    except: Option<OfferId>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from offers
            where code = $1 and deleted_at is null
              and ($2::uuid is null or offer_id <> $2)) as "taken!""#,
        code,
        except.map(|o| o.as_uuid()),
    )
    .fetch_one(db)
    .await
}

/// Soft-deletes a live offer: no longer priced, listed or found by its code (which is free
/// again); redemptions already made stay. False if there was no live offer.
pub async fn delete(db: impl PgExecutor<'_>, offer_id: OfferId) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update offers set deleted_at = now() where offer_id = $1 and deleted_at is null",
        offer_id.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Soft-deletes every live offer of a partner; answers how many.
pub async fn delete_of_partner(
    db: impl PgExecutor<'_>,
    partner_id: PartnerId,
) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "update offers set deleted_at = now() where partner_id = $1 and deleted_at is null",
        partner_id.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// The live offers of a partner, newest first, whatever their window.
pub async fn of_partner(
    db: impl PgExecutor<'_>,
    partner_id: PartnerId,
) -> sqlx::Result<Vec<OfferRecord>> {
    let rows = sqlx::query_as!(
        OfferRow,
        r#"select offer_id as "offer_id: OfferId", partner_id as "partner_id: PartnerId",
                  name, description, code,
                  benefit as "benefit: Json<Benefit>", conditions as "conditions: Json<Conditions>",
                  scope as "scope: Json<OfferScope>", valid_from, valid_until,
                  funded_by as "funded_by: Funder", stacking as "stacking: Stacking", listed,
                  limit_total, limit_per_customer, redeemed, created_at, updated_at
             from offers where partner_id = $1 and deleted_at is null
            order by created_at desc, offer_id"#,
        partner_id.as_uuid(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(OfferRecord::from).collect())
}

/// Every live offer (the platform's and every partner's), newest first, created before
/// `before` when given, at most `limit`.
pub async fn all(
    db: impl PgExecutor<'_>,
    before: Option<DateTime<Utc>>,
    limit: i64,
) -> sqlx::Result<Vec<OfferRecord>> {
    let rows = sqlx::query_as!(
        OfferRow,
        r#"select offer_id as "offer_id: OfferId", partner_id as "partner_id: PartnerId",
                  name, description, code,
                  benefit as "benefit: Json<Benefit>", conditions as "conditions: Json<Conditions>",
                  scope as "scope: Json<OfferScope>", valid_from, valid_until,
                  funded_by as "funded_by: Funder", stacking as "stacking: Stacking", listed,
                  limit_total, limit_per_customer, redeemed, created_at, updated_at
             from offers
            where deleted_at is null and ($1::timestamptz is null or created_at < $1)
            order by created_at desc, offer_id
            limit $2"#,
        before,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(OfferRecord::from).collect())
}

/// The listed offers a customer may use at `now`: live, inside their window, not used up, with
/// uses left for this customer, members-only ones only for a `member`, first-booking ones only
/// before the customer's first paid booking. Ending soonest first. The show-specific
/// conditions (scope, day, time, seats) are the quote's to check.
pub async fn eligible(
    db: impl PgExecutor<'_>,
    customer_id: AccountId,
    member: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<OfferRecord>> {
    let rows = sqlx::query_as!(
        OfferRow,
        r#"select o.offer_id as "offer_id: OfferId", o.partner_id as "partner_id: PartnerId",
                  o.name, o.description, o.code,
                  o.benefit as "benefit: Json<Benefit>",
                  o.conditions as "conditions: Json<Conditions>",
                  o.scope as "scope: Json<OfferScope>", o.valid_from, o.valid_until,
                  o.funded_by as "funded_by: Funder", o.stacking as "stacking: Stacking",
                  o.listed, o.limit_total, o.limit_per_customer, o.redeemed,
                  o.created_at, o.updated_at
             from offers o
            where o.deleted_at is null and o.listed
              and o.valid_from <= $2 and (o.valid_until is null or o.valid_until > $2)
              and (o.limit_total is null or o.redeemed < o.limit_total)
              and (o.limit_per_customer is null or o.limit_per_customer >
                   (select count(*) from offer_redemptions r
                     where r.offer_id = o.offer_id and r.customer_id = $1
                       and r.status = 'redeemed'))
              and ($3 or not coalesce((o.conditions ->> 'subscribers_only')::boolean, false))
              and (not coalesce((o.conditions ->> 'first_booking_only')::boolean, false)
                   or not exists (select 1 from bookings b
                                   where b.customer_id = $1
                                     and b.status in ('BookingCompleted', 'Invoiced',
                                                      'SettlementDone')))
            order by o.valid_until nulls last, o.created_at desc, o.offer_id"#,
        customer_id.as_uuid(),
        now,
        member,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(OfferRecord::from).collect())
}
