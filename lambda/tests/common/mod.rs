//! Shared by the integration tests: the embedded S3 server (the same file `downsize-local` uses),
//! a fault-injecting proxy in front of it, test images and events built from AWS's documented
//! JSON in `tests/events/`.
#![allow(dead_code, clippy::unwrap_used)]

#[path = "../../src/bin/local/embedded_s3.rs"]
pub mod embedded_s3;
pub mod proxy;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use downsize::{Engine, Limits, Request, Variant};
use downsize_lambda::storage::{self, Storage};
use downsize_lambda::{Config, Handler};
use serde_json::{json, Value};

use embedded_s3::EmbeddedS3;
use proxy::FaultProxy;

pub const SOURCE: &str = "photos";
pub const DESTINATION: &str = "photos-resized";

/// A fresh S3 server over its own folder with the source and destination buckets, behind a
/// fault proxy.
pub struct World {
    pub dir: PathBuf,
    pub server: EmbeddedS3,
    pub proxy: FaultProxy,
    /// Talks to the server directly, for setting up and checking; never faulted.
    pub direct: Storage,
}

impl World {
    pub async fn new(name: &str) -> World {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "lambda-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let server = embedded_s3::start(&dir).await.unwrap();
        let proxy = FaultProxy::start(server.addr).await;
        let direct = Storage::new(storage::client_for_endpoint(
            &server.endpoint,
            embedded_s3::ACCESS_KEY,
            embedded_s3::SECRET_KEY,
            storage::fast_retry(1),
        ));
        for bucket in [SOURCE, DESTINATION] {
            direct.ensure_bucket(bucket).await.unwrap();
        }
        World {
            dir,
            server,
            proxy,
            direct,
        }
    }

    /// A handler configured by `vars` whose client goes through the fault proxy and makes at most
    /// `max_attempts` attempts per request.
    pub fn handler(&self, vars: &[(&str, &str)], max_attempts: u32) -> Handler {
        let mut vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        vars.entry("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".to_owned())
            .or_insert_with(|| "1769".to_owned());
        let mut config = Config::from_lookup(|name| vars.get(name).cloned()).unwrap();
        config.emit_metrics = false;
        let client = storage::client_for_endpoint(
            &self.proxy.endpoint,
            embedded_s3::ACCESS_KEY,
            embedded_s3::SECRET_KEY,
            storage::fast_retry(max_attempts),
        );
        Handler::new(config, Storage::new(client))
    }

    /// Uploads directly; returns the ETag without quotes.
    pub async fn put(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> String {
        self.put_with_metadata(bucket, key, bytes, HashMap::new())
            .await
    }

    pub async fn put_with_metadata(
        &self,
        bucket: &str,
        key: &str,
        bytes: Vec<u8>,
        metadata: HashMap<String, String>,
    ) -> String {
        let output = self
            .direct
            .client()
            .put_object()
            .bucket(bucket)
            .key(key)
            .set_metadata(Some(metadata))
            .body(bytes.into())
            .send()
            .await
            .unwrap();
        output.e_tag().unwrap().trim_matches('"').to_owned()
    }

    pub async fn head(&self, bucket: &str, key: &str) -> Option<HeadObjectOutput> {
        self.direct
            .client()
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .ok()
    }

    pub async fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let output = self
            .direct
            .client()
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .ok()?;
        Some(output.body.collect().await.unwrap().to_vec())
    }

    /// Keys in `bucket`, sorted; every page of the listing.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let output = self
                .direct
                .client()
                .list_objects_v2()
                .bucket(bucket)
                .set_continuation_token(token)
                .send()
                .await
                .unwrap();
            keys.extend(
                output
                    .contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            token = output.next_continuation_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        keys.sort();
        keys
    }
}

pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A source object named in an event.
#[derive(Clone, Debug)]
pub struct Obj<'a> {
    pub key: &'a str,
    pub size: u64,
    pub etag: &'a str,
}

