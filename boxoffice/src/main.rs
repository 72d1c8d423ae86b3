//! `mtbp-boxoffice`: the reference theater box office (boxoffice/README.md).
//!
//! `mtbp-boxoffice [--listen 127.0.0.1:8431] [--max-lock-seconds 600] [--state-file PATH]
//! [--api-key KEY]`; `MTBP_BOXOFFICE_ADDR` and `MTBP_BOXOFFICE_API_KEY` set the first and the
//! last too.

use anyhow::Context;
use mtbp_boxoffice::{BoxOffice, Config, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let mut listen =
        std::env::var("MTBP_BOXOFFICE_ADDR").unwrap_or_else(|_| "127.0.0.1:8431".into());
    let mut config = Config {
        api_key: std::env::var("MTBP_BOXOFFICE_API_KEY")
            .ok()
            .filter(|k| !k.is_empty()),
        ..Config::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => listen = value()?,
            "--max-lock-seconds" => {
                config.max_lock_seconds = value()?.parse().context("--max-lock-seconds")?;
            }
            "--state-file" => config.state_file = Some(value()?.into()),
            "--api-key" => config.api_key = Some(value()?),
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    tracing::info!(addr = %listen, "box office listening");
    serve(listener, BoxOffice::new(config), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
