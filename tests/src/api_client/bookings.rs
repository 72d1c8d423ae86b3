//! The booking routes as the client calls them: holds, payment, reads and polling.

use super::{ApiClient, id};
use anyhow::{Context, bail};
use mtbp_api::routes::bookings::json::Booking;
use mtbp_domain::BookingStatus;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

impl ApiClient {
    /// `POST /bookings` for `seats`, with an optional idempotency key.
    pub async fn hold(
        &self,
        show_id: Uuid,
        seats: &[&str],
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Response> {
        self.hold_for(show_id, seats, idempotency_key, "customer@example.com")
            .await
    }

    /// [`Self::hold`] with the contact email `email`.
    pub async fn hold_for(
        &self,
        show_id: Uuid,
        seats: &[&str],
        idempotency_key: Option<&str>,
        email: &str,
    ) -> anyhow::Result<Response> {
        let mut req = self
            .request(Method::POST, "/bookings")
            .json(&json!({"show_id": show_id, "seats": seats,
                          "contact": {"name": "Test Customer", "email": email}}));
        if let Some(key) = idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        self.send(req).await
    }

    /// `POST /bookings` for the best `count` seats side by side, chosen by the API as it holds.
    pub async fn hold_best(
        &self,
        show_id: Uuid,
        count: usize,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Response> {
        self.hold_best_for(show_id, count, idempotency_key, "customer@example.com")
            .await
    }

    /// [`Self::hold_best`] with the contact email `email`.
    pub async fn hold_best_for(
        &self,
        show_id: Uuid,
        count: usize,
        idempotency_key: Option<&str>,
        email: &str,
    ) -> anyhow::Result<Response> {
        let mut req = self
            .request(Method::POST, "/bookings")
            .json(&json!({"show_id": show_id, "best": {"count": count},
                          "contact": {"name": "Test Customer", "email": email}}));
        if let Some(key) = idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        self.send(req).await
    }

    /// Holds and expects 201; returns the booking id.
    pub async fn hold_ok(&self, show_id: Uuid, seats: &[&str]) -> anyhow::Result<Uuid> {
        let resp = self.hold(show_id, seats, None).await?;
        let status = resp.status();
        let body: Value = resp.json().await?;
        if status != StatusCode::CREATED {
            bail!("hold answered {status}: {body}");
        }
        id(&body, "booking_id")
    }

    /// `POST /bookings/{id}/pay`.
    pub async fn pay(&self, booking_id: Uuid, payment_method: &str) -> anyhow::Result<Response> {
        self.post(
            &format!("/bookings/{booking_id}/pay"),
            &json!({"payment_method": payment_method}),
        )
        .await
    }

    /// `GET /bookings/{id}`, read into the API's own booking type (an error on anything but
    /// 200).
    pub async fn booking(&self, booking_id: Uuid) -> anyhow::Result<Booking> {
        let resp = self.get(&format!("/bookings/{booking_id}")).await?;
        let status = resp.status();
        if status != StatusCode::OK {
            let body = resp.text().await.unwrap_or_default();
            bail!("GET booking answered {status}: {body}");
        }
        Ok(resp.json().await?)
    }

    /// Statuses of `labels` in the show's seat map.
    pub async fn seat_statuses(
        &self,
        show_id: Uuid,
        labels: &[&str],
    ) -> anyhow::Result<Vec<String>> {
        let map: Value = self
            .get(&format!("/shows/{show_id}/seats"))
            .await?
            .json()
            .await?;
        let mut out = Vec::new();
        for label in labels {
            let status = map["rows"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|r| r["seats"].as_array().into_iter().flatten())
                .find(|s| s["label"] == *label)
                .and_then(|s| s["status"].as_str())
                .with_context(|| format!("seat {label} is not in the seat map"))?;
            out.push(status.to_owned());
        }
        Ok(out)
    }

    /// Polls the booking until its status is `want`, for at most `secs` seconds.
    pub async fn wait_for_status(
        &self,
        booking_id: Uuid,
        want: BookingStatus,
        secs: u64,
    ) -> anyhow::Result<Booking> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let b = self.booking(booking_id).await?;
            // A booked booking moves on to `Invoiced`: waiting for `BookingCompleted` is
            // waiting for the seats to be booked, whatever step followed.
            let booked = want == BookingStatus::BookingCompleted && b.status.is_booked();
            if b.status == want || booked {
                return Ok(b);
            }
            if std::time::Instant::now() > deadline {
                bail!(
                    "booking {booking_id} is {} after {secs}s, not {want}",
                    b.status
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}
