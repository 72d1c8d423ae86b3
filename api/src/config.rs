//! API configuration, read once from the environment.

use crate::auth::AuthConfig;
use crate::auth::limits::FloodLimits;
use crate::auth::oidc::OidcConfig;
use mtbp_infra::config::{Settings, parse_or, var_or};
use std::net::SocketAddr;
use std::time::Duration;

/// Everything the API process needs.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Shared settings (database, Temporal, gateway).
    pub settings: Settings,
    /// Address to listen on (`MTBP_API_ADDR`).
    pub bind: SocketAddr,
    /// Default hold length in seconds (`MTBP_HOLD_SECONDS`).
    pub hold_seconds: u32,
    /// How long seats stay held while a payment runs (`MTBP_PAYMENT_WINDOW_SECONDS`).
    pub payment_window_seconds: u32,
    /// Seconds one hold extension adds (`MTBP_HOLD_EXTENSION_SECONDS`).
    pub hold_extension_seconds: u32,
    /// How many times a hold may be extended (`MTBP_MAX_HOLD_EXTENSIONS`).
    pub max_hold_extensions: u32,
    /// Hard cap on a hold's whole life, extensions included (`MTBP_HOLD_CAP_SECONDS`).
    pub hold_cap_seconds: u32,
    /// Cleaning buffer between shows on one screen, minutes (`MTBP_CLEANING_MINUTES`).
    pub cleaning_minutes: u32,
    /// How old an unstarted saga must be before the relay starts it; younger ones are
    /// usually started by their customer's payment (`MTBP_SAGA_RELAY_GRACE_MS`).
    pub saga_relay_grace: Duration,
    /// How long `POST /bookings/{id}/pay` waits for the saga before answering 202
    /// (`MTBP_PAY_WAIT_SECONDS`).
    pub pay_wait: Duration,
    /// Base URL of the Temporal UI, for links in responses (`TEMPORAL_UI_URL`).
    pub temporal_ui_url: String,
    /// Token settings (`MTBP_JWT_*`, `MTBP_*_TTL_SECONDS`, `MTBP_LOGIN_ATTEMPTS_PER_MINUTE`).
    pub auth: AuthConfig,
    /// The operator account to ensure at start-up (`MTBP_ADMIN_EMAIL`, `MTBP_ADMIN_PASSWORD`).
    pub operator: Option<OperatorSeed>,
    /// Key that seals sensitive values at rest (`MTBP_DATA_KEY`, 64 hex digits); random when unset.
    pub data_key: Option<String>,
    /// How far ahead shows are scheduled, hold limits, minimum charges (`MTBP_SHOW_HORIZON_DAYS`,
    /// `MTBP_HOLDS_PER_*`, `MTBP_HOLD_LIMIT_EXEMPT`, `MTBP_MIN_CHARGE`).
    pub limits: crate::limits::InputLimits,
    /// Bounds against sign-in and sign-up floods (`MTBP_MAX_CONCURRENT_HASHES`,
    /// `MTBP_SIGN_UPS_PER_ADDRESS_PER_HOUR`, `MTBP_EMAIL_MAX_LENGTH`).
    pub flood: FloodLimits,
    /// Plan periods and dunning (`MTBP_MIN_PLAN_PERIOD_SECONDS`, `MTBP_DUNNING_SECONDS`).
    pub subscriptions: SubscriptionSettings,
    /// Whether contracts may name periods of seconds (`period_seconds`), for trials and tests
    /// (`MTBP_SETTLEMENT_SHORT_PERIODS`, off by default).
    pub settlement_short_periods: bool,
}

/// How subscriptions run here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionSettings {
    /// The shortest period a plan may have, in seconds (`MTBP_MIN_PLAN_PERIOD_SECONDS`, a day;
    /// tests set a few seconds to watch renewals happen).
    pub min_plan_period_seconds: u64,
    /// Seconds to wait before each retry of a declined renewal (`MTBP_DUNNING_SECONDS`, comma
    /// separated; 1, 3 and 7 days). After the last retry the subscription ends.
    pub dunning_seconds: Vec<u32>,
    /// How long `POST /subscriptions` waits for the first period's charge before answering
    /// 202 (`MTBP_PAY_WAIT_SECONDS`, as for bookings).
    pub first_charge_wait: Duration,
    /// How long one charge attempt is retried before its outcome counts as unknown
    /// (`MTBP_SUBSCRIPTION_CHARGE_GIVE_UP_SECONDS`, half an hour).
    pub charge_give_up_seconds: u32,
    /// How long after an unknown outcome the same attempt is made again
    /// (`MTBP_SUBSCRIPTION_UNSETTLED_RETRY_SECONDS`, 15 minutes).
    pub unsettled_retry_seconds: u32,
}

