//! `flash-sale`: a blockbuster opens and thousands race for the same shows. Drives a running
//! platform (`./mtbp bench-flash` starts one of its own) with concurrent customers, measures the
//! database and orchestration limits in the same run, reconciles seats, bookings and money,
//! and writes `flash-sale.json` and `flash-sale.svg`. Bounded in attempts and time; loopback
//! only. Exits non-zero when the reconciliation fails.
//!
//! `--code-share F` has that share of the holds enter a limited code (10 % off, `--code-limit`
//! redemptions in all; by default half the bookings expected to use it, so it runs out).
//! `--compare-codes` runs the sale twice on fresh shows, without codes and then with a quarter
//! of the holds (or `--code-share`) entering one, without the limits, and writes both into
//! `flash-sale-compare.json` with their completion rates side by side.
//!
//! `--closed-loop 8,32` runs the closed loop instead (see `mtbp_tests::flash::run_closed_loop`):
//! that many customers with no think time, one after the other, `--loop-seconds` each (30 by
//! default), and writes `closed-loop.json` with the round trips a booking costs.
//!
//! Usage: `flash-sale [--shows N] [--rows N] [--per-row N] [--customers N] [--max-seats N]
//! [--best F] [--abandon F] [--decline F] [--think-from-ms N] [--think-ms N] [--hold-seconds N] [--sale-seconds N]
//! [--max-attempts N] [--limit-seats N] [--seed N] [--code-share F] [--code-limit N]
//! [--no-limits] [--compare-codes] [--closed-loop N,N…] [--loop-seconds N] [--out DIR]`
//! `--relay-events N [--relays R] [--relay-batch B]` measures the event relay instead: N events
//! through R relays against a bare producer on the same broker (`mtbp_tests::flash::relay_bench`).
//! `--settle-bookings N` settles one partner with N bookings against a baseline that only
//! signals N idle workflows (`mtbp_tests::flash::settle_bench`).

use anyhow::{Context, bail};
use mtbp_tests::flash::{self, Params, Report, Target};
use mtbp_tests::{ApiClient, StripeClient};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the command line asks for.
struct Args {
    params: Params,
    out: PathBuf,
    compare_codes: bool,
    /// The closed loop's customer counts, if it is the run asked for.
    closed_loop: Option<flash::LoopParams>,
    /// `--relay-events N [--relays R] [--relay-batch B]`: the relay against a bare producer.
    relay: Option<(usize, usize, i64)>,
    /// `--settle-bookings N`: the settlement bench.
    settle: Option<usize>,
}

