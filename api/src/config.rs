//! API configuration, read once from the environment.

use mtbp_activities::config::{Settings, parse_or, var_or};
use std::net::SocketAddr;

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
    /// Base URL of the Temporal UI, for links in responses (`TEMPORAL_UI_URL`).
    pub temporal_ui_url: String,
}

impl ApiConfig {
    /// Reads the config from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let hold_seconds = parse_or("MTBP_HOLD_SECONDS", 600u32)?;
        anyhow::ensure!(
            (1..=3600).contains(&hold_seconds),
            "MTBP_HOLD_SECONDS must be between 1 and 3600"
        );
        Ok(Self {
            settings: Settings::from_env()?,
            bind: parse_or("MTBP_API_ADDR", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            hold_seconds,
            payment_window_seconds: parse_or("MTBP_PAYMENT_WINDOW_SECONDS", 120u32)?,
            hold_extension_seconds: parse_or("MTBP_HOLD_EXTENSION_SECONDS", 300u32)?,
            max_hold_extensions: parse_or("MTBP_MAX_HOLD_EXTENSIONS", 2u32)?,
            hold_cap_seconds: parse_or("MTBP_HOLD_CAP_SECONDS", 1200u32)?,
            cleaning_minutes: parse_or("MTBP_CLEANING_MINUTES", 15u32)?,
            temporal_ui_url: var_or("TEMPORAL_UI_URL", "http://127.0.0.1:8233"),
        })
    }
}
