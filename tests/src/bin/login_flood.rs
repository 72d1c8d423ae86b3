//! `login-flood`: starts an API process of its own on a free loopback port, floods
//! `POST /auth/login` with distinct unknown emails, and prints how the requests were answered
//! and the API process's memory from `/proc/<pid>/status` (resident size before, the highest
//! resident size sampled every 20 ms, and the kernel's high-water mark `VmHWM`). A figure, not
//! a pass/fail: the bound on concurrent password hashing is what keeps it flat.
//!
//! Bounded: at most 20,000 requests, at most 5,000 in flight, and a deadline (default 60 s,
//! at most 300 s) after which the remaining requests are abandoned. Loopback only.
//!
//! Usage: `login-flood [--api-bin PATH] [--requests N] [--concurrency N] [--seconds S]`.
//! The API reads its settings from the environment (DATABASE_URL, TEMPORAL_ADDRESS, …; run
//! `source deploy/local/lib.sh` first, or `./mtbp bench-flood`), so `MTBP_MAX_CONCURRENT_HASHES`
//! set there is what the flood meets.

use anyhow::{Context, bail, ensure};
use futures::StreamExt;
use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

struct Args {
    api_bin: String,
    requests: usize,
    concurrency: usize,
    seconds: u64,
}

fn args() -> anyhow::Result<Args> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let mut args = Args {
        api_bin: format!("{target}/release/mtbp-api"),
        requests: 2000,
        concurrency: 2000,
        seconds: 60,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--api-bin" => args.api_bin = value,
            "--requests" => args.requests = value.parse().context("--requests")?,
            "--concurrency" => args.concurrency = value.parse().context("--concurrency")?,
            "--seconds" => args.seconds = value.parse().context("--seconds")?,
            other => bail!("unknown option {other}"),
        }
    }
    ensure!((1..=20_000).contains(&args.requests), "--requests: 1-20000");
    ensure!(
        (1..=5_000).contains(&args.concurrency),
        "--concurrency: 1-5000"
    );
    ensure!((1..=300).contains(&args.seconds), "--seconds: 1-300");
    Ok(args)
}

/// `VmRSS` and `VmHWM` of `pid`, in KiB.
fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

async fn wait_healthy(http: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(resp) = http.get(format!("{base}/health")).send().await
            && resp.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!("the API did not answer /health within 30 s")
}

/// Sends the flood; returns how many answers of each kind.
async fn flood(args: &Args, http: &reqwest::Client, base: &str) -> BTreeMap<String, usize> {
    let url = format!("{base}/auth/login");
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let answers = futures::stream::iter(0..args.requests)
        .map(|i| {
            let body = serde_json::json!({"email": format!("flood-{}-{i}@example.com", &run[..8]),
                "password": "not the password"});
            let request = http.post(&url).json(&body).send();
            async move {
                match tokio::time::timeout_at(deadline.into(), request).await {
                    Ok(Ok(resp)) => resp.status().as_u16().to_string(),
                    Ok(Err(e)) if e.is_timeout() => "client time-out".to_owned(),
                    Ok(Err(_)) => "transport error".to_owned(),
                    Err(_) => "abandoned at the deadline".to_owned(),
                }
            }
        })
        .buffer_unordered(args.concurrency)
        .collect::<Vec<String>>()
        .await;
    let mut counts = BTreeMap::new();
    for answer in answers {
        *counts.entry(answer).or_insert(0) += 1;
    }
    counts
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut api = tokio::process::Command::new(&args.api_bin)
        .env("MTBP_API_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", args.api_bin))?;
    let pid = api.id().context("the API exited at once")?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    wait_healthy(&http, &base).await?;
    let (before, _) = memory_kib(pid).context("reading /proc")?;

    let peak = Arc::new(AtomicU64::new(before));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            while let Some((rss, _)) = memory_kib(pid) {
                peak.fetch_max(rss, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let started = Instant::now();
    let counts = flood(&args, &http, &base).await;
    let elapsed = started.elapsed();
    sampler.abort();
    let (after, hwm) = memory_kib(pid).context("reading /proc")?;
    api.kill().await.ok();

    let mib = |kib: u64| kib as f64 / 1024.0;
    let hashes = std::env::var("MTBP_MAX_CONCURRENT_HASHES").unwrap_or_else(|_| "default".into());
    println!(
        "login flood: {} sign-ins with distinct emails, {} in flight, MTBP_MAX_CONCURRENT_HASHES={hashes}",
        args.requests, args.concurrency
    );
    println!("  answered in {:.1} s:", elapsed.as_secs_f64());
    for (answer, n) in &counts {
        println!("    {answer:>26}: {n}");
    }
    println!(
        "  API memory: RSS {:.1} MiB before, {:.1} MiB peak sampled, {:.1} MiB after; VmHWM {:.1} MiB",
        mib(before),
        mib(peak.load(Ordering::Relaxed)),
        mib(after),
        mib(hwm)
    );
    Ok(())
}
