//! Saved payment methods: the gateway's id and what may be shown of the card; the card itself
//! lives at the gateway.

use chrono::{DateTime, Utc};
use mtbp_domain::AccountId;
use sqlx::PgExecutor;

/// A saved payment method as stored.
#[derive(Clone, Debug)]
pub struct SavedCard {
    /// Gateway payment method id.
    pub payment_method_id: String,
    /// Card brand.
    pub brand: Option<String>,
    /// Last four digits.
    pub last4: Option<String>,
    /// Expiry month.
    pub exp_month: Option<i32>,
    /// Expiry year.
    pub exp_year: Option<i32>,
    /// Saved.
    pub created_at: DateTime<Utc>,
}

/// A card to save.
#[derive(Clone, Copy, Debug)]
pub struct NewCard<'a> {
    /// Gateway payment method id.
    pub payment_method_id: &'a str,
    /// Card brand.
    pub brand: Option<&'a str>,
    /// Last four digits.
    pub last4: Option<&'a str>,
    /// Expiry month.
    pub exp_month: Option<i32>,
    /// Expiry year.
    pub exp_year: Option<i32>,
}

/// Saves a card for `account`; saving the same gateway id again changes nothing.
pub async fn save(
    db: impl PgExecutor<'_>,
    account: AccountId,
    card: NewCard<'_>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into payment_methods (gateway_payment_method_id, account_id, brand, last4,
                                      exp_month, exp_year)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (gateway_payment_method_id) do nothing",
        card.payment_method_id,
        account as AccountId,
        card.brand,
        card.last4,
        card.exp_month,
        card.exp_year,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// One saved card of `account`.
pub async fn one(
    db: impl PgExecutor<'_>,
    account: AccountId,
    payment_method_id: &str,
) -> sqlx::Result<Option<SavedCard>> {
    sqlx::query_as!(
        SavedCard,
        "select gateway_payment_method_id as payment_method_id, brand, last4, exp_month,
                exp_year, created_at
           from payment_methods where account_id = $1 and gateway_payment_method_id = $2",
        account as AccountId,
        payment_method_id,
    )
    .fetch_optional(db)
    .await
}

/// Every saved card of `account`, oldest first.
pub async fn list(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<Vec<SavedCard>> {
    sqlx::query_as!(
        SavedCard,
        "select gateway_payment_method_id as payment_method_id, brand, last4, exp_month,
                exp_year, created_at
           from payment_methods where account_id = $1 order by created_at",
        account as AccountId,
    )
    .fetch_all(db)
    .await
}

/// Forgets one saved card of `account`.
pub async fn delete(
    db: impl PgExecutor<'_>,
    account: AccountId,
    payment_method_id: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from payment_methods where account_id = $1 and gateway_payment_method_id = $2",
        account as AccountId,
        payment_method_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets every saved card of `account`; answers their gateway ids.
pub async fn delete_all(db: impl PgExecutor<'_>, account: AccountId) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "delete from payment_methods where account_id = $1 returning gateway_payment_method_id",
        account as AccountId,
    )
    .fetch_all(db)
    .await
}