impl Default for SubscriptionSettings {
    fn default() -> Self {
        Self {
            min_plan_period_seconds: 86_400,
            dunning_seconds: vec![86_400, 3 * 86_400, 7 * 86_400],
            first_charge_wait: Duration::from_secs(20),
            charge_give_up_seconds: 30 * 60,
            unsettled_retry_seconds: 15 * 60,
        }
    }
}

impl SubscriptionSettings {
    fn from_env(first_charge_wait: Duration) -> anyhow::Result<Self> {
        let defaults = Self::default();
        let dunning = match std::env::var("MTBP_DUNNING_SECONDS")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            None => defaults.dunning_seconds,
            Some(raw) => raw
                .split(',')
                .map(|d| d.trim().parse::<u32>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("MTBP_DUNNING_SECONDS={raw:?} is not valid: {e}"))?,
        };
        anyhow::ensure!(
            dunning.len() <= 10,
            "MTBP_DUNNING_SECONDS may list at most 10 retries"
        );
        Ok(Self {
            min_plan_period_seconds: parse_or(
                "MTBP_MIN_PLAN_PERIOD_SECONDS",
                defaults.min_plan_period_seconds,
            )?
            .max(1),
            dunning_seconds: dunning,
            first_charge_wait,
            // Longer than one attempt of the activity (45 s), or no attempt could finish.
            charge_give_up_seconds: parse_or(
                "MTBP_SUBSCRIPTION_CHARGE_GIVE_UP_SECONDS",
                defaults.charge_give_up_seconds,
            )?
            .max(60),
            unsettled_retry_seconds: parse_or(
                "MTBP_SUBSCRIPTION_UNSETTLED_RETRY_SECONDS",
                defaults.unsettled_retry_seconds,
            )?
            .max(1),
        })
    }
}

/// An operator account from configuration: operators never sign up publicly.
#[derive(Clone)]
pub struct OperatorSeed {
    /// Email to sign in with.
    pub email: String,
    /// Password (kept only to hash it at start-up).
    pub password: String,
}

impl std::fmt::Debug for OperatorSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorSeed")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

impl ApiConfig {
    /// Reads the config from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let hold_seconds = parse_or("MTBP_HOLD_SECONDS", 600u32)?;
        anyhow::ensure!(
            (1..=3600).contains(&hold_seconds),
            "MTBP_HOLD_SECONDS must be between 1 and 3600"
        );
        let policy = mtbp_workflows::HoldPolicy::default();
        let pay_wait = Duration::from_secs(parse_or("MTBP_PAY_WAIT_SECONDS", 20u64)?.clamp(1, 50));
        Ok(Self {
            settings: Settings::from_env()?,
            bind: parse_or("MTBP_API_ADDR", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            hold_seconds,
            payment_window_seconds: parse_or(
                "MTBP_PAYMENT_WINDOW_SECONDS",
                policy.payment_window_seconds,
            )?,
            hold_extension_seconds: parse_or(
                "MTBP_HOLD_EXTENSION_SECONDS",
                policy.hold_extension_seconds,
            )?,
            max_hold_extensions: parse_or("MTBP_MAX_HOLD_EXTENSIONS", policy.max_hold_extensions)?,
            hold_cap_seconds: parse_or("MTBP_HOLD_CAP_SECONDS", policy.hold_cap_seconds)?,
            cleaning_minutes: parse_or("MTBP_CLEANING_MINUTES", 15u32)?,
            saga_relay_grace: Duration::from_millis(parse_or("MTBP_SAGA_RELAY_GRACE_MS", 1000u64)?),
            pay_wait,
            temporal_ui_url: var_or("TEMPORAL_UI_URL", "http://127.0.0.1:8233"),
            auth: auth_from_env()?,
            operator: operator_from_env()?,
            data_key: std::env::var("MTBP_DATA_KEY")
                .ok()
                .filter(|k| !k.is_empty()),
            limits: crate::limits::InputLimits::from_env()?,
            flood: flood_from_env()?,
            subscriptions: SubscriptionSettings::from_env(pay_wait)?,
            settlement_short_periods: parse_or("MTBP_SETTLEMENT_SHORT_PERIODS", false)?,
        })
    }
}

