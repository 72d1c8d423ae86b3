//! Text messages through SNS's direct `Publish` to a phone number (moto locally).

use crate::aws::{self, AwsBase};
use crate::config::AwsSettings;
use aws_sdk_sns::Client;
use aws_sdk_sns::config::{BehaviorVersion, Region};

/// Why a text was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// SNS refused the message or the number (retrying will not help).
    #[error("SNS refused the message: {0}")]
    Refused(String),
    /// SNS could not be reached or failed (worth retrying).
    #[error("SNS: {0}")]
    Unavailable(String),
}

/// A client of SNS for text messages.
#[derive(Clone, Debug)]
pub struct SmsSender {
    client: Client,
}

fn describe(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

impl SmsSender {
    /// A client of the settings' SNS endpoint (nothing is sent until the first call).
    pub fn new(settings: &AwsSettings) -> Self {
        let base = AwsBase::new(settings);
        let mut config = aws_sdk_sns::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(base.http)
            .region(Region::new(base.region))
            .timeout_config(aws::timeouts())
            .sleep_impl(aws::sleep());
        if let Some(credentials) = base.credentials {
            config = config.credentials_provider(credentials);
        }
        if let Some(endpoint) = &settings.sns_endpoint {
            config = config.endpoint_url(endpoint);
        }
        Self {
            client: Client::from_conf(config.build()),
        }
    }

    /// Sends `message` to `phone_number` (E.164, e.g. `+919800000001`) as a transactional
    /// text; answers SNS's message id.
    pub async fn send(&self, phone_number: &str, message: &str) -> Result<String, SmsError> {
        let sms_type = aws_sdk_sns::types::MessageAttributeValue::builder()
            .data_type("String")
            .string_value("Transactional")
            .build()
            .map_err(|e| SmsError::Refused(describe(&e)))?;
        let out = self
            .client
            .publish()
            .phone_number(phone_number)
            .message(message)
            .message_attributes("AWS.SNS.SMS.SMSType", sms_type)
            .send()
            .await
            .map_err(|e| {
                let refused = e.as_service_error().is_some_and(|s| {
                    s.is_invalid_parameter_exception() || s.is_invalid_parameter_value_exception()
                });
                if refused {
                    SmsError::Refused(describe(&e))
                } else {
                    SmsError::Unavailable(describe(&e))
                }
            })?;
        out.message_id()
            .map(str::to_owned)
            .ok_or_else(|| SmsError::Unavailable("SNS answered no message id".into()))
    }
}
