//! Settings shared by the API and the worker, read once from the environment.
//!
//! Every variable is listed, with its default, in `.env.example`.

use mtbp_domain::pricing::tax::TaxRules;
use mtbp_domain::pricing::{FeeRule, MAX_UNIT_MINOR, PricingRules};
use std::env;
use std::str::FromStr;

/// Settings common to every mtbp process.
#[derive(Clone, Debug)]
pub struct Settings {
    /// PostgreSQL URL (`DATABASE_URL`).
    pub database_url: String,
    /// Pool size (`MTBP_DB_POOL`).
    pub db_pool: u32,
    /// Temporal frontend (`TEMPORAL_ADDRESS`), e.g. `http://127.0.0.1:7233`.
    pub temporal_address: String,
    /// Temporal namespace (`TEMPORAL_NAMESPACE`).
    pub temporal_namespace: String,
    /// Task queue of booking workflows (`MTBP_TASK_QUEUE`).
    pub task_queue: String,
    /// Stripe-compatible API base URL (`STRIPE_API_BASE`).
    pub stripe_api_base: String,
    /// Stripe secret key (`STRIPE_SECRET_KEY`).
    pub stripe_secret_key: String,
    /// How bookings are priced: the API quotes with these rules and the worker re-prices with
    /// them, so both processes must read the same values.
    pub pricing: PricingRules,
    /// Object storage and SMS (S3 and SNS, or anything that speaks their APIs).
    pub aws: AwsSettings,
    /// Who issues the platform's own invoices (the convenience fee).
    pub platform: PlatformIssuer,
}

/// Where S3 and SNS are and how to reach them.
#[derive(Clone, Debug)]
pub struct AwsSettings {
    /// Region (`AWS_REGION`), signed into every request.
    pub region: String,
    /// Access key (`AWS_ACCESS_KEY_ID`); with the secret, the static credentials every call is
    /// signed with. Unset: calls fail with the SDK's "no credentials" error.
    pub access_key_id: Option<String>,
    /// Secret key (`AWS_SECRET_ACCESS_KEY`).
    pub secret_access_key: Option<String>,
    /// S3 endpoint (`MTBP_S3_ENDPOINT`), e.g. moto's `http://127.0.0.1:5055`; unset: AWS's
    /// own. A custom endpoint is always addressed path-style (`endpoint/bucket/key`), which every
    /// S3-compatible store understands.
    pub s3_endpoint: Option<String>,
    /// The bucket of documents (`MTBP_S3_BUCKET`): invoice and credit-note PDFs.
    pub s3_bucket: String,
    /// How long a presigned download link lives (`MTBP_PRESIGN_SECONDS`, 1-3600).
    pub presign_seconds: u64,
    /// SNS endpoint (`MTBP_SNS_ENDPOINT`); unset: AWS's own.
    pub sns_endpoint: Option<String>,
}

/// The platform as the issuer of its fee invoices.
#[derive(Clone, Debug)]
pub struct PlatformIssuer {
    /// Legal name on the invoice (`MTBP_PLATFORM_NAME`).
    pub name: String,
    /// GSTIN (`MTBP_PLATFORM_GSTIN`).
    pub tax_id: String,
    /// Invoice number prefix (`MTBP_PLATFORM_INVOICE_PREFIX`), e.g. `MTBP`.
    pub invoice_prefix: String,
}

/// Reads `name`, or `default` when unset or empty.
pub fn var_or(name: &str, default: &str) -> String {
    env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Reads and parses `name`, or `default` when unset or empty.
pub fn parse_or<T: FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match env::var(name).ok().filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v:?} is not valid: {e}")),
    }
}

impl Settings {
    /// Reads the settings from the environment, with loopback defaults for the local stack.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            database_url: var_or("DATABASE_URL", "postgres://mtbp:mtbp@127.0.0.1:55432/mtbp"),
            db_pool: parse_or("MTBP_DB_POOL", 16)?,
            temporal_address: var_or("TEMPORAL_ADDRESS", "http://127.0.0.1:7233"),
            temporal_namespace: var_or("TEMPORAL_NAMESPACE", "default"),
            task_queue: var_or("MTBP_TASK_QUEUE", "bookings"),
            stripe_api_base: var_or("STRIPE_API_BASE", "http://127.0.0.1:8420"),
            stripe_secret_key: var_or("STRIPE_SECRET_KEY", "sk_test_local"),
            pricing: pricing_from_env()?,
            aws: aws_from_env()?,
            platform: PlatformIssuer {
                name: var_or("MTBP_PLATFORM_NAME", "MTBP Platform Pvt Ltd"),
                tax_id: var_or("MTBP_PLATFORM_GSTIN", "29AAACM0000A1Z5"),
                invoice_prefix: var_or("MTBP_PLATFORM_INVOICE_PREFIX", "MTBP"),
            },
        })
    }
}

fn optional(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.is_empty())
}

fn aws_from_env() -> anyhow::Result<AwsSettings> {
    let presign_seconds = parse_or("MTBP_PRESIGN_SECONDS", 300u64)?;
    anyhow::ensure!(
        (1..=3600).contains(&presign_seconds),
        "MTBP_PRESIGN_SECONDS must be 1-3600"
    );
    Ok(AwsSettings {
        region: var_or("AWS_REGION", "ap-south-1"),
        access_key_id: optional("AWS_ACCESS_KEY_ID"),
        secret_access_key: optional("AWS_SECRET_ACCESS_KEY"),
        s3_endpoint: optional("MTBP_S3_ENDPOINT"),
        s3_bucket: var_or("MTBP_S3_BUCKET", "mtbp-documents"),
        presign_seconds,
        sns_endpoint: optional("MTBP_SNS_ENDPOINT"),
    })
}

/// The pricing rules: the convenience fee per ticket (`MTBP_FEE_PER_TICKET_MINOR`, flat, and
/// `MTBP_FEE_PERCENT_BP`, basis points of the ticket) and the taxes (`MTBP_TAXES`: `india_gst`
/// or `none`).
fn pricing_from_env() -> anyhow::Result<PricingRules> {
    let demo = PricingRules::demo();
    let taxes = match var_or("MTBP_TAXES", "india_gst").as_str() {
        "india_gst" => TaxRules::india_gst(),
        "none" => TaxRules::none(),
        other => anyhow::bail!("MTBP_TAXES={other:?} is not valid: use india_gst or none"),
    };
    let fee = FeeRule {
        per_ticket_minor: parse_or("MTBP_FEE_PER_TICKET_MINOR", demo.fee.per_ticket_minor)?,
        percent_bp: parse_or("MTBP_FEE_PERCENT_BP", demo.fee.percent_bp)?,
    };
    anyhow::ensure!(
        (0..=MAX_UNIT_MINOR).contains(&fee.per_ticket_minor) && fee.percent_bp <= 10_000,
        "MTBP_FEE_PER_TICKET_MINOR must be 0-{MAX_UNIT_MINOR} and MTBP_FEE_PERCENT_BP 0-10000"
    );
    Ok(PricingRules { fee, taxes })
}
