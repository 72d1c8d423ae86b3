//! `flash-sale`: a blockbuster opens and thousands race for the same shows. Drives a running
//! platform (`./mtbp bench-flash` starts one of its own) with concurrent customers, measures the
//! database and orchestration limits in the same run, reconciles seats, bookings and money,
//! and writes `flash-sale.json` and `flash-sale.svg`. Bounded in attempts and time; loopback
//! only. Exits non-zero when the reconciliation fails.
//!
//! Usage: `flash-sale [--shows N] [--rows N] [--per-row N] [--customers N] [--max-seats N]
//! [--best F] [--abandon F] [--decline F] [--think-from-ms N] [--think-ms N] [--hold-seconds N] [--sale-seconds N]
//! [--max-attempts N] [--limit-seats N] [--seed N] [--no-limits] [--out DIR]`

use anyhow::{Context, bail};
use mtbp_tests::flash::{self, Params, Target};
use mtbp_tests::{ApiClient, StripeClient};
use std::path::PathBuf;
use std::time::Duration;

fn args() -> anyhow::Result<(Params, PathBuf)> {
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
    };
    let mut out = PathBuf::from(".local/bench");
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--no-limits" {
            p.limits = false;
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
            "--out" => out = v.into(),
            other => bail!("unknown flag {other}; see the usage at the top of flash_sale.rs"),
        }
    }
    anyhow::ensure!((1..=20).contains(&p.shows), "1-20 shows");
    anyhow::ensure!(
        (1..=26).contains(&p.rows) && (1..=40).contains(&p.per_row),
        "1-26 rows of 1-40 seats"
    );
    anyhow::ensure!((1..=512).contains(&p.customers), "1-512 customers");
    anyhow::ensure!((1..=10).contains(&p.max_seats), "1-10 seats a booking");
    anyhow::ensure!(
        [p.best_share, p.abandon_share, p.decline_share]
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
    Ok((p, out))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (params, out) = args()?;
    let base = std::env::var("MTBP_API_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let api = ApiClient::new(base);
    let operator = mtbp_tests::api_client::operator_from_env(&api).await?;
    let settings = mtbp_infra::config::Settings::from_env()?;
    let target = Target {
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
    };
    println!(
        "flash sale: {} shows x {} seats, {} customers, holds of {} s{}",
        params.shows,
        params.rows * usize::from(params.per_row),
        params.customers,
        params.hold_seconds,
        if params.limits {
            ", then the limits"
        } else {
            ""
        }
    );
    let report = flash::run(params, &target).await?;
    std::fs::create_dir_all(&out)?;
    let json_path = out.join("flash-sale.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)?)?;
    let svg_path = out.join("flash-sale.svg");
    let title = format!(
        "flash sale: {} seats, {} customers",
        report.sale.seats_on_sale, report.params.customers
    );
    flash::write_svg(&svg_path, &title, &report.sale.timeline)?;
    print!("{}", flash::summary(&report));
    println!(
        "written: {} and {}",
        json_path.display(),
        svg_path.display()
    );
    anyhow::ensure!(report.reconciliation.ok, "the reconciliation failed");
    Ok(())
}