/// AWS's documented `ObjectCreated:Put` notification with its record repeated for `objects`,
/// keys URL-encoded as S3 does.
pub fn s3_event(bucket: &str, objects: &[Obj<'_>]) -> Value {
    let mut event = fixture("s3_put.json");
    let template = event["Records"][0].clone();
    let records: Vec<Value> = objects
        .iter()
        .map(|object| {
            let mut record = template.clone();
            record["s3"]["bucket"]["name"] = json!(bucket);
            record["s3"]["bucket"]["arn"] = json!(format!("arn:aws:s3:::{bucket}"));
            record["s3"]["object"]["key"] =
                json!(downsize_lambda::key::encode_event_key(object.key));
            record["s3"]["object"]["size"] = json!(object.size);
            record["s3"]["object"]["eTag"] = json!(object.etag);
            record
        })
        .collect();
    event["Records"] = json!(records);
    event
}

/// AWS's documented SQS event with one message per `(message id, body)`.
pub fn sqs_event(messages: &[(&str, Value)]) -> Value {
    let mut event = fixture("sqs_s3.json");
    let template = event["Records"][0].clone();
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| {
            let mut record = template.clone();
            record["messageId"] = json!(id);
            record["body"] = json!(body.to_string());
            record
        })
        .collect();
    event["Records"] = json!(records);
    event
}

/// AWS's documented EventBridge "Object Created" event; the key is not URL-encoded there.
pub fn eventbridge_event(bucket: &str, object: &Obj<'_>) -> Value {
    let mut event = fixture("eventbridge_object_created.json");
    event["resources"] = json!([format!("arn:aws:s3:::{bucket}")]);
    event["detail"]["bucket"]["name"] = json!(bucket);
    event["detail"]["object"]["key"] = json!(object.key);
    event["detail"]["object"]["size"] = json!(object.size);
    event["detail"]["object"]["etag"] = json!(object.etag);
    event["detail"]["object"]
        .as_object_mut()
        .unwrap()
        .remove("version-id");
    event
}

/// AWS's documented Batch Operations invocation (`schema` "1.0" or "2.0") with one task per
/// `(task id, key)`, keys URL-encoded.
pub fn batch_event(schema: &str, bucket: &str, tasks: &[(&str, &str)]) -> Value {
    let mut event = fixture(if schema == "1.0" {
        "batch_1_0.json"
    } else {
        "batch_2_0.json"
    });
    let template = event["tasks"][0].clone();
    let tasks: Vec<Value> = tasks
        .iter()
        .map(|(id, key)| {
            let mut task = template.clone();
            task["taskId"] = json!(id);
            task["s3Key"] = json!(downsize_lambda::key::encode_event_key(key));
            task["s3VersionId"] = Value::Null;
            if schema == "1.0" {
                task["s3BucketArn"] = json!(format!("arn:aws:s3:::{bucket}"));
            } else {
                task["s3Bucket"] = json!(bucket);
            }
            task
        })
        .collect();
    event["tasks"] = json!(tasks);
    event
}

/// An RGB PNG with a smooth pattern (compresses well: small uploads).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            pixels.extend_from_slice(&[
                (x * 255 / width.max(1)) as u8,
                (y * 255 / height.max(1)) as u8,
                ((x + y) % 256) as u8,
            ]);
        }
    }
    encode_png(width, height, png::ColorType::Rgb, &pixels)
}

/// An RGBA PNG of pseudo-random pixels: incompressible, so about 4 bytes a pixel on disk.
pub fn noise_png(width: u32, height: u32) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut pixels = vec![0u8; (width * height * 4) as usize];
    for chunk in pixels.chunks_mut(8) {
        // xorshift64*: cheap and good enough to defeat deflate.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let value = state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
        chunk.copy_from_slice(&value[..chunk.len()]);
    }
    encode_png(width, height, png::ColorType::Rgba, &pixels)
}

fn encode_png(width: u32, height: u32, color: png::ColorType, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(pixels).unwrap();
    }
    out
}

/// A JPEG made by the engine itself from [`png`].
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let request = Request {
        variants: vec![Variant::parse("scale:1@jpeg@q90").unwrap()],
        ..Request::default()
    };
    let mut engine = Engine::new(Limits::for_memory_mb(1769));
    let mut outputs = engine.process(&png(width, height), &request).unwrap();
    outputs.remove(0).bytes
}

/// Width and height of `bytes` after a full decode (the engine re-encodes at scale 1), so a
/// truncated or corrupt copy fails here even when its header is intact.
pub fn decoded_size(bytes: &[u8]) -> Result<(u32, u32), downsize::Error> {
    let request = Request {
        variants: vec![Variant::parse("scale:1").unwrap()],
        ..Request::default()
    };
    let mut engine = Engine::new(Limits::for_memory_mb(1769));
    let outputs = engine.process(bytes, &request)?;
    Ok((outputs[0].width, outputs[0].height))
}
