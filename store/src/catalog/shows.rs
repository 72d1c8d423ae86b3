//! Shows: a movie on a screen at a time, with a price per seat category. Two scheduled shows
//! on one screen never overlap (cleaning buffer included): the `shows_no_overlap` exclusion
//! constraint refuses the second. A removed show is `cancelled`, never deleted.

use chrono::{DateTime, Utc};
use mtbp_domain::{Currency, Money, MovieId, ScreenId, ShowId, ShowStatus, TheaterId};
use sqlx::{PgConnection, PgExecutor};
use std::collections::BTreeMap;

/// A show as stored.
#[derive(Debug, Clone)]
pub struct ShowRow {
    /// Id.
    pub show_id: ShowId,
    /// The movie.
    pub movie_id: MovieId,
    /// The screen.
    pub screen_id: ScreenId,
    /// The theater.
    pub theater_id: TheaterId,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Language.
    pub language: String,
    /// Format.
    pub format: String,
    /// ISO currency of its prices.
    pub currency: String,
    /// Scheduled or cancelled.
    pub status: ShowStatus,
    /// When its sale opens; none: on sale since it was scheduled.
    pub on_sale_at: Option<DateTime<Utc>>,
}

/// A show to schedule.
#[derive(Debug, Clone)]
pub struct NewShowRow {
    /// Id.
    pub show_id: ShowId,
    /// The movie.
    pub movie_id: MovieId,
    /// The screen.
    pub screen_id: ScreenId,
    /// The screen's theater.
    pub theater_id: TheaterId,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// End plus cleaning: the screen is busy until then.
    pub busy_until: DateTime<Utc>,
    /// Language.
    pub language: String,
    /// Format.
    pub format: String,
    /// ISO currency.
    pub currency: String,
    /// When its sale opens; none: at once.
    pub on_sale_at: Option<DateTime<Utc>>,
}

/// Inserts a scheduled show (its inventory: [`crate::seats::inventory::create`]). An overlap
/// fails on `shows_no_overlap`.
pub async fn insert(tx: &mut PgConnection, show: &NewShowRow) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into shows (show_id, movie_id, screen_id, theater_id, starts_at, ends_at,
                            busy_until, language, format, currency, on_sale_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        show.show_id as ShowId,
        show.movie_id as MovieId,
        show.screen_id as ScreenId,
        show.theater_id as TheaterId,
        show.starts_at,
        show.ends_at,
        show.busy_until,
        show.language,
        show.format,
        show.currency,
        show.on_sale_at,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// A show, scheduled or cancelled.
pub async fn find(db: impl PgExecutor<'_>, show_id: ShowId) -> sqlx::Result<Option<ShowRow>> {
    sqlx::query_as!(
        ShowRow,
        r#"select show_id as "show_id: ShowId", movie_id as "movie_id: MovieId",
                  screen_id as "screen_id: ScreenId", theater_id as "theater_id: TheaterId",
                  starts_at, ends_at, language, format, currency,
                  status as "status: ShowStatus", on_sale_at
             from shows where show_id = $1"#,
        show_id as ShowId,
    )
    .fetch_optional(db)
    .await
}

/// A stored currency code (the column's check constraint keeps it valid).
fn currency(raw: &str) -> sqlx::Result<Currency> {
    Currency::parse(raw).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A show's price per seat category, by code.
pub async fn prices(
    db: impl PgExecutor<'_>,
    show_id: ShowId,
) -> sqlx::Result<BTreeMap<String, Money>> {
    let rows = sqlx::query!(
        "select p.category_code, p.price_minor, s.currency
           from show_prices p join shows s using (show_id)
          where p.show_id = $1",
        show_id as ShowId,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            let price = Money {
                amount_minor: r.price_minor,
                currency: currency(&r.currency)?,
            };
            Ok((r.category_code, price))
        })
        .collect()
}

/// The theater of a show; none if there is no such show.
pub async fn theater_of(
    db: impl PgExecutor<'_>,
    show_id: ShowId,
) -> sqlx::Result<Option<TheaterId>> {
    sqlx::query_scalar!(
        r#"select theater_id as "theater_id: TheaterId" from shows where show_id = $1"#,
        show_id as ShowId,
    )
    .fetch_optional(db)
    .await
}

/// The currency of a show's prices; none if there is no such show.
pub async fn currency_of(
    db: impl PgExecutor<'_>,
    show_id: ShowId,
) -> sqlx::Result<Option<Currency>> {
    let raw = sqlx::query_scalar!(
        "select currency from shows where show_id = $1",
        show_id as ShowId
    )
    .fetch_optional(db)
    .await?;
    raw.as_deref().map(currency).transpose()
}

/// Whether the show exists.
pub async fn exists(db: impl PgExecutor<'_>, show_id: ShowId) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from shows where show_id = $1) as "exists!""#,
        show_id as ShowId,
    )
    .fetch_one(db)
    .await
}

