//! `mtbp-api`: serves the REST API until SIGINT / SIGTERM.

use anyhow::Context;
use mtbp_api::config::ApiConfig;
use mtbp_infra::process;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    process::init_tracing("info,tower_http=warn,sqlx=warn");
    mtbp_infra::telemetry::init("mtbp-api")?;
    let config = ApiConfig::from_env()?;
    let bind = config.bind;
    let state = mtbp_api::build_state(config).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    tracing::info!(address = %bind, "API listening");
    let served = mtbp_api::serve(listener, state, process::shutdown_signal()).await;
    mtbp_infra::telemetry::shutdown();
    served
}
