//! A database per test app, cloned from a template migrated once per set of migrations.

use mtbp_infra::db;
use sqlx::{Connection, PgConnection};

const TEMPLATE_DB: &str = "mtbp_test_template";
static TEMPLATE_READY: tokio::sync::Mutex<bool> = tokio::sync::Mutex::const_new(false);

pub(super) fn with_database(url: &str, db: &str) -> String {
    match url.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{db}"),
        None => url.to_owned(),
    }
}

/// The template's name for this checkout's migrations: checkouts (or branches) with other
/// migrations get templates of their own, and test runs of the same migrations share one.
fn template_name() -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for m in mtbp_store::MIGRATOR.iter() {
        hash.update(m.version.to_le_bytes());
        hash.update(&m.checksum);
    }
    format!("{TEMPLATE_DB}_{}", &hex::encode(hash.finalize())[..12])
}

/// Creates `name` from the migrated template. The template is built once, under an advisory
/// lock, and renamed into place only when fully migrated, so a concurrent test run never clones
/// a half-built one.
pub(super) async fn create_database(base_url: &str, name: &str) -> anyhow::Result<()> {
    let mut ready = TEMPLATE_READY.lock().await;
    let template = template_name();
    let mut admin = PgConnection::connect(base_url).await?;
    if !*ready {
        sqlx::query("select pg_advisory_lock(727274)")
            .execute(&mut admin)
            .await?;
        let exists: Option<i32> =
            sqlx::query_scalar("select 1 from pg_database where datname = $1")
                .bind(&template)
                .fetch_optional(&mut admin)
                .await?;
        if exists.is_none() {
            let building = format!("{template}_building");
            sqlx::query(&format!("drop database if exists {building} with (force)"))
                .execute(&mut admin)
                .await?;
            sqlx::query(&format!("create database {building}"))
                .execute(&mut admin)
                .await?;
            let pool = db::connect(&with_database(base_url, &building), 1).await?;
            mtbp_store::MIGRATOR.run(&pool).await?;
            pool.close().await;
            sqlx::query(&format!("alter database {building} rename to {template}"))
                .execute(&mut admin)
                .await?;
        }
        sqlx::query("select pg_advisory_unlock(727274)")
            .execute(&mut admin)
            .await?;
        *ready = true;
    }
    sqlx::query(&format!("create database {name} template {template}"))
        .execute(&mut admin)
        .await?;
    Ok(())
}
