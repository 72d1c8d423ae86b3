//! What the S3 and SNS clients share: one HTTPS client (rustls with ring), static credentials
//! from the settings, the region, and timeouts.
//!
//! Every call has an operation timeout shorter than the start-to-close of the activities that
//! make it (those give a call 30 s or more), so an activity attempt fails by its own timeout and
//! is retried, instead of Temporal giving up on a hung attempt.

use crate::config::AwsSettings;
use aws_credential_types::Credentials;
use aws_sdk_s3::config::SharedHttpClient;
use aws_smithy_async::rt::sleep::default_async_sleep;
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use std::time::Duration;

/// Longest one S3 or SNS call may take, retries inside the SDK included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest one attempt of a call may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a TCP/TLS connect may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The parts of an SDK client's configuration both services take.
#[derive(Clone, Debug)]
pub struct AwsBase {
    /// HTTPS (and plain HTTP, for a local endpoint) client.
    pub http: SharedHttpClient,
    /// Signing credentials, if configured.
    pub credentials: Option<Credentials>,
    /// Region name.
    pub region: String,
}

impl AwsBase {
    /// Builds the shared parts from the settings.
    pub fn new(settings: &AwsSettings) -> Self {
        let http = Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let credentials = match (&settings.access_key_id, &settings.secret_access_key) {
            (Some(id), Some(secret)) => Some(Credentials::from_keys(id, secret, None)),
            _ => None,
        };
        Self {
            http,
            credentials,
            region: settings.region.clone(),
        }
    }
}

/// Timeouts for every S3 and SNS call.
pub fn timeouts() -> aws_sdk_s3::config::timeout::TimeoutConfig {
    aws_sdk_s3::config::timeout::TimeoutConfig::builder()
        .operation_timeout(OPERATION_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
}

/// The sleep implementation the SDK needs for timeouts and retries.
pub fn sleep() -> aws_smithy_async::rt::sleep::SharedAsyncSleep {
    default_async_sleep().unwrap_or_else(|| unreachable!("the rt-tokio feature provides a sleep"))
}
