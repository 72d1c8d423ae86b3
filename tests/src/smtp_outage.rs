//! An SMTP server that is down for a while, for tests: a loopback TCP forwarder in front of the
//! stack's maildev that closes every connection it accepts until a set moment, then relays
//! them byte for byte. A test points its own worker at it, so the shared maildev never stops
//! under the other tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// A running forwarder; stops accepting when dropped.
pub struct SmtpOutage {
    /// The loopback port to send mail to.
    pub port: u16,
    /// When connections start going through to the server.
    pub back_at: Instant,
    closed: Arc<AtomicUsize>,
    relayed: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpOutage {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpOutage {
    /// Listens on a free loopback port; for `down_for` from now every connection is closed at
    /// once (the client sees no greeting: nothing can have been delivered), afterwards each is
    /// relayed to `upstream`.
    pub async fn start(upstream: SocketAddr, down_for: Duration) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let back_at = Instant::now() + down_for;
        let closed = Arc::new(AtomicUsize::new(0));
        let relayed = Arc::new(AtomicUsize::new(0));
        let (c, r) = (closed.clone(), relayed.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if Instant::now() < back_at {
                    c.fetch_add(1, Ordering::Relaxed);
                    drop(client);
                    continue;
                }
                r.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(relay(client, upstream));
            }
        });
        Ok(Self {
            port,
            back_at,
            closed,
            relayed,
            task,
        })
    }

    /// Connections closed during the outage.
    pub fn closed(&self) -> usize {
        self.closed.load(Ordering::Relaxed)
    }

    /// Connections relayed after it.
    pub fn relayed(&self) -> usize {
        self.relayed.load(Ordering::Relaxed)
    }
}

/// Copies both ways between the client and the server until either side closes.
async fn relay(mut client: TcpStream, upstream: SocketAddr) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return; // the client sees the connection close, as if the server were down
    };
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}