fn args() -> anyhow::Result<Args> {
    let mut p = Params {
        shows: 4,
        rows: 20,
        per_row: 25,
        customers: 64,
        max_seats: 4,
        best_share: 0.5,
        abandon_share: 0.05,
        decline_share: 0.05,
        think_from_ms: 5_000,
        think_ms: 20_000,
        hold_seconds: 120,
        sale_limit: Duration::from_secs(300),
        max_attempts: 50_000,
        limits: true,
        limit_seats: 12_000,
        seed: 42,
        code_share: 0.0,
        code_limit: 0,
    };
    let mut out = PathBuf::from(".local/bench");
    let mut compare_codes = false;
    let mut code_limit = None;
    let (mut loop_customers, mut loop_seconds) = (None::<Vec<usize>>, 30u64);
    let (mut relay_events, mut relays, mut relay_batch) = (None::<usize>, 1usize, 500i64);
    let mut settle = None::<usize>;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--no-limits" {
            p.limits = false;
            continue;
        }
        if flag == "--compare-codes" {
            compare_codes = true;
            continue;
        }
        let v = it.next().with_context(|| format!("{flag} needs a value"))?;
        let bad = || format!("{flag} {v}");
        match flag.as_str() {
            "--shows" => p.shows = v.parse().with_context(bad)?,
            "--rows" => p.rows = v.parse().with_context(bad)?,
            "--per-row" => p.per_row = v.parse().with_context(bad)?,
            "--customers" => p.customers = v.parse().with_context(bad)?,
            "--max-seats" => p.max_seats = v.parse().with_context(bad)?,
            "--best" => p.best_share = v.parse().with_context(bad)?,
            "--abandon" => p.abandon_share = v.parse().with_context(bad)?,
            "--decline" => p.decline_share = v.parse().with_context(bad)?,
            "--think-from-ms" => p.think_from_ms = v.parse().with_context(bad)?,
            "--think-ms" => p.think_ms = v.parse().with_context(bad)?,
            "--hold-seconds" => p.hold_seconds = v.parse().with_context(bad)?,
            "--sale-seconds" => p.sale_limit = Duration::from_secs(v.parse().with_context(bad)?),
            "--max-attempts" => p.max_attempts = v.parse().with_context(bad)?,
            "--limit-seats" => p.limit_seats = v.parse().with_context(bad)?,
            "--seed" => p.seed = v.parse().with_context(bad)?,
            "--code-share" => p.code_share = v.parse().with_context(bad)?,
            "--code-limit" => code_limit = Some(v.parse().with_context(bad)?),
            "--out" => out = v.into(),
            "--closed-loop" => {
                let counts: Result<Vec<usize>, _> = v.split(',').map(str::parse).collect();
                loop_customers = Some(counts.with_context(bad)?);
            }
            "--loop-seconds" => loop_seconds = v.parse().with_context(bad)?,
            "--relay-events" => relay_events = Some(v.parse().with_context(bad)?),
            "--settle-bookings" => settle = Some(v.parse().with_context(bad)?),
            "--relays" => relays = v.parse().with_context(bad)?,
            "--relay-batch" => relay_batch = v.parse().with_context(bad)?,
            other => bail!("unknown flag {other}; see the usage at the top of flash_sale.rs"),
        }
    }
    p.code_limit = code_limit.unwrap_or_else(|| p.default_code_limit());
    validate(&p)?;
    let closed_loop = loop_customers.map(|customers| flash::LoopParams {
        customers,
        seconds: loop_seconds,
    });
    if let Some(l) = &closed_loop {
        anyhow::ensure!(
            !l.customers.is_empty() && l.customers.iter().all(|n| (1..=128).contains(n)),
            "--closed-loop: 1-128 customers a step"
        );
        anyhow::ensure!((1..=300).contains(&l.seconds), "--loop-seconds 1-300");
    }
    anyhow::ensure!((1..=16).contains(&relays), "--relays 1-16");
    anyhow::ensure!(
        (1..=10_000).contains(&relay_batch),
        "--relay-batch 1-10,000"
    );
    Ok(Args {
        params: p,
        out,
        compare_codes,
        closed_loop,
        relay: relay_events.map(|n| (n, relays, relay_batch)),
        settle,
    })
}

