//! `mtbp-worker`: runs booking workflows and their activities until SIGINT / SIGTERM.
//! `mtbp-worker ledger [--from T] [--to T]` checks the ledger instead, and exits 1 on any
//! difference. `mtbp-worker schedules` brings every partner's settlement schedule in step
//! with its contract.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("schedules") {
        return mtbp_workers::settlement::run().await;
    }
    if args.first().map(String::as_str) == Some("ledger") {
        if !mtbp_workers::ledger::run(&args[1..]).await? {
            std::process::exit(1);
        }
        return Ok(());
    }
    mtbp_workers::run_until_signal().await
}
