//! `downsize-local`: the Lambda's handler against an embedded S3 server over a local folder.
//!
//! Uploads the given images to `sample/upload/original/<name>`, delivers one S3 event
//! notification per upload to the same [`Handler`] the Lambda runs, and prints what happened.
//! The resized copies stay on disk under `<data-dir>/sample-resized/`.
//!
//! ```text
//! cargo run --release --bin downsize-local -- corpus/photos
//! ```

mod embedded_s3;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use downsize_lambda::error::Retry;
use downsize_lambda::key::encode_event_key;
use downsize_lambda::storage::{self, Storage};
use downsize_lambda::{logging, Config, Handler, ObjectReport, Outcome};
use serde_json::json;

/// Source bucket the images are uploaded to.
const SOURCE_BUCKET: &str = "sample";
/// Key prefix of the uploads.
const UPLOAD_PREFIX: &str = "upload/original/";

#[derive(Debug, Parser)]
#[command(about = "Run the downsize Lambda handler locally against an embedded S3 server")]
struct Args {
    /// Images or folders of images to upload (default: corpus/photos).
    paths: Vec<PathBuf>,
    /// Folder the embedded S3 server keeps its buckets in.
    #[arg(long, default_value = "out/local-s3")]
    data_dir: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    logging::init_json_with_default("warn");
    match run(args).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("downsize-local: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<ExitCode, String> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("corpus/photos")]
    } else {
        args.paths
    };
    let files = collect_files(&paths)?;
    if files.is_empty() {
        return Err(format!("no files found in {paths:?}"));
    }

    // The same variables as the Lambda, so a configuration can be tried here first.
    let mut config = Config::from_env().map_err(|e| e.to_string())?;
    config.emit_metrics = false;

    let server = embedded_s3::start(&args.data_dir)
        .await
        .map_err(|e| format!("cannot start the embedded S3 server: {e}"))?;
    let client = storage::client_for_endpoint(
        &server.endpoint,
        embedded_s3::ACCESS_KEY,
        embedded_s3::SECRET_KEY,
        storage::fast_retry(3),
    );
    let storage = Storage::new(client);
    let destination_bucket = config.destination_bucket_for(SOURCE_BUCKET);
    for bucket in [SOURCE_BUCKET, destination_bucket.as_str()] {
        storage
            .ensure_bucket(bucket)
            .await
            .map_err(|e| e.to_string())?;
    }
    println!(
        "embedded S3 on {} over {}; {} file(s) to upload",
        server.addr,
        args.data_dir.display(),
        files.len()
    );

    let handler = Handler::new(config, storage.clone());
    let mut reports = Vec::new();
    for (path, name) in &files {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let key = format!("{UPLOAD_PREFIX}{name}");
        let size = bytes.len() as u64;
        let put = storage
            .client()
            .put_object()
            .bucket(SOURCE_BUCKET)
            .key(&key)
            .body(bytes.into())
            .send()
            .await
            .map_err(|e| {
                format!(
                    "upload of {key}: {}",
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                )
            })?;
        let etag = put.e_tag().unwrap_or_default().trim_matches('"').to_owned();
        let event = s3_put_event(SOURCE_BUCKET, &key, size, &etag);
        let handled = handler.handle(&event, None).await;
        reports.extend(handled.reports);
    }

    print_table(&reports);
    println!(
        "resized copies: {}",
        args.data_dir.join(&destination_bucket).display()
    );
    let retryable = reports
        .iter()
        .filter(|r| r.outcome.retry() == Some(Retry::Transient))
        .count();
    Ok(if retryable == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// An `ObjectCreated:Put` notification as S3 sends it, key URL-encoded.
fn s3_put_event(bucket: &str, key: &str, size: u64, etag: &str) -> serde_json::Value {
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "1970-01-01T00:00:00.000Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "downsize-local"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "local", "x-amz-id-2": "local"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "downsize-local",
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "downsize-local"},
                "arn": format!("arn:aws:s3:::{bucket}"),
            },
            "object": {
                "key": encode_event_key(key),
                "size": size,
                "eTag": etag,
                "sequencer": "0000000000000000",
            },
        },
    }]})
}

/// Files under `paths` (folders walked recursively, hidden entries skipped), each with the name
/// it gets under the upload prefix: its path relative to the folder given, or its file name.
fn collect_files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, path, &mut files)?;
        } else if path.is_file() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((path.clone(), name));
        } else {
            return Err(format!("{}: no such file or folder", path.display()));
        }
    }
    Ok(files)
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<(PathBuf, String)>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(root, &path, files)?;
        } else if path.is_file() {
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push((path, name));
        }
    }
    Ok(())
}

fn print_table(reports: &[ObjectReport]) {
    let rows: Vec<[String; 6]> = reports
        .iter()
        .map(|report| {
            let dims = report
                .copies
                .iter()
                .map(|c| format!("{}x{}", c.width, c.height))
                .collect::<Vec<_>>()
                .join(",");
            let outcome = match &report.outcome {
                Outcome::Failed(error) => format!("{} ({})", error.kind(), error.retry().as_str()),
                other => other.kind().to_owned(),
            };
            [
                report.key.clone(),
                outcome,
                report.metrics.bytes_in.to_string(),
                report.metrics.bytes_out.to_string(),
                if dims.is_empty() {
                    "-".to_owned()
                } else {
                    dims
                },
                report.elapsed.as_millis().to_string(),
            ]
        })
        .collect();
    let header = ["key", "outcome", "bytes in", "bytes out", "dims", "ms"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            // Text left-aligned, numbers right-aligned.
            if (2..=3).contains(&i) || i == 5 {
                text.push_str(&format!("{cell:>width$}  "));
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        println!("{}", text.trim_end());
    };
    line(header);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]]);
    }
    let failed = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    println!(
        "{} object(s): {} ok, {} failed",
        reports.len(),
        reports.len() - failed,
        failed
    );
}
