//! From an event to written copies.
//!
//! [`Handler::process_object`] takes one object through: prefix and recursion checks, the size
//! announced by the event against the input limit, the idempotency check (HeadObject on every
//! destination), the bounded download, the engine (isolated so a panic costs one record), and one
//! PutObject per copy. It never fails: the result is an [`ObjectReport`] whose outcome says what
//! happened and whether a retry could help. [`Handler::handle`] runs a whole event and builds the
//! reply its source expects.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use downsize::{Engine, Output, StageTimings};
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::config::Config;
use crate::error::{Error, Retry};
use crate::event::{batch_reply, sqs_reply, BatchResultCode, Event, ObjectRef};
use crate::metrics::{self, ImageMetrics};
use crate::storage::{Storage, Upload};

/// User metadata (`x-amz-meta-*`) written on every copy. The marker makes a copy recognisable as
/// ours, so that a misrouted trigger on the destination skips it instead of looping.
pub const META_OUTPUT: &str = "downsize-output";
pub const META_SOURCE_ETAG: &str = "downsize-source-etag";
pub const META_SOURCE_VERSION: &str = "downsize-source-version";
pub const META_VARIANT: &str = "downsize-variant";
pub const META_WIDTH: &str = "downsize-width";
pub const META_HEIGHT: &str = "downsize-height";

/// Value of [`META_OUTPUT`]: who wrote the copy.
pub const OUTPUT_MARKER: &str = concat!("downsize-lambda/", env!("CARGO_PKG_VERSION"));

/// What happened to one object.
#[derive(Debug)]
pub enum Outcome {
    /// Every variant was written.
    Written,
    /// Every destination already holds a copy of this source ETag: nothing read, nothing written.
    AlreadyDone,
    /// The object carries downsize's own marker: it is an output, not an upload.
    OwnOutput,
    /// The key is outside `DOWNSIZE_SOURCE_PREFIX`.
    OutsideSourcePrefix,
    /// Nothing was written; the error says whether a retry could help.
    Failed(Error),
}

impl Outcome {
    /// Stable snake-case name for logs, metrics and the local table.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Written => "written",
            Outcome::AlreadyDone => "already_done",
            Outcome::OwnOutput => "own_output",
            Outcome::OutsideSourcePrefix => "outside_source_prefix",
            Outcome::Failed(error) => error.kind(),
        }
    }

    /// `Some(Transient)` when the event must be delivered again.
    pub fn retry(&self) -> Option<Retry> {
        match self {
            Outcome::Failed(error) => Some(error.retry()),
            _ => None,
        }
    }
}

