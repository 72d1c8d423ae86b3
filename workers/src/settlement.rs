//! The worker's side of settlement: telling bookings' workflows `SettlementDone` with the
//! Temporal client, and `mtbp-worker schedules`, which keeps every partner's Temporal Schedule
//! in step with its contract (run by `./mtbp up` and at every worker start).

use anyhow::Context;
use futures::FutureExt;
use futures::future::BoxFuture;
use mtbp_activities::settlements::{SettledBookings, Told};
use mtbp_domain::settlement::{Contract, schedule_id};
use mtbp_domain::{BookingId, PartnerId};
use mtbp_infra::temporal::{Reconciled, ensure_schedule};
use mtbp_infra::{config::Settings, db, temporal};
use mtbp_store::{PgPool, contracts};
use mtbp_workflows::BookingWorkflow;
use mtbp_workflows::booking::types::SettlementDone;
use mtbp_workflows::settlement::schedule;
use temporalio_client::errors::WorkflowInteractionError;
use temporalio_client::{Client, WorkflowSignalOptions};
use uuid::Uuid;

/// Bookings' workflows, signalled through the Temporal client.
pub struct TemporalBookings(pub Client);

impl SettledBookings for TemporalBookings {
    fn settlement_done(
        &self,
        booking: BookingId,
        settlement_id: Uuid,
    ) -> BoxFuture<'_, Result<Told, String>> {
        async move {
            let handle = self
                .0
                .get_workflow_handle::<BookingWorkflow>(booking.workflow_id());
            let sent = handle
                .signal(
                    BookingWorkflow::settlement_done,
                    SettlementDone {
                        settlement_id: settlement_id.to_string(),
                    },
                    WorkflowSignalOptions::default(),
                )
                .await;
            match sent {
                Ok(()) => Ok(Told::Signalled),
                // Closed already (cancelled, or an older history that ended at its reminder).
                Err(WorkflowInteractionError::NotFound(_)) => Ok(Told::Closed),
                Err(e) => Err(e.to_string()),
            }
        }
        .boxed()
    }
}

/// Brings `partner`'s schedule in step with `contract`.
pub async fn reconcile_one(
    client: &Client,
    partner: PartnerId,
    contract: &Contract,
    task_queue: &str,
) -> anyhow::Result<Reconciled> {
    ensure_schedule(
        client,
        &schedule_id(partner),
        schedule::spec(contract),
        schedule::action(partner, task_queue),
        schedule::CATCHUP_WINDOW,
    )
    .await
}

/// What a reconciliation did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Schedules made.
    pub created: usize,
    /// Schedules brought in step.
    pub updated: usize,
    /// Schedules of deleted partners removed.
    pub deleted: usize,
    /// Partners on short periods (trials, tests), left as the contract API made them.
    pub short: usize,
}

/// Every partner's schedule in step with its contract; deleted partners' schedules removed.
/// Short-period schedules (trials and tests, on the task queue of whoever set the contract)
/// are the contract API's alone.
pub async fn reconcile(
    db: &PgPool,
    client: &Client,
    task_queue: &str,
) -> anyhow::Result<Reconciliation> {
    let (live, gone) = contracts::all(db).await.context("reading the contracts")?;
    let mut out = Reconciliation::default();
    for (partner, stored) in &live {
        if stored.contract.period_seconds.is_some() {
            out.short += 1;
            continue;
        }
        match reconcile_one(client, *partner, &stored.contract, task_queue)
            .await
            .with_context(|| format!("the schedule of partner {partner}"))?
        {
            Reconciled::Created => out.created += 1,
            Reconciled::Updated => out.updated += 1,
        }
    }
    for partner in gone {
        let handle = client.get_schedule_handle(schedule_id(partner));
        if handle.delete(Default::default()).await.is_ok() {
            out.deleted += 1;
        }
    }
    Ok(out)
}

/// `mtbp-worker schedules`: reconciles and prints what it did.
pub async fn run() -> anyhow::Result<()> {
    let s = Settings::from_env()?;
    let pool = db::connect(&s.database_url, 2)
        .await
        .context("connecting to PostgreSQL")?;
    let client = temporal::connect(&s.temporal_address, &s.temporal_namespace, "mtbp-schedules")
        .await
        .context("connecting to Temporal")?;
    let done = reconcile(&pool, &client, &s.task_queue).await?;
    println!(
        "settlement schedules: {} created, {} updated, {} removed",
        done.created, done.updated, done.deleted
    );
    Ok(())
}
