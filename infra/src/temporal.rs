//! Connecting to the Temporal frontend.

use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions, Url};

/// Connects a client to `address` (e.g. `http://127.0.0.1:7233`) in `namespace`.
pub async fn connect(address: &str, namespace: &str, identity: &str) -> anyhow::Result<Client> {
    connect_traced(address, namespace, identity, false).await
}

/// [`connect`], with the SDK's OpenTelemetry plugin when `traced` and spans are exported
/// (`telemetry::enabled`): the client's calls carry the trace context, and workers built on the
/// client take the plugin too.
pub async fn connect_traced(
    address: &str,
    namespace: &str,
    identity: &str,
    traced: bool,
) -> anyhow::Result<Client> {
    let url = Url::parse(address)
        .map_err(|e| anyhow::anyhow!("TEMPORAL_ADDRESS {address:?} is not a URL: {e}"))?;
    let options = ConnectionOptions::new(url)
        .identity(identity.to_owned())
        .build();
    let connection = Connection::connect(options).await?;
    let plugin = traced.then(crate::telemetry::temporal_plugin).flatten();
    let options = match plugin {
        Some(plugin) => ClientOptions::new(namespace).plugin(plugin).build(),
        None => ClientOptions::new(namespace).build(),
    };
    let client = Client::new(connection, options)?;
    Ok(client)
}

/// What [`ensure_schedule`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reconciled {
    /// The schedule did not exist.
    Created,
    /// It existed; its spec and action are now the ones given (paused or not as it was).
    Updated,
}

/// Creates schedule `id`, or brings it in step with `spec` and `action`: one run at a time
/// (a run starting while another runs is skipped), runs missed within `catchup` started late,
/// and the schedule paused when a run fails, so that a failing partner stops for an operator
/// without holding up the others. Whether it is paused is left as it was.
pub async fn ensure_schedule(
    client: &Client,
    id: &str,
    spec: temporalio_client::schedules::ScheduleSpec,
    action: temporalio_client::schedules::ScheduleAction,
    catchup: std::time::Duration,
) -> anyhow::Result<Reconciled> {
    use temporalio_client::RpcOptions;
    use temporalio_client::schedules::{
        CreateScheduleOptions, ScheduleError, ScheduleOverlapPolicy,
    };
    use temporalio_client::tonic::Code;
    let handle = client.get_schedule_handle(id);
    let outcome = match handle.describe(Default::default()).await {
        Ok(_) => Reconciled::Updated,
        Err(ScheduleError::Rpc(status)) if status.code() == Code::NotFound => {
            let created = client
                .create_schedule(
                    id,
                    CreateScheduleOptions::builder()
                        .action(action.clone())
                        .spec(spec.clone())
                        .overlap_policy(ScheduleOverlapPolicy::Skip)
                        .note("kept in step with the partner's contract")
                        .build(),
                )
                .await;
            match created {
                Ok(_) => Reconciled::Created,
                // Another reconciler made it meanwhile: update it below.
                Err(ScheduleError::Rpc(s)) if s.code() == Code::AlreadyExists => {
                    Reconciled::Updated
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => return Err(e.into()),
    };
    handle
        .update(
            move |u| {
                u.set_spec(spec)
                    .set_action(action)
                    .set_overlap_policy(ScheduleOverlapPolicy::Skip)
                    .set_catchup_window(catchup)
                    .set_pause_on_failure(true);
            },
            RpcOptions::default(),
        )
        .await?;
    Ok(outcome)
}
