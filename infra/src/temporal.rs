//! Connecting to the Temporal frontend.

use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions, Url};

/// Connects a client to `address` (e.g. `http://127.0.0.1:7233`) in `namespace`.
pub async fn connect(address: &str, namespace: &str, identity: &str) -> anyhow::Result<Client> {
    let url = Url::parse(address)
        .map_err(|e| anyhow::anyhow!("TEMPORAL_ADDRESS {address:?} is not a URL: {e}"))?;
    let options = ConnectionOptions::new(url)
        .identity(identity.to_owned())
        .build();
    let connection = Connection::connect(options).await?;
    let client = Client::new(connection, ClientOptions::new(namespace).build())?;
    Ok(client)
}