/// One copy written to the destination.
#[derive(Debug, Clone)]
pub struct WrittenCopy {
    pub bucket: String,
    pub key: String,
    pub variant: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// The record of one object: outcome, copies and costs.
#[derive(Debug)]
pub struct ObjectReport {
    pub bucket: String,
    pub key: String,
    pub outcome: Outcome,
    pub copies: Vec<WrittenCopy>,
    pub metrics: ImageMetrics,
    /// Wall time from start to outcome.
    pub elapsed: Duration,
}

impl ObjectReport {
    fn needs_retry(&self) -> bool {
        self.outcome.retry() == Some(Retry::Transient)
    }
}

/// The result of one event: the reply for its source (an error makes Lambda deliver the event
/// again) and one report per object.
#[derive(Debug)]
pub struct Handled {
    pub reply: Result<Value, Error>,
    pub reports: Vec<ObjectReport>,
}

impl Handled {
    fn ok(reply: Value, reports: Vec<ObjectReport>) -> Handled {
        Handled {
            reply: Ok(reply),
            reports,
        }
    }
}

/// Everything an invocation needs, built once per container and shared by every invocation.
#[derive(Debug, Clone)]
pub struct Handler {
    config: Arc<Config>,
    storage: Storage,
    /// One engine per container: its scratch buffers are reused across warm invocations. The mutex
    /// is only ever taken on a blocking thread.
    engine: Arc<Mutex<Engine>>,
}

impl Handler {
    pub fn new(config: Config, storage: Storage) -> Handler {
        let engine = build_engine(&config);
        Handler {
            config: Arc::new(config),
            storage,
            engine: Arc::new(Mutex::new(engine)),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs a whole event: the reply for its source and one report per object.
    ///
    /// An object that fails transiently fails the invocation for a direct S3 notification or an
    /// EventBridge event (Lambda redelivers it, and objects already done are recognised by the
    /// idempotency check), fails only its message for SQS, and becomes `TemporaryFailure` for Batch
    /// Operations. Permanent failures are logged and counted, never retried.
    ///
    /// `deadline` is the Lambda deadline; work stops `DOWNSIZE_DEADLINE_MARGIN_MS` before it and the
    /// objects not done are reported as transient failures.
    pub async fn handle(&self, event: &Value, deadline: Option<Instant>) -> Handled {
        let cutoff = deadline.map(|d| d.checked_sub(self.config.deadline_margin).unwrap_or(d));
        let event = match Event::parse(event) {
            Ok(event) => event,
            Err(error) => {
                // Permanent: a redelivery of the same payload cannot parse any better.
                tracing::error!(kind = error.kind(), error = %error, "unrecognised event, dropped");
                return Handled::ok(json!({ "ignored": error.to_string() }), Vec::new());
            }
        };
        match event {
            Event::Ignored { reason } => {
                tracing::info!(reason = %reason, "event ignored");
                Handled::ok(json!({ "ignored": reason }), Vec::new())
            }
            Event::S3 { objects } => self.handle_whole(objects, cutoff).await,
            Event::EventBridge { object } => self.handle_whole(vec![Ok(object)], cutoff).await,
            Event::Sqs { messages } => {
                let mut failed = Vec::new();
                let mut reports = Vec::new();
                for message in messages {
                    let objects = match message.objects {
                        Ok(objects) => objects,
                        Err(error) => {
                            tracing::error!(message_id = %message.message_id, kind = error.kind(),
                                error = %error, "SQS message dropped");
                            continue;
                        }
                    };
                    let mut message_failed = false;
                    for object in objects {
                        let report = self.process_entry(object, cutoff).await;
                        message_failed |= report.needs_retry();
                        reports.push(report);
                    }
                    if message_failed {
                        failed.push(message.message_id);
                    }
                }
                Handled::ok(sqs_reply(failed.iter().map(String::as_str)), reports)
            }
            Event::Batch(invocation) => {
                let mut results = Vec::new();
                let mut reports = Vec::new();
                for task in &invocation.tasks {
                    let object = match &task.object {
                        Ok(object) => Ok(object.clone()),
                        // The task's own error, not its message wrapped a second time
                        // ("malformed event: malformed event: ...").
                        Err(Error::Event(message)) => Err(Error::Event(message.clone())),
                        Err(error) => Err(Error::Event(error.to_string())),
                    };
                    let report = self.process_entry(object, cutoff).await;
                    let (code, message) = match &report.outcome {
                        Outcome::Failed(error) if error.retry() == Retry::Transient => {
                            (BatchResultCode::TemporaryFailure, error.to_string())
                        }
                        Outcome::Failed(error) => {
                            (BatchResultCode::PermanentFailure, error.to_string())
                        }
                        other => (BatchResultCode::Succeeded, other.kind().to_owned()),
                    };
                    results.push((task.task_id.clone(), code, message));
                    reports.push(report);
                }
                Handled::ok(batch_reply(&invocation, &results), reports)
            }
        }
    }

    /// Runs objects whose reply is all-or-nothing: the first transient failure is returned as the
    /// invocation's error, after every object had its chance.
    async fn handle_whole(
        &self,
        objects: Vec<Result<ObjectRef, Error>>,
        cutoff: Option<Instant>,
    ) -> Handled {
        let mut reports = Vec::new();
        for object in objects {
            reports.push(self.process_entry(object, cutoff).await);
        }
        let mut counts: HashMap<&'static str, u64> = HashMap::new();
        for report in &reports {
            *counts.entry(report.outcome.kind()).or_default() += 1;
        }
        let first_transient = reports.iter().find_map(|report| match &report.outcome {
            Outcome::Failed(error) if error.retry() == Retry::Transient => Some(error.to_string()),
            _ => None,
        });
        let reply = match first_transient {
            Some(message) => Err(Error::Retry(message)),
            None => Ok(json!({ "objects": reports.len(), "outcomes": counts })),
        };
        Handled { reply, reports }
    }

    async fn process_entry(
        &self,
        object: Result<ObjectRef, Error>,
        cutoff: Option<Instant>,
    ) -> ObjectReport {
        match object {
            Ok(object) => self.process_object(&object, cutoff).await,
            Err(error) => {
                let report = ObjectReport {
                    bucket: String::new(),
                    key: String::new(),
                    outcome: Outcome::Failed(error),
                    copies: Vec::new(),
                    metrics: ImageMetrics::default(),
                    elapsed: Duration::ZERO,
                };
                self.record(report)
            }
        }
    }

    /// Processes one object, stopping at `cutoff`. Logs the outcome and emits its metrics.
    pub async fn process_object(
        &self,
        object: &ObjectRef,
        cutoff: Option<Instant>,
    ) -> ObjectReport {
        let started = Instant::now();
        let mut metrics = ImageMetrics::default();
        let mut copies = Vec::new();
        let deadline_error = || Error::Deadline {
            bucket: object.bucket.clone(),
            key: object.key.clone(),
        };
        let outcome = match cutoff {
            Some(cutoff) if Instant::now() >= cutoff => Outcome::Failed(deadline_error()),
            Some(cutoff) => {
                let work = self.process_inner(object, &mut metrics, &mut copies);
                match tokio::time::timeout_at(cutoff, work).await {
                    Ok(outcome) => outcome,
                    // Cancelling here is safe: a PutObject either completed or wrote nothing.
                    Err(_) => Outcome::Failed(deadline_error()),
                }
            }
            None => self.process_inner(object, &mut metrics, &mut copies).await,
        };
        metrics.outcome = outcome.kind();
        let report = ObjectReport {
            bucket: object.bucket.clone(),
            key: object.key.clone(),
            outcome,
            copies,
            metrics,
            elapsed: started.elapsed(),
        };
        self.record(report)
    }

    /// Logs the outcome with its kind and emits the metric line.
    fn record(&self, mut report: ObjectReport) -> ObjectReport {
        report.metrics.outcome = report.outcome.kind();
        let m = &report.metrics;
        match &report.outcome {
            Outcome::Failed(error) if error.retry() == Retry::Transient => {
                tracing::error!(bucket = %report.bucket, key = %report.key, outcome = m.outcome,
                    retry = "transient", error = %error, "failed; will be retried");
            }
            Outcome::Failed(error) => {
                tracing::warn!(bucket = %report.bucket, key = %report.key, outcome = m.outcome,
                    retry = "permanent", error = %error, "failed; not retried");
            }
            outcome => {
                tracing::info!(bucket = %report.bucket, key = %report.key, outcome = outcome.kind(),
                    bytes_in = m.bytes_in, bytes_out = m.bytes_out, copies = report.copies.len(),
                    elapsed_ms = report.elapsed.as_millis() as u64, "done");
            }
        }
        if self.config.emit_metrics {
            metrics::emit(&report.metrics, &report.bucket, &report.key);
        }
        report
    }

    async fn process_inner(
        &self,
        object: &ObjectRef,
        metrics: &mut ImageMetrics,
        copies: &mut Vec<WrittenCopy>,
    ) -> Outcome {
        match self.try_process(object, metrics, copies).await {
            Ok(outcome) => outcome,
            Err(error) => Outcome::Failed(error),
        }
    }

    async fn try_process(
        &self,
        object: &ObjectRef,
        metrics: &mut ImageMetrics,
        copies: &mut Vec<WrittenCopy>,
    ) -> Result<Outcome, Error> {
        let config = &self.config;
        if config.is_outside_source_prefix(&object.key) {
            return Ok(Outcome::OutsideSourcePrefix);
        }
        if let Some(reason) = config.recursion_risk(&object.bucket) {
            return Err(Error::Recursion {
                bucket: object.bucket.clone(),
                key: object.key.clone(),
                reason,
            });
        }
        if let Some(size) = object.size {
            // Refused from the event alone: nothing downloaded.
            config.limits.check_input_len(size)?;
        }
        let destination_bucket = config.destination_bucket_for(&object.bucket);
        let destination_keys: Vec<String> = config
            .request
            .variants
            .iter()
            .map(|variant| config.destination_key_for(&object.key, variant))
            .collect();

        if let Some(etag) = &object.etag {
            if self
                .all_copies_exist(&destination_bucket, &destination_keys, etag)
                .await?
            {
                return Ok(Outcome::AlreadyDone);
            }
        }

        let download_started = Instant::now();
        let source = self.storage.get(object, &config.limits).await?;
        metrics.download = download_started.elapsed();
        metrics.bytes_in = source.bytes.len() as u64;
        if source.metadata.contains_key(META_OUTPUT) {
            return Ok(Outcome::OwnOutput);
        }
        let source_etag = source.etag.clone().or_else(|| object.etag.clone());
        if object.etag.is_none() {
            // Events without an ETag (Batch Operations) are checked once the ETag is known.
            if let Some(etag) = &source_etag {
                if self
                    .all_copies_exist(&destination_bucket, &destination_keys, etag)
                    .await?
                {
                    return Ok(Outcome::AlreadyDone);
                }
            }
        }

        let (outputs, timings) = self.run_engine(source.bytes).await?;
        metrics.decode = timings.decode;
        metrics.resize = timings.resize;
        metrics.encode = timings.encode;
        metrics.megapixels = timings.megapixels;

        let upload_started = Instant::now();
        for (output, key) in outputs.into_iter().zip(&destination_keys) {
            let mut metadata = HashMap::new();
            metadata.insert(META_OUTPUT.to_owned(), OUTPUT_MARKER.to_owned());
            if let Some(etag) = &source_etag {
                metadata.insert(META_SOURCE_ETAG.to_owned(), etag.clone());
            }
            if let Some(version) = source.version_id.as_ref().or(object.version_id.as_ref()) {
                metadata.insert(META_SOURCE_VERSION.to_owned(), version.clone());
            }
            metadata.insert(META_VARIANT.to_owned(), output.variant.clone());
            metadata.insert(META_WIDTH.to_owned(), output.width.to_string());
            metadata.insert(META_HEIGHT.to_owned(), output.height.to_string());
            let copy = WrittenCopy {
                bucket: destination_bucket.clone(),
                key: key.clone(),
                variant: output.variant.clone(),
                width: output.width,
                height: output.height,
                bytes: output.bytes.len() as u64,
            };
            self.storage
                .put(Upload {
                    bucket: &destination_bucket,
                    key,
                    content_type: output.format.mime_type(),
                    cache_control: config.cache_control.as_deref(),
                    metadata,
                    bytes: output.bytes,
                })
                .await?;
            metrics.bytes_out += copy.bytes;
            copies.push(copy);
        }
        metrics.upload = upload_started.elapsed();
        Ok(Outcome::Written)
    }

    /// True when every destination key holds a copy made from the source with `etag`.
    async fn all_copies_exist(
        &self,
        bucket: &str,
        keys: &[String],
        etag: &str,
    ) -> Result<bool, Error> {
        for key in keys {
            match self.storage.head(bucket, key).await? {
                Some(head)
                    if head.metadata.get(META_SOURCE_ETAG).map(String::as_str) == Some(etag) => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Runs the engine on a blocking thread, so the async runtime keeps serving S3 I/O, and
    /// isolates a panic to this one input.
    async fn run_engine(&self, input: Vec<u8>) -> Result<(Vec<Output>, StageTimings), Error> {
        let engine = Arc::clone(&self.engine);
        let config = Arc::clone(&self.config);
        let task = tokio::task::spawn_blocking(move || {
            run_isolated(
                &engine,
                || build_engine(&config),
                |engine| {
                    let outputs = engine.process(&input, &config.request)?;
                    Ok((outputs, engine.last_timings()))
                },
            )
        });
        match task.await {
            Ok(result) => result,
            Err(join_error) => Err(Error::Panic(join_error.to_string())),
        }
    }
}

/// Builds the container's engine: limits from the configuration, threads from the memory size.
fn build_engine(config: &Config) -> Engine {
    Engine::new(config.limits).with_threads(config.threads)
}

/// Runs `work` on the shared engine with a panic caught: the panic becomes [`Error::Panic`] and
/// the engine, whose scratch state may be half-written, is replaced by `rebuild()` so the next
/// record starts clean.
pub fn run_isolated<T>(
    engine: &Mutex<Engine>,
    rebuild: impl FnOnce() -> Engine,
    work: impl FnOnce(&mut Engine) -> Result<T, downsize::Error>,
) -> Result<T, Error> {
    let mut guard = engine.lock().unwrap_or_else(PoisonError::into_inner);
    match catch_unwind(AssertUnwindSafe(|| work(&mut guard))) {
        Ok(result) => result.map_err(Error::Image),
        Err(payload) => {
            *guard = rebuild();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-text panic payload".to_owned());
            Err(Error::Panic(message))
        }
    }
}

/// Converts the Lambda context's deadline (wall clock) into a monotonic instant.
pub fn deadline_from_context(context: &lambda_runtime::Context) -> Instant {
    let remaining = context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    Instant::now() + remaining
}
