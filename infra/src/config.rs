//! Settings shared by the API and the worker, read once from the environment.
//!
//! Every variable is listed, with its default, in `.env.example`.

use mtbp_domain::pricing::tax::TaxRules;
use mtbp_domain::pricing::{FeeRule, MAX_UNIT_MINOR, PricingRules};
use std::env;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

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
    /// Whether this process's Temporal clients carry the trace context (the SDK's OpenTelemetry
    /// plugin): when spans are exported (`MTBP_OTLP_ENDPOINT` set).
    pub traces: bool,
    /// Task queue of booking workflows (`MTBP_TASK_QUEUE`).
    pub task_queue: String,
    /// Stripe-compatible API base URL (`STRIPE_API_BASE`).
    pub stripe_api_base: String,
    /// Stripe secret key (`STRIPE_SECRET_KEY`).
    pub stripe_secret_key: String,
    /// How bookings are priced: the API quotes with these rules and the worker re-prices with
    /// them, so both processes must read the same values.
    pub pricing: PricingRules,
    /// Where notifications go and how they are sent.
    pub notify: NotifySettings,
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

/// How the SMTP connection is secured (`MTBP_SMTP_TLS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text: the local catcher on loopback only.
    None,
    /// Plain connection upgraded with STARTTLS (port 587, SES's SMTP endpoint).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Notification settings: the SMTP server, the sender, the reminder offset, the templates.
#[derive(Clone, Debug)]
pub struct NotifySettings {
    /// SMTP host (`MTBP_SMTP_HOST`).
    pub smtp_host: String,
    /// SMTP port (`MTBP_SMTP_PORT`).
    pub smtp_port: u16,
    /// TLS mode (`MTBP_SMTP_TLS`: `none`, `starttls` or `tls`).
    pub smtp_tls: SmtpTls,
    /// SMTP user and password (`MTBP_SMTP_USER`, `MTBP_SMTP_PASSWORD`), both or neither.
    pub smtp_credentials: Option<(String, String)>,
    /// How long one SMTP exchange may take (`MTBP_SMTP_TIMEOUT_SECONDS`), shorter than the
    /// notify activity's attempt.
    pub smtp_timeout: Duration,
    /// The From header (`MTBP_MAIL_FROM`), e.g. `MTBP Tickets <tickets@example.com>`.
    pub mail_from: String,
    /// How long before the show the reminder goes out (`MTBP_REMINDER_BEFORE`: `90s`, `45m`,
    /// `3h`, `1d`).
    pub reminder_before: Duration,
    /// The templates' directory (`MTBP_TEMPLATE_DIR`); the checkout's own by default.
    pub template_dir: PathBuf,
}

impl NotifySettings {
    /// Reads the notification settings from the environment (local catcher by default).
    pub fn from_env() -> anyhow::Result<Self> {
        let smtp_tls = match var_or("MTBP_SMTP_TLS", "none").as_str() {
            "none" => SmtpTls::None,
            "starttls" => SmtpTls::StartTls,
            "tls" => SmtpTls::Tls,
            other => anyhow::bail!("MTBP_SMTP_TLS={other:?} is not valid: none, starttls or tls"),
        };
        let user = var_or("MTBP_SMTP_USER", "");
        let password = var_or("MTBP_SMTP_PASSWORD", "");
        anyhow::ensure!(
            user.is_empty() == password.is_empty(),
            "MTBP_SMTP_USER and MTBP_SMTP_PASSWORD go together"
        );
        let timeout = parse_or("MTBP_SMTP_TIMEOUT_SECONDS", 10u64)?;
        anyhow::ensure!(
            (1..=60).contains(&timeout),
            "MTBP_SMTP_TIMEOUT_SECONDS must be 1-60"
        );
        Ok(Self {
            smtp_host: var_or("MTBP_SMTP_HOST", "127.0.0.1"),
            smtp_port: parse_or("MTBP_SMTP_PORT", 1025)?,
            smtp_tls,
            smtp_credentials: (!user.is_empty()).then_some((user, password)),
            smtp_timeout: Duration::from_secs(timeout),
            mail_from: var_or("MTBP_MAIL_FROM", "MTBP Tickets <tickets@mtbp.localhost>"),
            reminder_before: parse_duration("MTBP_REMINDER_BEFORE", "3h")?,
            template_dir: env::var_os("MTBP_TEMPLATE_DIR")
                .filter(|v| !v.is_empty())
                .map_or_else(default_template_dir, PathBuf::from),
        })
    }
}

/// The checkout's templates: where a development build finds them wherever it runs from.
fn default_template_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../templates/notifications"
    ))
}

/// Reads a duration such as `90s`, `45m`, `3h` or `1d` (a bare number is seconds).
pub fn parse_duration(name: &str, default: &str) -> anyhow::Result<Duration> {
    let v = var_or(name, default);
    let (digits, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len()));
    let n: u64 = digits
        .parse()
        .map_err(|_| anyhow::anyhow!("{name}={v:?} is not a duration like 90s, 45m, 3h, 1d"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => anyhow::bail!("{name}={v:?} is not a duration like 90s, 45m, 3h, 1d"),
    };
    Ok(Duration::from_secs(secs))
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
            traces: std::env::var("MTBP_OTLP_ENDPOINT").is_ok_and(|e| !e.trim().is_empty()),
            task_queue: var_or("MTBP_TASK_QUEUE", "bookings"),
            stripe_api_base: var_or("STRIPE_API_BASE", "http://127.0.0.1:8420"),
            stripe_secret_key: var_or("STRIPE_SECRET_KEY", "sk_test_local"),
            pricing: pricing_from_env()?,
            notify: NotifySettings::from_env()?,
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
