//! The local SMTP catcher (maildev) as tests read it: the messages it holds, through its
//! `/api/email` HTTP API, and a private instance on ports of its own for tests that stop it.

use anyhow::Context;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A maildev instance's web API.
#[derive(Clone, Debug)]
pub struct Maildev {
    url: String,
}

impl Maildev {
    /// The stack's instance (`MTBP_MAILDEV_URL`, by default `http://127.0.0.1:1080`).
    pub fn from_env() -> Self {
        Self::at(
            std::env::var("MTBP_MAILDEV_URL").unwrap_or_else(|_| "http://127.0.0.1:1080".into()),
        )
    }

    /// The instance whose web API is at `url`.
    pub fn at(url: impl Into<String>) -> Self {
        Self { url: url.into() }
    }

    /// Every message held for `address`, oldest first.
    pub async fn emails_to(&self, address: &str) -> anyhow::Result<Vec<Value>> {
        let all: Vec<Value> = reqwest::get(format!("{}/api/email", self.url))
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(all
            .into_iter()
            .filter(|m| {
                m["to"].as_array().into_iter().flatten().any(|t| {
                    t["address"]
                        .as_str()
                        .is_some_and(|a| a.eq_ignore_ascii_case(address))
                })
            })
            .collect())
    }

    /// Waits up to `secs` for at least `n` messages to `address`, then waits `settle` more and
    /// answers all of them (so a duplicate arriving late is seen too).
    pub async fn wait_for(
        &self,
        address: &str,
        n: usize,
        secs: u64,
        settle: Duration,
    ) -> anyhow::Result<Vec<Value>> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.emails_to(address).await?;
            if got.len() >= n {
                tokio::time::sleep(settle).await;
                return self.emails_to(address).await;
            }
            if Instant::now() > deadline {
                return Ok(got);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A maildev of a test's own, on free loopback ports; killed when dropped.
pub struct OwnMaildev {
    child: Child,
    /// Its SMTP port.
    pub smtp_port: u16,
    /// Its web API.
    pub api: Maildev,
}

impl Drop for OwnMaildev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound and released at once).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl OwnMaildev {
    /// Starts maildev (installed by `deploy/local/install.sh` under `.local/node`) with its
    /// SMTP on `smtp_port`; waits until its API answers.
    pub async fn start(smtp_port: u16) -> anyhow::Result<Self> {
        let local = std::env::var("MTBP_LOCAL_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../.local").into());
        let bin = format!("{local}/node/node_modules/.bin/maildev");
        let web = free_port()?;
        let child = Command::new(&bin)
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--silent"])
            .args(["--smtp", &smtp_port.to_string(), "--web", &web.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {bin}"))?;
        let own = Self {
            child,
            smtp_port,
            api: Maildev::at(format!("http://127.0.0.1:{web}")),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while own.api.emails_to("nobody@example.com").await.is_err() {
            anyhow::ensure!(Instant::now() < deadline, "maildev did not start");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(own)
    }
}
