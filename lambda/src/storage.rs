//! S3 access: a bounded, streamed GetObject, HeadObject for idempotency, a single PutObject per
//! copy, and the split of S3 failures into transient and permanent.
//!
//! The body of a GetObject is read into one buffer sized from Content-Length, after that length
//! has passed the engine's input limit: no growth, no copy, no `/tmp`, and an upload over the limit
//! costs nothing but the response headers.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use downsize::Limits;

use crate::error::{Error, Retry, StorageOp};
use crate::event::ObjectRef;

/// S3 error codes that name a condition which can clear by itself.
const TRANSIENT_CODES: &[&str] = &[
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "Throttling",
    "ThrottlingException",
    "TooManyRequests",
    "OperationAborted",
    "ConditionalRequestConflict",
];

/// Builds the S3 client of a Lambda container from the environment.
///
/// `AWS_ENDPOINT_URL_S3` (or `AWS_ENDPOINT_URL`) points the client at another S3 implementation;
/// those are rarely set up for virtual-hosted bucket names, so an overridden endpoint also switches
/// to path-style addressing.
pub async fn client_from_env() -> Client {
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let mut builder = aws_sdk_s3::config::Builder::from(&shared);
    let endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty());
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint).force_path_style(true);
    }
    Client::from_conf(builder.build())
}

/// Builds a client for an S3-compatible server at `endpoint` with static credentials, as the local
/// runner and the tests use; `retry` lets tests keep retries fast.
pub fn client_for_endpoint(
    endpoint: &str,
    access_key: &str,
    secret_key: &str,
    retry: RetryConfig,
) -> Client {
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            access_key,
            secret_key,
            None,
            None,
            "downsize-static",
        ))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .retry_config(retry)
        .build();
    Client::from_conf(config)
}

/// A retry policy for tests and local runs: a few attempts, without the production backoff.
pub fn fast_retry(max_attempts: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

/// A downloaded source object.
#[derive(Debug)]
pub struct Downloaded {
    pub bytes: Vec<u8>,
    /// ETag without quotes.
    pub etag: Option<String>,
    pub version_id: Option<String>,
    /// User metadata (`x-amz-meta-*`, names in lower case).
    pub metadata: HashMap<String, String>,
}

/// What HeadObject tells about an existing object.
#[derive(Debug)]
pub struct Head {
    pub etag: Option<String>,
    pub metadata: HashMap<String, String>,
}

/// A copy to write.
#[derive(Debug)]
pub struct Upload<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub bytes: Vec<u8>,
    pub content_type: &'a str,
    pub cache_control: Option<&'a str>,
    pub metadata: HashMap<String, String>,
}

/// The S3 operations the handler needs, over one client built once per container.
#[derive(Debug, Clone)]
pub struct Storage {
    client: Client,
}

