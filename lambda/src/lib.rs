//! AWS Lambda front of the downsize engine.
//!
//! An object created in a source bucket arrives as an event; the handler reads it, runs the engine
//! and writes the resized copies to the destination bucket. The crate is thin on purpose: every
//! pixel decision belongs to the `downsize` engine, this crate only moves bytes and classifies
//! failures so that the right ones are retried.
//!
//! - [`config`]: environment variables, validated once at start-up (including the recursion check).
//! - [`event`]: every event shape we accept (S3 notification, SQS, EventBridge, Batch Operations),
//!   parsed into [`event::ObjectRef`]s plus the shape of the reply.
//! - [`key`]: decoding of the URL-encoded object keys S3 puts in its events.
//! - [`storage`]: S3 get (streamed, bounded), head and put, and the transient/permanent split of
//!   S3 failures.
//! - [`handler`]: one object from event to written copies; one whole event to its reply.
//! - [`metrics`]: per-image CloudWatch Embedded Metric Format lines.
//! - [`error`]: the crate's one error enum, split by fault domain.
//! - [`logging`]: structured JSON logs.

pub mod config;
pub mod error;
pub mod event;
pub mod handler;
pub mod key;
pub mod logging;
pub mod metrics;
pub mod storage;

pub use config::Config;
pub use error::{Error, Retry};
pub use event::ObjectRef;
pub use handler::{Handled, Handler, ObjectReport, Outcome};
