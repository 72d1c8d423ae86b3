//! Food and beverage add-ons of a theater (`addons`): combos sold with tickets, each with a
//! price before tax and the tax class the pricing taxes it by.
//!
//! Codes are upper case and unique among a theater's live add-ons (`addons_code`, a partial
//! unique index). A deleted add-on keeps its row for the bookings that bought it.

use mtbp_domain::{AddonId, Currency, Money, TheaterId};
use sqlx::PgExecutor;

/// An add-on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addon {
    /// Id.
    pub addon_id: AddonId,
    /// Its theater.
    pub theater_id: TheaterId,
    /// Code, upper case, unique among the theater's live add-ons.
    pub code: String,
    /// Name.
    pub name: String,
    /// Longer text.
    pub description: String,
    /// Price of one unit before tax.
    pub price: Money,
    /// The tax class it is taxed by (e.g. `food`).
    pub tax_class: String,
    /// On sale now.
    pub available: bool,
}

/// What a manager writes of an add-on.
#[derive(Clone, Copy, Debug)]
pub struct AddonFields<'a> {
    /// Code, upper case.
    pub code: &'a str,
    /// Name.
    pub name: &'a str,
    /// Longer text.
    pub description: &'a str,
    /// Price of one unit before tax.
    pub price: &'a Money,
    /// Tax class.
    pub tax_class: &'a str,
    /// On sale now.
    pub available: bool,
}

struct AddonRow {
    addon_id: AddonId,
    theater_id: TheaterId,
    code: String,
    name: String,
    description: String,
    price_minor: i64,
    currency: Currency,
    tax_class: String,
    available: bool,
}

impl From<AddonRow> for Addon {
    fn from(r: AddonRow) -> Self {
        Self {
            addon_id: r.addon_id,
            theater_id: r.theater_id,
            code: r.code,
            name: r.name,
            description: r.description,
            price: Money {
                amount_minor: r.price_minor,
                currency: r.currency,
            },
            tax_class: r.tax_class,
            available: r.available,
        }
    }
}

/// Adds an add-on to a theater. A code the theater's live add-ons already have fails on
/// `addons_code`.
pub async fn insert(
    db: impl PgExecutor<'_>,
    addon_id: AddonId,
    theater_id: TheaterId,
    f: &AddonFields<'_>,
) -> sqlx::Result<Addon> {
    let row = sqlx::query_as!(
        AddonRow,
        r#"insert into addons (addon_id, theater_id, code, name, description, price_minor,
                               currency, tax_class, available)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           returning addon_id as "addon_id: AddonId", theater_id as "theater_id: TheaterId",
                     code, name, description, price_minor, currency as "currency: Currency",
                     tax_class, available"#,
        addon_id as AddonId,
        theater_id as TheaterId,
        f.code,
        f.name,
        f.description,
        f.price.amount_minor,
        f.price.currency.as_str(),
        f.tax_class,
        f.available,
    )
    .fetch_one(db)
    .await?;
    Ok(row.into())
}

/// Replaces what the manager wrote of a live add-on; `None` if there is none. A code another
/// live add-on of the theater has fails on `addons_code`.
pub async fn update(
    db: impl PgExecutor<'_>,
    addon_id: AddonId,
    f: &AddonFields<'_>,
) -> sqlx::Result<Option<Addon>> {
    let row = sqlx::query_as!(
        AddonRow,
        r#"update addons set code = $2, name = $3, description = $4, price_minor = $5,
                  currency = $6, tax_class = $7, available = $8
            where addon_id = $1 and deleted_at is null
           returning addon_id as "addon_id: AddonId", theater_id as "theater_id: TheaterId",
                     code, name, description, price_minor, currency as "currency: Currency",
                     tax_class, available"#,
        addon_id as AddonId,
        f.code,
        f.name,
        f.description,
        f.price.amount_minor,
        f.price.currency.as_str(),
        f.tax_class,
        f.available,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Addon::from))
}

/// A live add-on, available or not.
pub async fn get(db: impl PgExecutor<'_>, addon_id: AddonId) -> sqlx::Result<Option<Addon>> {
    let row = sqlx::query_as!(
        AddonRow,
        r#"select addon_id as "addon_id: AddonId", theater_id as "theater_id: TheaterId",
                  code, name, description, price_minor, currency as "currency: Currency",
                  tax_class, available
             from addons where addon_id = $1 and deleted_at is null"#,
        addon_id as AddonId,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Addon::from))
}

/// The live add-ons of a theater by code: the available ones only, or all of them (for its
/// managers).
pub async fn of_theater(
    db: impl PgExecutor<'_>,
    theater_id: TheaterId,
    available_only: bool,
) -> sqlx::Result<Vec<Addon>> {
    let rows = sqlx::query_as!(
        AddonRow,
        r#"select addon_id as "addon_id: AddonId", theater_id as "theater_id: TheaterId",
                  code, name, description, price_minor, currency as "currency: Currency",
                  tax_class, available
             from addons
            where theater_id = $1 and deleted_at is null and (available or not $2)
            order by code"#,
        theater_id as TheaterId,
        available_only,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Addon::from).collect())
}

/// The live, available add-ons of a theater with these codes (upper case), by code. Codes it
/// does not sell are simply absent: the caller compares.
pub async fn by_codes(
    db: impl PgExecutor<'_>,
    theater_id: TheaterId,
    codes: &[String],
) -> sqlx::Result<Vec<Addon>> {
    let rows = sqlx::query_as!(
        AddonRow,
        r#"select addon_id as "addon_id: AddonId", theater_id as "theater_id: TheaterId",
                  code, name, description, price_minor, currency as "currency: Currency",
                  tax_class, available
             from addons
            where theater_id = $1 and code = any($2) and deleted_at is null and available
            order by code"#,
        theater_id as TheaterId,
        codes,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Addon::from).collect())
}

/// Soft-deletes a live add-on: off sale, its code free again. False if there was none.
pub async fn delete(db: impl PgExecutor<'_>, addon_id: AddonId) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update addons set deleted_at = now() where addon_id = $1 and deleted_at is null",
        addon_id as AddonId,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The currencies of a theater's shows (an add-on is sold in the same one), by code.
pub async fn show_currencies(
    db: impl PgExecutor<'_>,
    theater_id: TheaterId,
) -> sqlx::Result<Vec<Currency>> {
    sqlx::query_scalar!(
        r#"select distinct currency as "currency!: Currency" from shows
            where theater_id = $1 order by 1"#,
        theater_id as TheaterId,
    )
    .fetch_all(db)
    .await
}
