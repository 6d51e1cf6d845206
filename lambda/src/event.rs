//! Every event shape the function accepts, parsed into the objects to process and the shape of
//! the reply each source expects.
//!
//! | source | how it is recognised | reply |
//! | --- | --- | --- |
//! | S3 event notification | `Records[].eventSource == "aws:s3"` | a summary; an error makes Lambda retry |
//! | S3 -> SQS -> Lambda | `Records[].eventSource == "aws:sqs"`, body an S3 notification (or SNS envelope of one) | `batchItemFailures` |
//! | EventBridge | `source == "aws.s3"`, `detail-type == "Object Created"` | a summary |
//! | S3 Batch Operations | `invocationSchemaVersion` and `tasks` | per-task `resultCode` |
//!
//! Records that are not object creations (`ObjectRemoved:*`, `s3:TestEvent`, other EventBridge
//! detail types) are dropped here, so the handler only ever sees work.

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::key::decode_event_key;

/// One object an event asks us to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub bucket: String,
    /// Decoded key (events carry it URL-encoded, except EventBridge).
    pub key: String,
    /// The exact version to read, when the bucket is versioned.
    pub version_id: Option<String>,
    /// Size announced by the event: lets an oversized upload be refused before downloading.
    pub size: Option<u64>,
    /// ETag announced by the event, without quotes: lets a repeated event be recognised before
    /// downloading.
    pub etag: Option<String>,
}

/// What an event asks for, one entry per unit the reply reports on.
#[derive(Debug)]
pub enum Event {
    /// Direct S3 notification. An entry is an error when its key cannot be decoded.
    S3 {
        objects: Vec<Result<ObjectRef, Error>>,
    },
    /// SQS batch: each message may carry several S3 records.
    Sqs { messages: Vec<SqsMessage> },
    /// EventBridge "Object Created".
    EventBridge { object: ObjectRef },
    /// S3 Batch Operations invocation.
    Batch(BatchInvocation),
    /// Nothing to do (test event, other detail type); the reason is logged.
    Ignored { reason: String },
}

/// One SQS message and the objects its body names.
#[derive(Debug)]
pub struct SqsMessage {
    /// Reported back in `batchItemFailures` when the message must be delivered again.
    pub message_id: String,
    /// The body's objects; an error when the body is not an S3 notification.
    pub objects: Result<Vec<Result<ObjectRef, Error>>, Error>,
}

/// An S3 Batch Operations invocation.
#[derive(Debug)]
pub struct BatchInvocation {
    /// `"1.0"` or `"2.0"`, echoed in the reply.
    pub schema_version: String,
    pub invocation_id: String,
    pub tasks: Vec<BatchTask>,
}

/// One Batch Operations task.
#[derive(Debug)]
pub struct BatchTask {
    pub task_id: String,
    pub object: Result<ObjectRef, Error>,
}

/// Batch Operations result codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchResultCode {
    Succeeded,
    TemporaryFailure,
    PermanentFailure,
}

impl BatchResultCode {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchResultCode::Succeeded => "Succeeded",
            BatchResultCode::TemporaryFailure => "TemporaryFailure",
            BatchResultCode::PermanentFailure => "PermanentFailure",
        }
    }
}