impl Storage {
    pub fn new(client: Client) -> Storage {
        Storage { client }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Reads the object (the exact version when the event names one) into one exactly sized
    /// buffer, refusing it from its Content-Length when it is over `limits`.
    pub async fn get(&self, object: &ObjectRef, limits: &Limits) -> Result<Downloaded, Error> {
        let op = StorageOp::GetObject;
        let fail = |code: &str, message: String, retry| Error::Storage {
            op,
            bucket: object.bucket.clone(),
            key: object.key.clone(),
            code: code.to_owned(),
            message,
            retry,
        };
        let output = self
            .client
            .get_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .set_version_id(object.version_id.clone())
            .send()
            .await
            .map_err(|e| classify(op, &object.bucket, &object.key, e))?;

        let length = output
            .content_length()
            .and_then(|length| u64::try_from(length).ok())
            .ok_or_else(|| {
                fail(
                    "MissingContentLength",
                    "response has no usable Content-Length".to_owned(),
                    Retry::Transient,
                )
            })?;
        limits.check_input_len(length)?;
        let capacity = usize::try_from(length).map_err(|_| {
            fail(
                "BufferAllocation",
                format!("{length} bytes do not fit in memory"),
                Retry::Permanent,
            )
        })?;
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(capacity).map_err(|e| {
            // Within the limits yet not allocatable: a fresh container may have the memory.
            fail(
                "BufferAllocation",
                format!("{length} bytes: {e}"),
                Retry::Transient,
            )
        })?;

        let etag = output.e_tag().map(|e| e.trim_matches('"').to_owned());
        let version_id = output.version_id().map(str::to_owned);
        let metadata = output.metadata().cloned().unwrap_or_default();
        let mut body = output.body;
        loop {
            let chunk = match body.try_next().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    return Err(fail(
                        "BodyStreamError",
                        format!(
                            "after {} of {length} bytes: {}",
                            bytes.len(),
                            aws_sdk_s3::error::DisplayErrorContext(&e)
                        ),
                        Retry::Transient,
                    ))
                }
            };
            if bytes.len() + chunk.len() > capacity {
                return Err(fail(
                    "BodyLongerThanContentLength",
                    format!("body exceeds the announced {length} bytes"),
                    Retry::Transient,
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.len() != capacity {
            return Err(fail(
                "TruncatedBody",
                format!("body ended after {} of {length} bytes", bytes.len()),
                Retry::Transient,
            ));
        }
        Ok(Downloaded {
            bytes,
            etag,
            version_id,
            metadata,
        })
    }

    /// HeadObject; `None` when the object does not exist.
    pub async fn head(&self, bucket: &str, key: &str) -> Result<Option<Head>, Error> {
        match self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => Ok(Some(Head {
                etag: output.e_tag().map(|e| e.trim_matches('"').to_owned()),
                metadata: output.metadata().cloned().unwrap_or_default(),
            })),
            Err(SdkError::ServiceError(context)) if context.err().is_not_found() => Ok(None),
            Err(error) => Err(classify(StorageOp::HeadObject, bucket, key, error)),
        }
    }

    /// One PutObject of the complete buffer, so a failure never leaves a partial copy behind.
    pub async fn put(&self, upload: Upload<'_>) -> Result<(), Error> {
        let length = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
        self.client
            .put_object()
            .bucket(upload.bucket)
            .key(upload.key)
            .content_type(upload.content_type)
            .content_length(length)
            .set_cache_control(upload.cache_control.map(str::to_owned))
            .set_metadata(Some(upload.metadata))
            .body(ByteStream::from(upload.bytes))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(StorageOp::PutObject, upload.bucket, upload.key, e))
    }

    /// Creates a bucket, accepting one that already exists and is ours (local runner, tests).
    pub async fn ensure_bucket(&self, bucket: &str) -> Result<(), Error> {
        match self.client.create_bucket().bucket(bucket).send().await {
            Ok(_) => Ok(()),
            Err(error)
                if matches!(
                    error.code(),
                    Some("BucketAlreadyOwnedByYou") | Some("BucketAlreadyExists")
                ) =>
            {
                Ok(())
            }
            Err(error) => Err(classify(StorageOp::CreateBucket, bucket, "", error)),
        }
    }
}

/// Splits an SDK failure into transient (worth another delivery) and permanent.
///
/// Service errors go by S3 error code first, then by HTTP status (5xx, 429, 408 and 409 can clear,
/// other 4xx cannot). A request that never got a response (timeout, dropped connection) is
/// transient, except a request the SDK could not even build, which is a bug here.
pub fn classify<E>(
    op: StorageOp,
    bucket: &str,
    key: &str,
    error: SdkError<E, HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (code, retry) = match &error {
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let code = context
                .err()
                .code()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("HTTP{status}"));
            let transient = TRANSIENT_CODES.contains(&code.as_str())
                || status >= 500
                || matches!(status, 408 | 409 | 429);
            (
                code,
                if transient {
                    Retry::Transient
                } else {
                    Retry::Permanent
                },
            )
        }
        SdkError::TimeoutError(_) => ("Timeout".to_owned(), Retry::Transient),
        SdkError::DispatchFailure(failure) if failure.is_user() => {
            ("DispatchFailure".to_owned(), Retry::Permanent)
        }
        SdkError::DispatchFailure(_) => ("DispatchFailure".to_owned(), Retry::Transient),
        SdkError::ResponseError(_) => ("ResponseError".to_owned(), Retry::Transient),
        SdkError::ConstructionFailure(_) => ("ConstructionFailure".to_owned(), Retry::Permanent),
        _ => ("Unknown".to_owned(), Retry::Transient),
    };
    Error::Storage {
        op,
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        code,
        message: aws_sdk_s3::error::DisplayErrorContext(&error).to_string(),
        retry,
    }
}
