//! The reads behind "who may change this": which partner owns a theater, which theater a
//! screen belongs to. Kept with the accounts because the access rules ask them; the catalog
//! writes these tables.

use mtbp_domain::{PartnerId, ScreenId, TheaterId};
use sqlx::PgExecutor;

/// The partner of an open theater: `None` if there is no such open theater, `Some(None)` for a
/// theater the platform runs itself.
pub async fn theater_partner(
    db: impl PgExecutor<'_>,
    theater: TheaterId,
) -> sqlx::Result<Option<Option<PartnerId>>> {
    sqlx::query_scalar!(
        r#"select partner_id as "partner_id: PartnerId" from theaters
            where theater_id = $1 and closed_at is null"#,
        theater as TheaterId,
    )
    .fetch_optional(db)
    .await
}

/// The theater of a screen in service.
pub async fn screen_theater(
    db: impl PgExecutor<'_>,
    screen: ScreenId,
) -> sqlx::Result<Option<TheaterId>> {
    sqlx::query_scalar!(
        r#"select theater_id as "theater_id: TheaterId" from screens
            where screen_id = $1 and retired_at is null"#,
        screen as ScreenId,
    )
    .fetch_optional(db)
    .await
}