impl Event {
    /// Recognises the event's shape and extracts its objects.
    pub fn parse(value: &Value) -> Result<Event, Error> {
        if let Some(records) = value.get("Records") {
            let is_sqs = records
                .as_array()
                .and_then(|records| records.first())
                .and_then(|record| record.get("eventSource"))
                .and_then(Value::as_str)
                == Some("aws:sqs");
            if is_sqs {
                let records: Vec<SqsRecord> = from_value(records, "SQS records")?;
                let messages = records
                    .into_iter()
                    .map(|record| SqsMessage {
                        objects: objects_in_sqs_body(&record.body),
                        message_id: record.message_id,
                    })
                    .collect();
                return Ok(Event::Sqs { messages });
            }
            return Ok(Event::S3 {
                objects: objects_in_s3_records(records)?,
            });
        }
        if is_s3_test_event(value) {
            return Ok(Event::Ignored {
                reason: "s3:TestEvent".to_owned(),
            });
        }
        if value.get("source").and_then(Value::as_str) == Some("aws.s3") {
            let detail_type = value.get("detail-type").and_then(Value::as_str);
            if detail_type != Some("Object Created") {
                return Ok(Event::Ignored {
                    reason: format!("EventBridge detail-type {detail_type:?}"),
                });
            }
            let detail: EventBridgeDetail = from_value(
                value.get("detail").unwrap_or(&Value::Null),
                "EventBridge detail",
            )?;
            return Ok(Event::EventBridge {
                object: ObjectRef {
                    bucket: detail.bucket.name,
                    // EventBridge sends keys as they are, not URL-encoded.
                    key: detail.object.key,
                    version_id: detail.object.version_id,
                    size: detail.object.size,
                    etag: detail.object.etag.map(|e| unquote(&e).to_owned()),
                },
            });
        }
        if value.get("invocationSchemaVersion").is_some() && value.get("tasks").is_some() {
            let invocation: BatchEvent = from_value(value, "Batch Operations invocation")?;
            let tasks = invocation
                .tasks
                .into_iter()
                .map(|task| BatchTask {
                    object: batch_task_object(&task),
                    task_id: task.task_id,
                })
                .collect();
            return Ok(Event::Batch(BatchInvocation {
                schema_version: invocation.invocation_schema_version,
                invocation_id: invocation.invocation_id,
                tasks,
            }));
        }
        Err(Error::Event(
            "not an S3 notification, SQS batch, EventBridge event or Batch Operations invocation"
                .to_owned(),
        ))
    }
}

/// The reply SQS expects: only the listed messages are delivered again.
pub fn sqs_reply<'a>(failed_message_ids: impl IntoIterator<Item = &'a str>) -> Value {
    let failures: Vec<Value> = failed_message_ids
        .into_iter()
        .map(|id| serde_json::json!({ "itemIdentifier": id }))
        .collect();
    serde_json::json!({ "batchItemFailures": failures })
}

/// The reply S3 Batch Operations expects, one result per task.
pub fn batch_reply(
    invocation: &BatchInvocation,
    results: &[(String, BatchResultCode, String)],
) -> Value {
    let results: Vec<Value> = results
        .iter()
        .map(|(task_id, code, message)| {
            serde_json::json!({
                "taskId": task_id,
                "resultCode": code.as_str(),
                "resultString": message,
            })
        })
        .collect();
    serde_json::json!({
        "invocationSchemaVersion": invocation.schema_version,
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": invocation.invocation_id,
        "results": results,
    })
}

fn from_value<T: for<'de> Deserialize<'de>>(value: &Value, what: &str) -> Result<T, Error> {
    T::deserialize(value).map_err(|e| Error::Event(format!("{what}: {e}")))
}

fn is_s3_test_event(value: &Value) -> bool {
    value.get("Event").and_then(Value::as_str) == Some("s3:TestEvent")
}

/// S3 records of a notification, keeping only object creations.
fn objects_in_s3_records(records: &Value) -> Result<Vec<Result<ObjectRef, Error>>, Error> {
    let records: Vec<S3Record> = from_value(records, "S3 records")?;
    Ok(records
        .into_iter()
        .filter(|record| {
            record.event_source.as_deref().unwrap_or("aws:s3") == "aws:s3"
                && record.event_name.starts_with("ObjectCreated:")
        })
        .map(|record| {
            let object = record.s3.object;
            Ok(ObjectRef {
                bucket: record.s3.bucket.name,
                key: decode_event_key(&object.key).map_err(|e| Error::Event(e.to_string()))?,
                version_id: object.version_id.filter(|v| !v.is_empty()),
                size: object.size,
                etag: object.e_tag.map(|e| unquote(&e).to_owned()),
            })
        })
        .collect())
}

