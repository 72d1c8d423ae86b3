//! `mtbp-migrate`: applies the forward-only migrations in `migrations/` and exits.

use anyhow::Context;
use mtbp_infra::config::Settings;
use mtbp_infra::db;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mtbp_infra::process::init_tracing("info,sqlx=warn");
    let settings = Settings::from_env()?;
    let pool = db::connect(&settings.database_url, 2)
        .await
        .context("connecting to PostgreSQL")?;
    mtbp_store::MIGRATOR
        .run(&pool)
        .await
        .context("running migrations")?;
    tracing::info!("migrations applied");
    Ok(())
}
