//! `mtbp-worker`: runs booking workflows and their activities until SIGINT / SIGTERM.

use mtbp_workers::{WorkerConfig, build_worker, init_tracing};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let config = WorkerConfig::from_env()?;
    let mut worker = build_worker(&config).await?;
    let shutdown = worker.shutdown_handle();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down the worker");
        shutdown();
    });
    tracing::info!(task_queue = %config.settings.task_queue, "worker started");
    worker.run().await?;
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
