//! `suite-audit`: after `./mtbp test`, checks that nothing the suite used that is personal or
//! secret shows where it must not. The contacts (every email, phone and name in the suite's
//! databases, `mtbp_test_*`), the gateway card ids and the access tokens the harness recorded
//! (`MTBP_SUITE_SECRETS`) are looked for in:
//! - every search attribute and memo of every workflow the suite started (Temporal visibility,
//!   since `MTBP_SUITE_STARTED`),
//! - every log line the suite's processes wrote (`MTBP_SUITE_LOG`, and the files named after
//!   `--logs`).
//!
//! Exits 1 naming the kind of value and where it was found (never the value itself).

use anyhow::Context;
use futures::StreamExt;
use std::collections::BTreeSet;
use temporalio_client::WorkflowListOptions;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut logs: Vec<String> = std::env::var("MTBP_SUITE_LOG").into_iter().collect();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--logs" {
            logs.extend(args.by_ref());
        }
    }
    let mut secrets: BTreeSet<(String, String)> = BTreeSet::new();
    if let Ok(path) = std::env::var("MTBP_SUITE_SECRETS") {
        for line in std::fs::read_to_string(&path).unwrap_or_default().lines() {
            if let Some((kind, value)) = line.split_once('\t') {
                secrets.insert((kind.to_owned(), value.to_owned()));
            }
        }
    }
    let recorded = secrets.len();
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL")?;
    let admin = sqlx::PgPool::connect(&url).await?;
    let dbs: Vec<String> = sqlx::query_scalar(
        "select datname from pg_database where datname like 'mtbp_test_%' and datname <> 'mtbp_test_template'",
    )
    .fetch_all(&admin)
    .await?;
    for db in &dbs {
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        let Ok(pool) = sqlx::PgPool::connect(&format!("{base}/{db}")).await else {
            continue;
        };
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "select 'email', contact_email from bookings union all
             select 'phone', contact_phone from bookings union all
             select 'name', contact_name from bookings union all
             select 'email', email from accounts",
        )
        .fetch_all(&pool)
        .await
        .unwrap_or_default();
        for (kind, value) in rows {
            // Short names ("Ann") would match ordinary words; emails and phones never do.
            if let Some(v) = value.filter(|v| v.len() >= 8) {
                secrets.insert((kind, v));
            }
        }
        pool.close().await;
    }
    anyhow::ensure!(
        !secrets.is_empty(),
        "no contact, card or token to look for: did the suite run with MTBP_SUITE_SECRETS?"
    );
    let mut found: BTreeSet<String> = BTreeSet::new();
    let look = |text: &str, place: &str, found: &mut BTreeSet<String>| {
        for (kind, value) in &secrets {
            if text.contains(value.as_str()) {
                found.insert(format!("a {kind} in {place}"));
            }
        }
    };

    // Temporal: every attribute and memo of the suite's workflows.
    let since = std::env::var("MTBP_SUITE_STARTED").context("MTBP_SUITE_STARTED")?;
    let address = std::env::var("TEMPORAL_ADDRESS").unwrap_or("http://127.0.0.1:7233".into());
    let client = mtbp_infra::temporal::connect(&address, "default", "mtbp-suite-audit").await?;
    let mut stream = client.list_workflows(
        format!("StartTime > '{since}'"),
        WorkflowListOptions::builder().build(),
    );
    let mut workflows = 0usize;
    while let Some(w) = stream.next().await {
        let w = w?;
        workflows += 1;
        let raw = w.raw();
        let mut text = String::new();
        if let Some(memo) = &raw.memo {
            for p in memo.fields.values() {
                text.push_str(&String::from_utf8_lossy(&p.data));
                text.push('\n');
            }
        }
        if let Some(sa) = &raw.search_attributes {
            for p in sa.indexed_fields.values() {
                text.push_str(&String::from_utf8_lossy(&p.data));
                text.push('\n');
            }
        }
        look(
            &text,
            &format!(
                "the attributes or memo of {} ({})",
                w.id(),
                w.workflow_type()
            ),
            &mut found,
        );
    }

    // Logs.
    let mut lines = 0usize;
    for path in &logs {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            lines += 1;
            look(line, &format!("{path}:{}", n + 1), &mut found);
        }
    }
    println!(
        "suite audit: {} values ({recorded} recorded by the harness, the rest from {} test databases) \
         looked for in {workflows} workflows' attributes and memos and {lines} log lines",
        secrets.len(),
        dbs.len()
    );
    anyhow::ensure!(
        workflows > 0,
        "no workflow of the suite found in Temporal since {since}"
    );
    anyhow::ensure!(lines > 0, "no log line of the suite found in {logs:?}");
    if !found.is_empty() {
        for f in &found {
            eprintln!("found {f}");
        }
        anyhow::bail!(
            "{} places hold personal data, a card id or a token",
            found.len()
        );
    }
    Ok(())
}
