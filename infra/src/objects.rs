//! Object storage over S3 (or anything that speaks its API: moto locally, MinIO, R2…): put,
//! get, a presigned download link, and making the bucket.
//!
//! Keys are chosen by the caller from business ids, so a retried put overwrites the same object
//! with the same bytes.

use crate::aws::{self, AwsBase};
use crate::config::AwsSettings;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use std::time::Duration;

/// Why an object-store call failed.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The object does not exist.
    #[error("no object at {0}")]
    NotFound(String),
    /// The store could not be reached or answered an error (worth retrying).
    #[error("object store: {0}")]
    Store(String),
}

/// A bucket of an S3-compatible store.
#[derive(Clone, Debug)]
pub struct ObjectStore {
    client: Client,
    bucket: String,
    region: String,
    presign_ttl: Duration,
}

/// An object read back.
#[derive(Clone, Debug)]
pub struct StoredObject {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The content type it was stored with.
    pub content_type: Option<String>,
}

fn store_error(e: impl std::error::Error) -> ObjectError {
    // The SDK's Display is terse ("service error"); its source chain says what happened.
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    ObjectError::Store(message)
}

impl ObjectStore {
    /// A client of the settings' bucket (nothing is sent until the first call).
    pub fn new(settings: &AwsSettings) -> Self {
        let base = AwsBase::new(settings);
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(base.http)
            .region(Region::new(base.region.clone()))
            .timeout_config(aws::timeouts())
            .sleep_impl(aws::sleep());
        if let Some(credentials) = base.credentials {
            config = config.credentials_provider(credentials);
        }
        if let Some(endpoint) = &settings.s3_endpoint {
            // Custom endpoints (moto, MinIO) rarely resolve `bucket.host` names.
            config = config.endpoint_url(endpoint).force_path_style(true);
        }
        Self {
            client: Client::from_conf(config.build()),
            bucket: settings.s3_bucket.clone(),
            region: base.region,
            presign_ttl: Duration::from_secs(settings.presign_seconds),
        }
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// How long the links of [`Self::presigned_get`] live.
    pub fn presign_ttl(&self) -> Duration {
        self.presign_ttl
    }

    /// Makes the bucket unless it exists (ours already, or made by a concurrent caller).
    pub async fn ensure_bucket(&self) -> Result<(), ObjectError> {
        if self
            .client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        let mut create = self.client.create_bucket().bucket(&self.bucket);
        // us-east-1 is the one region that refuses an explicit location constraint.
        if self.region != "us-east-1" {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(self.region.as_str()))
                    .build(),
            );
        }
        match create.send().await {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(s) if s.is_bucket_already_owned_by_you() || s.is_bucket_already_exists() => {
                    Ok(())
                }
                _ => Err(store_error(e)),
            },
        }
    }

    /// Stores `bytes` at `key` with a content type (overwriting what was there).
    pub async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), ObjectError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// The keys under `prefix`, in key order (every page, at most `max` keys).
    pub async fn list(&self, prefix: &str, max: usize) -> Result<Vec<String>, ObjectError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(store_error)?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            match out.next_continuation_token() {
                Some(next) if keys.len() < max => token = Some(next.to_owned()),
                _ => break,
            }
        }
        keys.truncate(max);
        Ok(keys)
    }

    /// Reads the object at `key`.
    pub async fn get(&self, key: &str) -> Result<StoredObject, ObjectError> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                return Err(ObjectError::NotFound(key.to_owned()));
            }
            Err(e) => return Err(store_error(e)),
        };
        let content_type = out.content_type().map(str::to_owned);
        let bytes = out.body.collect().await.map_err(store_error)?.to_vec();
        Ok(StoredObject {
            bytes,
            content_type,
        })
    }

    /// A link that downloads `key` without credentials until `ttl` has passed (signed locally:
    /// nothing is sent).
    pub async fn presigned_get(&self, key: &str, ttl: Duration) -> Result<String, ObjectError> {
        let config = PresigningConfig::expires_in(ttl).map_err(store_error)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(store_error)?;
        Ok(request.uri().to_owned())
    }
}
