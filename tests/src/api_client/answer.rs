//! Responses read into the API's own types: the success body or the error envelope.

use anyhow::{Context, bail};
use mtbp_api::error::{ErrorBody, ErrorCode, ErrorEnvelope};
use reqwest::{Response, StatusCode};

/// A response read into the API's own types: the success body, or the error envelope.
#[derive(Debug)]
pub enum Answer<T> {
    /// A 2xx with its body.
    Ok(StatusCode, T),
    /// A 4xx or 5xx with its error.
    Refused(StatusCode, ErrorBody),
}

impl<T: std::fmt::Debug> Answer<T> {
    /// The success body; an error naming the refusal otherwise.
    pub fn ok(self) -> anyhow::Result<T> {
        match self {
            Self::Ok(_, body) => Ok(body),
            Self::Refused(status, error) => bail!("answered {status}: {error:?}"),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Ok(status, _) | Self::Refused(status, _) => *status,
        }
    }
}

/// Reads a response as `T` on success or as the error envelope otherwise.
pub async fn answer<T: serde::de::DeserializeOwned>(resp: Response) -> anyhow::Result<Answer<T>> {
    let status = resp.status();
    let text = resp.text().await?;
    if status.is_success() {
        let body = serde_json::from_str(&text)
            .with_context(|| format!("a {status} answer of an unexpected shape: {text}"))?;
        return Ok(Answer::Ok(status, body));
    }
    let envelope: ErrorEnvelope = serde_json::from_str(&text)
        .with_context(|| format!("a {status} answer without the error envelope: {text}"))?;
    Ok(Answer::Refused(status, envelope.error))
}

/// The error code of an error response, read into the API's own envelope type.
pub async fn error_code(resp: Response) -> anyhow::Result<ErrorCode> {
    let status = resp.status();
    let text = resp.text().await?;
    let envelope: ErrorEnvelope = serde_json::from_str(&text)
        .with_context(|| format!("a {status} answer without the error envelope: {text}"))?;
    Ok(envelope.error.code)
}