/// The objects named by an SQS message body: an S3 notification, possibly inside an SNS envelope
/// (S3 -> SNS -> SQS fan-out), or S3's test event.
fn objects_in_sqs_body(body: &str) -> Result<Vec<Result<ObjectRef, Error>>, Error> {
    let value: Value = serde_json::from_str(body)
        .map_err(|e| Error::Event(format!("SQS message body is not JSON: {e}")))?;
    if value.get("Type").and_then(Value::as_str) == Some("Notification") {
        if let Some(message) = value.get("Message").and_then(Value::as_str) {
            return objects_in_sqs_body(message);
        }
    }
    if is_s3_test_event(&value) {
        return Ok(Vec::new());
    }
    match value.get("Records") {
        Some(records) => objects_in_s3_records(records),
        None => Err(Error::Event(
            "SQS message body is not an S3 event notification".to_owned(),
        )),
    }
}

fn batch_task_object(task: &BatchTaskRecord) -> Result<ObjectRef, Error> {
    let bucket = match (&task.s3_bucket, &task.s3_bucket_arn) {
        (Some(bucket), _) => bucket.clone(),
        (None, Some(arn)) => arn
            .strip_prefix("arn:aws:s3:::")
            .or_else(|| arn.rsplit_once(":::").map(|(_, bucket)| bucket))
            .ok_or_else(|| Error::Event(format!("task {}: bad s3BucketArn {arn:?}", task.task_id)))?
            .to_owned(),
        (None, None) => {
            return Err(Error::Event(format!(
                "task {}: neither s3Bucket nor s3BucketArn",
                task.task_id
            )))
        }
    };
    Ok(ObjectRef {
        bucket,
        key: decode_event_key(&task.s3_key).map_err(|e| Error::Event(e.to_string()))?,
        version_id: task.s3_version_id.clone().filter(|v| !v.is_empty()),
        size: None,
        etag: None,
    })
}

fn unquote(etag: &str) -> &str {
    etag.trim_matches('"')
}

#[derive(Deserialize)]
struct S3Record {
    #[serde(rename = "eventSource")]
    event_source: Option<String>,
    #[serde(rename = "eventName")]
    event_name: String,
    s3: S3Entity,
}

#[derive(Deserialize)]
struct S3Entity {
    bucket: S3Bucket,
    object: S3Object,
}

#[derive(Deserialize)]
struct S3Bucket {
    name: String,
}

#[derive(Deserialize)]
struct S3Object {
    key: String,
    size: Option<u64>,
    #[serde(rename = "eTag")]
    e_tag: Option<String>,
    #[serde(rename = "versionId")]
    version_id: Option<String>,
}

#[derive(Deserialize)]
struct SqsRecord {
    #[serde(rename = "messageId")]
    message_id: String,
    body: String,
}

#[derive(Deserialize)]
struct EventBridgeDetail {
    bucket: S3Bucket,
    object: EventBridgeObject,
}

#[derive(Deserialize)]
struct EventBridgeObject {
    key: String,
    size: Option<u64>,
    etag: Option<String>,
    #[serde(rename = "version-id")]
    version_id: Option<String>,
}

#[derive(Deserialize)]
struct BatchEvent {
    #[serde(rename = "invocationSchemaVersion")]
    invocation_schema_version: String,
    #[serde(rename = "invocationId")]
    invocation_id: String,
    tasks: Vec<BatchTaskRecord>,
}

#[derive(Deserialize)]
struct BatchTaskRecord {
    #[serde(rename = "taskId")]
    task_id: String,
    #[serde(rename = "s3Key")]
    s3_key: String,
    #[serde(rename = "s3VersionId")]
    s3_version_id: Option<String>,
    #[serde(rename = "s3BucketArn")]
    s3_bucket_arn: Option<String>,
    #[serde(rename = "s3Bucket")]
    s3_bucket: Option<String>,
}
