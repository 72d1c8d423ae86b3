//! `mtbp-worker`: runs booking workflows and their activities until SIGINT / SIGTERM.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mtbp_workers::run_until_signal().await
}
