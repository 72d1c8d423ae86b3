//! Catalog reads and writes answered with the API's own response types.

use super::{Answer, ApiClient, answer};
use anyhow::bail;
use mtbp_api::error::ErrorBody;
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Debug;

impl ApiClient {
    /// POSTs `body` to `path`, expects `201 Created` and reads the body as `T`.
    pub async fn create_as<T: DeserializeOwned + Debug>(
        &self,
        path: &str,
        body: &Value,
    ) -> anyhow::Result<T> {
        match answer(self.post(path, body).await?).await? {
            Answer::Ok(StatusCode::CREATED, created) => Ok(created),
            other => bail!("POST {path} answered {}: {other:?}", other.status()),
        }
    }

    /// GETs `path`, expects a 2xx and reads the body as `T`.
    pub async fn read<T: DeserializeOwned + Debug>(&self, path: &str) -> anyhow::Result<T> {
        answer(self.get(path).await?).await?.ok()
    }
}

/// The error of a refused request, read into the API's own error type; an error when `resp`
/// is a success.
pub async fn refusal(resp: Response) -> anyhow::Result<ErrorBody> {
    match answer::<Value>(resp).await? {
        Answer::Refused(_, error) => Ok(error),
        Answer::Ok(status, body) => bail!("expected a refusal, answered {status}: {body}"),
    }
}

/// The fields named in a refusal's field problems, in the order given.
pub fn field_names(error: &ErrorBody) -> Vec<&str> {
    error
        .fields
        .iter()
        .flatten()
        .map(|f| f.field.as_str())
        .collect()
}