impl ApiConfig {
    /// The payment window and extension rules every new booking runs with.
    pub fn hold_policy(&self) -> mtbp_workflows::HoldPolicy {
        mtbp_workflows::HoldPolicy {
            payment_window_seconds: self.payment_window_seconds,
            hold_extension_seconds: self.hold_extension_seconds,
            max_hold_extensions: self.max_hold_extensions,
            hold_cap_seconds: self.hold_cap_seconds,
        }
    }
}

fn operator_from_env() -> anyhow::Result<Option<OperatorSeed>> {
    let email = std::env::var("MTBP_ADMIN_EMAIL")
        .ok()
        .filter(|v| !v.is_empty());
    let password = std::env::var("MTBP_ADMIN_PASSWORD")
        .ok()
        .filter(|v| !v.is_empty());
    match (email, password) {
        (Some(email), Some(password)) => {
            anyhow::ensure!(
                password.len() >= 12,
                "MTBP_ADMIN_PASSWORD must be at least 12 characters"
            );
            Ok(Some(OperatorSeed { email, password }))
        }
        (None, None) => Ok(None),
        _ => anyhow::bail!("set MTBP_ADMIN_EMAIL and MTBP_ADMIN_PASSWORD together"),
    }
}

fn auth_from_env() -> anyhow::Result<AuthConfig> {
    let secret = match std::env::var("MTBP_JWT_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(s) if s.len() >= 32 => s.into_bytes(),
        Some(_) => anyhow::bail!("MTBP_JWT_SECRET must be at least 32 characters"),
        None => {
            tracing::warn!(
                "MTBP_JWT_SECRET is not set: using a random key; tokens die with this process"
            );
            let mut key = vec![0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
            key
        }
    };
    Ok(AuthConfig {
        secret,
        issuer: var_or("MTBP_JWT_ISSUER", "mtbp"),
        audience: var_or("MTBP_JWT_AUDIENCE", "mtbp-api"),
        access_ttl: Duration::from_secs(parse_or("MTBP_ACCESS_TTL_SECONDS", 900u64)?),
        refresh_ttl: Duration::from_secs(parse_or("MTBP_REFRESH_TTL_SECONDS", 30 * 24 * 3600u64)?),
        login_attempts_per_minute: parse_or("MTBP_LOGIN_ATTEMPTS_PER_MINUTE", 5u32)?.max(1),
        oidc: oidc_from_env()?,
    })
}

fn oidc_from_env() -> anyhow::Result<Option<OidcConfig>> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        get("MTBP_OIDC_ISSUER"),
        get("MTBP_OIDC_AUDIENCE"),
        get("MTBP_OIDC_JWKS_URL"),
    ) {
        (Some(issuer), Some(audience), Some(jwks_url)) => Ok(Some(OidcConfig {
            issuer,
            audience,
            jwks_url,
        })),
        (None, None, None) => Ok(None),
        _ => anyhow::bail!(
            "set MTBP_OIDC_ISSUER, MTBP_OIDC_AUDIENCE and MTBP_OIDC_JWKS_URL together"
        ),
    }
}

fn flood_from_env() -> anyhow::Result<FloodLimits> {
    let defaults = FloodLimits::default();
    let limits = FloodLimits {
        max_concurrent_hashes: parse_or(
            "MTBP_MAX_CONCURRENT_HASHES",
            defaults.max_concurrent_hashes,
        )?,
        sign_ups_per_address_per_hour: parse_or(
            "MTBP_SIGN_UPS_PER_ADDRESS_PER_HOUR",
            defaults.sign_ups_per_address_per_hour,
        )?,
        email_max_length: parse_or("MTBP_EMAIL_MAX_LENGTH", defaults.email_max_length)?,
    };
    anyhow::ensure!(
        (1..=1024).contains(&limits.max_concurrent_hashes),
        "MTBP_MAX_CONCURRENT_HASHES must be between 1 and 1024"
    );
    anyhow::ensure!(
        (6..=254).contains(&limits.email_max_length),
        "MTBP_EMAIL_MAX_LENGTH must be between 6 and 254"
    );
    Ok(limits)
}
