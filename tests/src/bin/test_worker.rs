//! The worker binary again, built inside the test package so crash tests can start it as a
//! real process (Cargo only tells a test where the binaries of its own package are).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mtbp_workers::run_until_signal().await
}
