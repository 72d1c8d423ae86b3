//! `mtbp-api`: serves the REST API until SIGINT / SIGTERM.

use anyhow::Context;
use mtbp_api::config::ApiConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mtbp_api_tracing();
    let config = ApiConfig::from_env()?;
    let bind = config.bind;
    let state = mtbp_api::build_state(config).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    tracing::info!(address = %bind, "API listening");
    mtbp_api::serve(listener, state, shutdown_signal()).await
}

fn mtbp_api_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn,sqlx=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
