//! A worker process SIGKILLed in the middle of a settlement run, just after the payout was
//! recorded and before its activity answered: the replacement's retry finds the payout and
//! records nothing again; the run finishes, the booking is `SettlementDone`, the partner is
//! paid once and the ledger has one payout movement.

use super::*;
use crate::settlement_runs::{
    drop_schedule, payouts, settlement_status, short_contract, status_of, wait_booking_closed,
    wait_settled,
};

#[tokio::test]
async fn a_worker_killed_mid_settlement_finishes_with_one_payout() {
    let app = &process_app().await;
    // This worker stops for two minutes once it has recorded a payout.
    let mut doomed = WorkerProcess::start(app, &[("MTBP_FAULT_PAUSE_AFTER_PAYOUT_MS", "120000")]);
    let partner = app.partner("Settled Cinemas").await.expect("partner");
    let partner_id = partner.partner_id.expect("partner id");
    let show = partner
        .api
        .create_show_with(&app.admin, 1, 4)
        .await
        .expect("show");
    let (booking, _, _) = paid_by_guest(app, show.show_id, &["A1"]).await;
    short_contract(app, partner_id, 3).await;

    let recorded = eventually(90, "the run records the payout", || async move {
        let (rows, _) = payouts(app, partner_id).await;
        (!rows.is_empty()).then_some(rows)
    })
    .await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    let settlement = recorded[0].0;
    let status = settlement_status(app, settlement).await;
    assert_eq!(
        status, "paid",
        "paid, not done: the worker is paused in the payout step"
    );
    doomed.kill();

    // The killed attempt times out after its 30 s; the replacement retries it.
    let _replacement = WorkerProcess::start(app, &[]);
    wait_settled(app, &[booking], 1, 180).await;
    let (rows, moves) = payouts(app, partner_id).await;
    assert_eq!(
        rows.iter().filter(|r| r.0 == settlement).count(),
        1,
        "one payout for the settlement: {rows:?}"
    );
    assert_eq!(
        i64::try_from(rows.len()).unwrap_or(0),
        moves,
        "one ledger movement each"
    );
    let booked = status_of(app, booking).await;
    assert_eq!(booked, "SettlementDone");
    wait_booking_closed(app, booking, 30).await;
    drop_schedule(app, partner_id).await;
}
