//! `hold-latency`: POST /bookings → 201 round-trip latency over N sequential bookings against
//! a running platform (`./mtbp up`). Prints p50 / p90 / p99 / max. Bounded: N requests, then
//! it stops; loopback only.
//!
//! Usage: `hold-latency [N]` (default 200).

use anyhow::Context;
use mtbp_tests::ApiClient;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(Ok(200), |a| a.parse())
        .context("N")?;
    anyhow::ensure!((1..=5_000).contains(&n), "N must be between 1 and 5000");
    let base = std::env::var("MTBP_API_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let api = ApiClient::new(base);
    let operator = mtbp_tests::api_client::operator_from_env(&api).await?;
    let per_row = 20u16;
    // One seat more than needed: the last one warms the connection and caches, uncounted.
    let show = operator
        .create_show((n + 1).div_ceil(usize::from(per_row)), per_row)
        .await?;
    let spare = show.seats.last().context("no seats")?;
    let warm = api.hold(show.show_id, &[spare.as_str()], None).await?;
    anyhow::ensure!(
        warm.status() == StatusCode::CREATED,
        "warm-up answered {}",
        warm.status()
    );

    let mut samples = Vec::with_capacity(n);
    let started = Instant::now();
    for seat in show.seats.iter().take(n) {
        let t = Instant::now();
        let resp = api.hold(show.show_id, &[seat.as_str()], None).await?;
        let elapsed = t.elapsed();
        anyhow::ensure!(
            resp.status() == StatusCode::CREATED,
            "hold of {seat} answered {}",
            resp.status()
        );
        samples.push(elapsed);
    }
    let wall = started.elapsed();
    samples.sort();
    let pct = |p: f64| -> Duration {
        let i = ((p / 100.0) * samples.len() as f64).ceil() as usize;
        samples[i.saturating_sub(1).min(samples.len() - 1)]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("hold round trip (POST /bookings -> 201), {n} sequential bookings, 1 seat each");
    println!(
        "  p50 {:.1} ms  p90 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        ms(pct(50.0)),
        ms(pct(90.0)),
        ms(pct(99.0)),
        ms(samples[samples.len() - 1])
    );
    println!(
        "  {:.1} holds/s sequential ({:.2} s wall)",
        n as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    );
    Ok(())
}
