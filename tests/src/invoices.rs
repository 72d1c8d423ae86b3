//! Invoices in tests: bookings completed through the saga, the invoice step run on them (the
//! saga's own call to it is wired by the booking workflow), and what moto holds.

use crate::{ApiClient, TestApp};
use anyhow::{Context, bail};
use mtbp_activities::InvoiceActivities;
use mtbp_infra::config::AwsSettings;
use mtbp_infra::objects::ObjectStore;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// The invoice activities of `app`, over its database and the stack's documents bucket.
pub fn invoice_activities(app: &TestApp) -> InvoiceActivities {
    invoice_activities_with(app, &app.settings.aws)
}

/// The invoice activities of `app` with other object-store settings (a dead endpoint, say).
pub fn invoice_activities_with(app: &TestApp, aws: &AwsSettings) -> InvoiceActivities {
    InvoiceActivities::new(
        app.db.clone(),
        ObjectStore::new(aws),
        app.settings.platform.clone(),
    )
}

/// Holds `seats` of `show_id` for a guest named `name` through `client` and pays with a card
/// that succeeds; answers the booking once the saga has completed it.
pub async fn completed_booking(
    app: &TestApp,
    client: &ApiClient,
    show_id: Uuid,
    seats: &[&str],
    name: &str,
) -> anyhow::Result<Uuid> {
    let resp = client
        .post(
            "/bookings",
            &json!({"show_id": show_id, "seats": seats,
                    "contact": {"name": name, "email": "invoice-test@example.com"}}),
        )
        .await?;
    let status = resp.status();
    let body: Value = resp.json().await?;
    if status != StatusCode::CREATED {
        bail!("hold answered {status}: {body}");
    }
    let booking = crate::api_client::id(&body, "booking_id")?;
    let card = app.stripe.card(crate::stripe::CARD_OK).await?;
    let paid = client.pay(booking, &card).await?;
    if paid.status() != StatusCode::OK {
        bail!("pay answered {}", paid.status());
    }
    Ok(booking)
}

/// Sets the GSTIN and invoice prefix of a partner.
pub async fn set_partner_billing(
    app: &TestApp,
    partner_id: Uuid,
    gstin: &str,
    prefix: &str,
) -> anyhow::Result<()> {
    sqlx::query("update partners set gstin = $2, invoice_prefix = $3 where partner_id = $1")
        .bind(partner_id)
        .bind(gstin)
        .bind(prefix)
        .execute(&app.db)
        .await?;
    Ok(())
}

/// A text message moto's SNS recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentSms {
    /// SNS's message id.
    pub message_id: String,
    /// To.
    pub phone_number: String,
    /// The text.
    pub message: String,
}

/// Every text moto's SNS has recorded (`GET /moto-api/data.json`, its `sns.SMS` models).
pub async fn sent_sms(moto_base: &str) -> anyhow::Result<Vec<SentSms>> {
    let data: Value = reqwest::get(format!("{moto_base}/moto-api/data.json"))
        .await?
        .error_for_status()?
        .json()
        .await?;
    let list = data["sns"]["SMS"].as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|m| {
            let field = |f: &str| {
                m[f].as_str()
                    .map(str::to_owned)
                    .with_context(|| format!("no {f} in {m}"))
            };
            Ok(SentSms {
                message_id: field("message_id")?,
                phone_number: field("phone_number")?,
                message: field("message")?,
            })
        })
        .collect()
}

/// The text of a PDF, by poppler's `pdftotext` (installed by `deploy/local/install.sh`).
pub async fn pdf_text(pdf: &[u8]) -> anyhow::Result<String> {
    let dir = std::env::temp_dir().join(format!("mtbp-pdf-{}", Uuid::new_v4().simple()));
    tokio::fs::create_dir_all(&dir).await?;
    let file = dir.join("doc.pdf");
    tokio::fs::write(&file, pdf).await?;
    let out = tokio::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .await
        .context("running pdftotext (poppler-utils)")?;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    if !out.status.success() {
        bail!("pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?)
}