/// A show's times and status, locked for a change.
#[derive(Debug, Clone, Copy)]
pub struct LockedShow {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Scheduled or cancelled.
    pub status: ShowStatus,
    /// When its sale opens.
    pub on_sale_at: Option<DateTime<Utc>>,
}

/// Locks a show for a change.
pub async fn lock(tx: &mut PgConnection, show_id: ShowId) -> sqlx::Result<LockedShow> {
    sqlx::query_as!(
        LockedShow,
        r#"select starts_at, ends_at, status as "status: ShowStatus", on_sale_at
             from shows where show_id = $1 for update"#,
        show_id as ShowId,
    )
    .fetch_one(tx)
    .await
}

/// A show's new time and (when given) language and format.
#[derive(Debug, Clone)]
pub struct ShowChange {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// End plus cleaning.
    pub busy_until: DateTime<Utc>,
    /// New language; none keeps it.
    pub language: Option<String>,
    /// New format; none keeps it.
    pub format: Option<String>,
    /// When the sale opens: none keeps it, `Some(None)` opens it now.
    pub on_sale_at: Option<Option<DateTime<Utc>>>,
}

/// Moves a show or changes what is shown. An overlap fails on `shows_no_overlap`.
pub async fn update(
    tx: &mut PgConnection,
    show_id: ShowId,
    change: &ShowChange,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update shows set starts_at = $2, ends_at = $3, busy_until = $4,
                language = coalesce($5, language), format = coalesce($6, format),
                on_sale_at = case when $7 then $8 else on_sale_at end
          where show_id = $1",
        show_id as ShowId,
        change.starts_at,
        change.ends_at,
        change.busy_until,
        change.language,
        change.format,
        change.on_sale_at.is_some(),
        change.on_sale_at.flatten(),
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Sets the show's price of a category (the seats: [`crate::seats::inventory::reprice`]); the
/// price is in the show's currency.
pub async fn set_price(
    tx: &mut PgConnection,
    show_id: ShowId,
    category: &str,
    price: &Money,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update show_prices set price_minor = $3 where show_id = $1 and category_code = $2",
        show_id as ShowId,
        category,
        price.amount_minor,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Marks a show cancelled: it stops being bookable and frees its screen time.
pub async fn cancel(tx: &mut PgConnection, show_id: ShowId) -> sqlx::Result<()> {
    sqlx::query!(
        "update shows set status = $2 where show_id = $1",
        show_id as ShowId,
        ShowStatus::Cancelled as ShowStatus,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Scheduled shows at a theater that have not ended yet (cleaning buffer included).
pub async fn count_to_run_at_theater(
    tx: &mut PgConnection,
    theater_id: TheaterId,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from shows
            where theater_id = $1 and status = 'scheduled' and busy_until > now()"#,
        theater_id as TheaterId,
    )
    .fetch_one(tx)
    .await
}

/// Scheduled shows on a screen that have not ended yet (cleaning buffer included).
pub async fn count_to_run_on_screen(
    tx: &mut PgConnection,
    screen_id: ScreenId,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from shows
            where screen_id = $1 and status = 'scheduled' and busy_until > now()"#,
        screen_id as ScreenId,
    )
    .fetch_one(tx)
    .await
}
