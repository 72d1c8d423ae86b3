//! `mtbp-worker ledger [--from T] [--to T]`: prints the ledger's consistency checks and every
//! account's balance per partner over a range (RFC 3339 times; all time by default), and fails
//! on any difference.

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use mtbp_infra::{config::Settings, db};
use mtbp_store::ledger;

/// Runs the command with its arguments (after `ledger`); `Ok(false)` when a check fails.
pub async fn run(args: &[String]) -> anyhow::Result<bool> {
    // All time, within what PostgreSQL's timestamps hold.
    let mut from = DateTime::<Utc>::UNIX_EPOCH;
    let mut to = Utc::now() + chrono::Duration::days(3650);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        let at = DateTime::parse_from_rfc3339(value)
            .with_context(|| format!("{flag} {value}: not an RFC 3339 time"))?
            .with_timezone(&Utc);
        match flag.as_str() {
            "--from" => from = at,
            "--to" => to = at,
            other => bail!("unknown flag {other} (use --from, --to)"),
        }
    }
    let settings = Settings::from_env()?;
    let pool = db::connect(&settings.database_url, 2)
        .await
        .context("connecting to PostgreSQL")?;
    let checks = ledger::check(&pool, from, to).await?;
    let mut ok = true;
    println!("ledger checks");
    for c in &checks {
        ok &= c.ok();
        let mark = if c.ok() { "ok  " } else { "FAIL" };
        println!(
            "  {mark} {:<56} expected {:>14} found {:>14}",
            c.name, c.expected, c.actual
        );
    }
    println!("charges - refunds = payouts + platform revenue + taxes + owed + unsettled");
    for r in ledger::reconcile(&pool, from, to).await? {
        ok &= r.ok();
        let who = r
            .partner_id
            .map_or_else(|| "platform".to_owned(), |p| p.as_uuid().to_string());
        let mark = if r.ok() { "ok  " } else { "FAIL" };
        println!(
            "  {mark} {who:<36} {} {} - {} = {} + {} + {} + {} + {}",
            r.currency, r.charges, r.refunds, r.payouts, r.revenue, r.taxes, r.owed, r.unsettled
        );
    }
    println!("balances (debits - credits, minor units)");
    for b in ledger::balances(&pool, None, from, to).await? {
        let who = b
            .partner_id
            .map_or_else(|| "platform".to_owned(), |p| p.as_uuid().to_string());
        println!(
            "  {who:<36} {:<17} {} {:>14}",
            b.account, b.currency, b.amount_minor
        );
    }
    Ok(ok)
}
