//! Process plumbing shared by the binaries: logging and shutdown signals.

/// Installs the tracing subscriber, filtered by `RUST_LOG` (else `default_filter`): one JSON
/// object per line (`MTBP_LOG_JSON=0` for text), the event's fields flattened beside the
/// message and the enclosing span's dotted ids (`booking.id`, `workflow.id`, `http.path`…) in
/// `span`, so a log search by booking finds every line about it. Ids only: no contact details,
/// tokens or card data are ever logged.
pub fn init_tracing(default_filter: &str) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = !std::env::var("MTBP_LOG_JSON").is_ok_and(|v| v == "0");
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
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
