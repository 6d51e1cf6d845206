//! The crate's one error type, split by fault domain, and the retry decision that follows from it.
//!
//! Lambda's retry machinery only helps with failures that can go away: a throttled or dropped S3
//! request, a deadline. A corrupt upload fails the same way on every attempt, so retrying it only
//! delays the other records and ends in the dead-letter queue anyway. Every error therefore says
//! which of the two it is, and the handler decides from that alone.

use std::fmt;

/// Whether an error is worth another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The same input fails the same way again: log it, count it, do not fail the invocation.
    Permanent,
    /// The failure may go away: fail the invocation (or the SQS item, or the Batch task) so it is
    /// delivered again.
    Transient,
}

impl Retry {
    /// Stable lower-case name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Retry::Permanent => "permanent",
            Retry::Transient => "transient",
        }
    }
}

/// S3 operations, named as in the S3 API so logs can be matched with CloudTrail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageOp {
    GetObject,
    HeadObject,
    PutObject,
    CreateBucket,
}

impl fmt::Display for StorageOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StorageOp::GetObject => "GetObject",
            StorageOp::HeadObject => "HeadObject",
            StorageOp::PutObject => "PutObject",
            StorageOp::CreateBucket => "CreateBucket",
        })
    }
}

/// Everything that can go wrong between an event arriving and the resized copies being written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An environment variable is missing or invalid; found at start-up.
    #[error("configuration: {0}")]
    Config(String),
    /// The event itself cannot be understood (unknown shape, undecodable key).
    #[error("malformed event: {0}")]
    Event(String),
    /// The engine refused the image: corrupt, unsupported, over a limit, or an engine bug.
    #[error("image rejected: {0}")]
    Image(#[from] downsize::Error),
    /// S3 failed; `retry` says whether the failure can go away.
    #[error("{op} s3://{bucket}/{key} failed ({code}, {}): {message}", retry.as_str())]
    Storage {
        op: StorageOp,
        bucket: String,
        key: String,
        /// The S3 error code (`NoSuchKey`, `SlowDown`, ...) or our name for a transport failure.
        code: String,
        message: String,
        retry: Retry,
    },
    /// Writing this copy would trigger the function again.
    #[error("refusing s3://{bucket}/{key}: {reason}")]
    Recursion {
        bucket: String,
        key: String,
        reason: &'static str,
    },
    /// Not enough time was left before the Lambda deadline to process this object.
    #[error(
        "stopped before the Lambda deadline; not started or not finished: s3://{bucket}/{key}"
    )]
    Deadline { bucket: String, key: String },
    /// Some objects of an all-or-nothing event failed transiently; the event must come again.
    #[error("retry the event: {0}")]
    Retry(String),
    /// The engine panicked on this input; the engine was rebuilt and the other records go on.
    #[error("engine panicked: {0}")]
    Panic(String),
}

impl Error {
    /// Whether a new delivery of the same event could succeed.
    pub fn retry(&self) -> Retry {
        match self {
            Error::Config(_) | Error::Event(_) | Error::Recursion { .. } => Retry::Permanent,
            Error::Image(error) if error.is_retryable() => Retry::Transient,
            Error::Image(_) => Retry::Permanent,
            Error::Storage { retry, .. } => *retry,
            Error::Deadline { .. } | Error::Retry(_) => Retry::Transient,
            // A panic is a bug, but retrying is what moves the record to the dead-letter queue
            // after the retries run out, where it is kept for the fix instead of being dropped.
            Error::Panic(_) => Retry::Transient,
        }
    }

    /// Stable snake-case kind for logs and the `Outcome` metric dimension.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config(_) => "config",
            Error::Event(_) => "malformed_event",
            Error::Image(error) => error.kind().as_str(),
            Error::Storage {
                retry: Retry::Transient,
                ..
            } => "storage_transient",
            Error::Storage { .. } => "storage_permanent",
            Error::Recursion { .. } => "recursion",
            Error::Deadline { .. } => "deadline",
            Error::Retry(_) => "retry",
            Error::Panic(_) => "panic",
        }
    }

    /// Stable error type reported to the Lambda Runtime API (`errorType`).
    pub fn error_type(&self) -> &'static str {
        match self {
            Error::Config(_) => "Downsize.Config",
            Error::Event(_) => "Downsize.MalformedEvent",
            Error::Image(_) => "Downsize.Image",
            Error::Storage {
                retry: Retry::Transient,
                ..
            } => "Downsize.StorageTransient",
            Error::Storage { .. } => "Downsize.StoragePermanent",
            Error::Recursion { .. } => "Downsize.Recursion",
            Error::Deadline { .. } => "Downsize.Deadline",
            Error::Retry(_) => "Downsize.Retry",
            Error::Panic(_) => "Downsize.Panic",
        }
    }
}

impl From<Error> for lambda_runtime::Diagnostic {
    fn from(error: Error) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}
