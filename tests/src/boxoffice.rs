//! A reference box office of a test's own (`mtbp-boxoffice` in-process, on a free loopback
//! port), and its switches.

use serde_json::{Value, json};
use uuid::Uuid;

/// A running box office; it stops when dropped.
#[derive(Debug)]
pub struct TestBoxOffice {
    /// Its base URL, as a theater connection names it.
    pub url: String,
    http: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestBoxOffice {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestBoxOffice {
    /// Starts one.
    pub async fn start() -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let office = mtbp_boxoffice::BoxOffice::new(mtbp_boxoffice::Config::default());
        let server = tokio::spawn(async move {
            let _ = mtbp_boxoffice::serve(listener, office, std::future::pending()).await;
        });
        Ok(Self {
            url,
            http: reqwest::Client::new(),
            server,
        })
    }

    /// Sets switches (`{"down": true}`, `{"reject_confirm": true}`, …).
    pub async fn switch(&self, switches: Value) -> anyhow::Result<()> {
        let resp = self
            .http
            .put(format!("{}/admin/switches", self.url))
            .json(&switches)
            .send()
            .await?;
        anyhow::ensure!(resp.status().is_success(), "switches: {}", resp.status());
        Ok(())
    }

    /// Sells seats at the theater's own counter.
    pub async fn sell_at_counter(&self, show: Uuid, seats: &[&str]) -> anyhow::Result<()> {
        let resp = self
            .http
            .post(format!("{}/admin/shows/{show}/sell", self.url))
            .json(&json!({ "seats": seats }))
            .send()
            .await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "counter sale: {}",
            resp.status()
        );
        Ok(())
    }

    /// The sales of `show`.
    pub async fn sales(&self, show: Uuid) -> anyhow::Result<Vec<Value>> {
        let v: Value = self
            .http
            .get(format!("{}/v1/sales?show={show}", self.url))
            .send()
            .await?
            .json()
            .await?;
        Ok(v["sales"].as_array().cloned().unwrap_or_default())
    }

    /// The state of seats of `show` at the theater (`available`, `locked`, `sold`).
    pub async fn seat_states(&self, show: Uuid, seats: &[&str]) -> anyhow::Result<Vec<String>> {
        let v: Value = self
            .http
            .get(format!(
                "{}/v1/shows/{show}/seats?seats={}",
                self.url,
                seats.join(",")
            ))
            .send()
            .await?
            .json()
            .await?;
        Ok(v["seats"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s["state"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default())
    }
}