/// Refuses shapes the platform or the machine cannot run as intended.
fn validate(p: &Params) -> anyhow::Result<()> {
    anyhow::ensure!((1..=20).contains(&p.shows), "1-20 shows");
    anyhow::ensure!(
        (1..=26).contains(&p.rows) && (1..=40).contains(&p.per_row),
        "1-26 rows of 1-40 seats"
    );
    anyhow::ensure!((1..=512).contains(&p.customers), "1-512 customers");
    anyhow::ensure!((1..=10).contains(&p.max_seats), "1-10 seats a booking");
    anyhow::ensure!(
        [p.best_share, p.abandon_share, p.decline_share, p.code_share]
            .iter()
            .all(|s| (0.0..=1.0).contains(s))
            && p.abandon_share + p.decline_share <= 1.0,
        "shares between 0 and 1; abandon + decline at most 1"
    );
    anyhow::ensure!(
        p.sale_limit <= Duration::from_secs(1800),
        "a sale of at most 30 minutes"
    );
    anyhow::ensure!(
        p.think_ms < u64::from(p.hold_seconds) * 1000,
        "customers must be able to pay before their hold lapses: --think-ms below the hold"
    );
    anyhow::ensure!(p.max_attempts <= 1_000_000, "at most a million attempts");
    anyhow::ensure!(
        (1..=1_000_000).contains(&p.code_limit),
        "a code limit of 1 to a million redemptions"
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Args {
        params,
        out,
        compare_codes,
        closed_loop,
        relay,
        settle,
    } = args()?;
    let target = target().await?;
    if let Some((events, relays, batch)) = relay {
        return run_relay_bench(&target, &out, events, relays, batch).await;
    }
    if let Some(bookings) = settle {
        anyhow::ensure!(
            (10..=200_000).contains(&bookings),
            "--settle-bookings 10-200,000"
        );
        println!("settlement bench: {bookings} bookings of one partner, then the baseline");
        let r = flash::settle_bench::run(&target, bookings).await?;
        std::fs::create_dir_all(&out)?;
        let json_path = out.join("settlement.json");
        std::fs::write(&json_path, serde_json::to_string_pretty(&r)?)?;
        println!("{}", flash::settle_bench::summary(&r));
        println!("wrote {}", json_path.display());
        return Ok(());
    }
    if let Some(l) = closed_loop {
        return run_closed_loop(l, &target, &out).await;
    }
    println!(
        "flash sale: {} shows x {} seats, {} customers, holds of {} s{}",
        params.shows,
        params.rows * usize::from(params.per_row),
        params.customers,
        params.hold_seconds,
        match (compare_codes, params.limits) {
            (true, _) => ", without and then with codes",
            (false, true) => ", then the limits",
            (false, false) => "",
        }
    );
    std::fs::create_dir_all(&out)?;
    if compare_codes {
        let comparison = flash::compare(params, &target).await?;
        let json_path = out.join("flash-sale-compare.json");
        std::fs::write(&json_path, serde_json::to_string_pretty(&comparison)?)?;
        write_chart(
            &out.join("flash-sale-no-codes.svg"),
            &comparison.without_codes,
        )?;
        write_chart(&out.join("flash-sale-codes.svg"), &comparison.with_codes)?;
        print!("{}", flash::comparison_summary(&comparison));
        println!("written: {} and two charts", json_path.display());
        anyhow::ensure!(comparison.reconciled, "a reconciliation failed");
        return Ok(());
    }
    let report = flash::run(params, &target).await?;
    let json_path = out.join("flash-sale.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)?)?;
    let svg_path = out.join("flash-sale.svg");
    write_chart(&svg_path, &report)?;
    print!("{}", flash::summary(&report));
    println!(
        "written: {} and {}",
        json_path.display(),
        svg_path.display()
    );
    anyhow::ensure!(report.reconciliation.ok, "the reconciliation failed");
    Ok(())
}

/// The relay against a bare producer: prints both rates and writes `relay.json`.
async fn run_relay_bench(
    target: &Target,
    out: &Path,
    events: usize,
    relays: usize,
    batch: i64,
) -> anyhow::Result<()> {
    let kafka = mtbp_infra::kafka::KafkaSettings::from_env()?;
    println!("relay: {events} events, {relays} relay(s), batches of {batch}, then a bare producer");
    let r = flash::relay_bench::run(&target.db, kafka, events, relays, batch).await?;
    std::fs::create_dir_all(out)?;
    let json_path = out.join("relay.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&r)?)?;
    println!(
        "relay: {:.0} events/s ({:.1} s); bare producer: {:.0} messages/s ({:.1} s); ratio {:.2}",
        r.relay_per_second, r.relay_seconds, r.producer_per_second, r.producer_seconds, r.ratio
    );
    println!("written: {}", json_path.display());
    Ok(())
}

/// The closed loop: prints its summary and writes `closed-loop.json`.
async fn run_closed_loop(l: flash::LoopParams, target: &Target, out: &Path) -> anyhow::Result<()> {
    println!(
        "closed loop: {:?} customers with no think time, {} s each, back to back",
        l.customers, l.seconds
    );
    let report = flash::run_closed_loop(l, target).await?;
    std::fs::create_dir_all(out)?;
    let json_path = out.join("closed-loop.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)?)?;
    print!("{}", flash::loop_summary(&report));
    println!("written: {}", json_path.display());
    Ok(())
}

/// The platform named by the environment (`MTBP_API_URL`, the platform's own settings).
async fn target() -> anyhow::Result<Target> {
    let base = std::env::var("MTBP_API_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let api = ApiClient::new(base);
    let operator = mtbp_tests::api_client::operator_from_env(&api).await?;
    let settings = mtbp_infra::config::Settings::from_env()?;
    Ok(Target {
        db: mtbp_infra::db::connect(&settings.database_url, 4).await?,
        temporal: mtbp_infra::temporal::connect(
            &settings.temporal_address,
            &settings.temporal_namespace,
            "flash-sale",
        )
        .await?,
        stripe: StripeClient::from_env(),
        api,
        operator,
    })
}

fn write_chart(path: &Path, report: &Report) -> anyhow::Result<()> {
    let title = format!(
        "flash sale: {} seats, {} customers{}",
        report.sale.seats_on_sale,
        report.params.customers,
        match &report.offer {
            Some(_) => format!(", {:.0} % with a code", report.params.code_share * 100.0),
            None => String::new(),
        }
    );
    flash::write_svg(path, &title, &report.sale.timeline)
}
