//! Workers of test apps, each on a thread of its own (the SDK's worker future is not `Send`).

use anyhow::Context;
use mtbp_workers::WorkerConfig;
use std::time::Duration;

/// Runs the mtbp worker on a thread of its own; returns a function that asks it to shut down.
pub(super) fn start_worker_thread(
    config: WorkerConfig,
) -> anyhow::Result<Box<dyn Fn() + Send + Sync>> {
    spawn_worker_thread(move || async move { mtbp_workers::build_worker(&config).await })
}

/// Runs the worker `build` makes on a thread of its own (the SDK's worker future is not
/// `Send`); returns a function that asks it to shut down.
pub fn spawn_worker_thread<F, Fut>(build: F) -> anyhow::Result<Box<dyn Fn() + Send + Sync>>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<mtbp_workers::Workers>>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("test-worker".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(anyhow::Error::new(e)));
                    return;
                }
            };
            runtime.block_on(async move {
                match build().await {
                    Ok(mut worker) => {
                        let _ = tx.send(Ok(
                            Box::new(worker.shutdown_handle()) as Box<dyn Fn() + Send + Sync>
                        ));
                        if let Err(e) = worker.run().await {
                            eprintln!("test worker stopped with an error: {e:#}");
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            });
        })?;
    rx.recv_timeout(Duration::from_secs(30))
        .context("the worker did not start in time")?
}
