//! What new movies a subscriber wants to hear about, read by the notifications issue.

use mtbp_domain::SubscriptionId;
use mtbp_domain::subscription::Announcements;
use sqlx::PgExecutor;

/// Replaces the subscription's preferences (already validated).
pub async fn set(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
    prefs: &Announcements,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into subscription_announcements (subscription_id, cities, genres, languages)
         values ($1, $2, $3, $4)
         on conflict (subscription_id) do update
            set cities = excluded.cities, genres = excluded.genres, languages = excluded.languages",
        subscription_id.as_uuid(),
        &prefs.cities,
        &prefs.genres,
        &prefs.languages,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The subscription's preferences (empty lists if none were set).
pub async fn get(
    db: impl PgExecutor<'_>,
    subscription_id: SubscriptionId,
) -> sqlx::Result<Announcements> {
    let row = sqlx::query_as!(
        Announcements,
        "select cities, genres, languages from subscription_announcements
          where subscription_id = $1",
        subscription_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.unwrap_or_default())
}
