//! The one error type of the engine, split by fault domain.
//!
//! Callers decide two things from an error: what to tell the user (the message) and whether trying
//! again could help (`is_retryable`). Input faults never improve on retry, so only internal faults
//! are marked retryable: they may come from a transient lack of memory rather than from the image.

use std::fmt;

use crate::format::Format;

/// Which limit an image broke. See [`crate::Limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitKind {
    /// The encoded file is larger than `max_input_bytes`.
    InputBytes,
    /// The stored width is larger than `max_width`.
    Width,
    /// The stored height is larger than `max_height`.
    Height,
    /// Width times height is larger than `max_pixels`.
    Pixels,
    /// The working memory the request needs is larger than the memory budget.
    Memory,
}

impl LimitKind {
    /// A stable, lowercase name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::InputBytes => "input_bytes",
            LimitKind::Width => "width",
            LimitKind::Height => "height",
            LimitKind::Pixels => "pixels",
            LimitKind::Memory => "memory",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            LimitKind::InputBytes | LimitKind::Memory => "bytes",
            LimitKind::Width | LimitKind::Height => "px",
            LimitKind::Pixels => "pixels",
        }
    }
}

/// The fault domain of an [`Error`], for callers that branch on it (exit codes, metrics, retries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes are not a valid image of the format they claim.
    Corrupt,
    /// The image is valid but over a configured limit.
    TooLarge,
    /// The bytes are an image (or something else) that downsize does not handle.
    Unsupported,
    /// A bug or resource failure inside the engine.
    Internal,
}

impl ErrorKind {
    /// A stable, lowercase name for logs, metrics and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong turning input bytes into output bytes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Truncated, malformed or inconsistent data.
    Corrupt {
        /// The format the bytes claimed to be.
        format: Format,
        /// What the decoder found wrong.
        message: String,
    },
    /// Over a limit, detected from the header before pixel memory is allocated.
    TooLarge {
        /// Which limit.
        limit: LimitKind,
        /// What the image needs.
        actual: u64,
        /// What the limit allows.
        max: u64,
    },
    /// A format or a feature of a format that downsize does not handle.
    Unsupported {
        /// What the input is, in words ("GIF image", "12-bit JPEG", ...).
        what: String,
    },
    /// A bug, or an allocation that failed although the limits allowed it.
    Internal {
        /// Detail for the bug report.
        message: String,
    },
}

impl Error {
    /// The fault domain.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::TooLarge { .. } => ErrorKind::TooLarge,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// Whether processing the same bytes again could succeed. Only internal faults qualify (an
    /// allocation failure may pass on a fresh container); input faults are permanent.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Internal { .. })
    }

    pub(crate) fn corrupt(format: Format, message: impl Into<String>) -> Error {
        Error::Corrupt {
            format,
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(what: impl Into<String>) -> Error {
        Error::Unsupported { what: what.into() }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Error {
        Error::Internal {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Corrupt { format, message } => {
                write!(f, "corrupt {} data: {message}", format.as_str())
            }
            Error::TooLarge { limit, actual, max } => {
                let unit = limit.unit();
                let over = actual.saturating_sub(*max);
                write!(
                    f,
                    "over the {} limit: needs {actual} {unit}, limit is {max} {unit} ({over} {unit} over)",
                    limit.as_str()
                )
            }
            Error::Unsupported { what } => write!(f, "unsupported input: {what}"),
            Error::Internal { message } => write!(f, "internal error: {message}"),
        }
    }
}

impl std::error::Error for Error {}
