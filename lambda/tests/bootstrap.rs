//! The real `bootstrap` binary against a Lambda Runtime API served by the test and the embedded
//! S3 server (through the fault proxy), end to end.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use common::proxy::FaultKind;
use common::{embedded_s3, s3_event, sqs_event, Obj, World, DESTINATION, SOURCE};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;

/// What the function posted back for one invocation.
#[derive(Debug, Clone)]
struct Reply {
    request_id: String,
    /// `response` or `error`.
    kind: String,
    body: Value,
}

#[derive(Default)]
struct RuntimeState {
    pending: VecDeque<(String, Value)>,
    replies: Vec<Reply>,
}

/// A minimal Lambda Runtime API: hands out queued events on `/invocation/next` (and holds the
/// request open when none is left, as Lambda does) and records responses and errors.
async fn start_runtime_api(events: Vec<(String, Value)>) -> (String, Arc<Mutex<RuntimeState>>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let state = Arc::new(Mutex::new(RuntimeState {
        pending: events.into(),
        replies: Vec::new(),
    }));
    let shared = Arc::clone(&state);
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let state = Arc::clone(&shared);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    runtime_api(request, Arc::clone(&state))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    (address, state)
}

async fn runtime_api(
    request: Request<Incoming>,
    state: Arc<Mutex<RuntimeState>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    if request.method() == Method::GET && path == "/2018-06-01/runtime/invocation/next" {
        let next = state.lock().unwrap().pending.pop_front();
        let Some((request_id, event)) = next else {
            std::future::pending::<()>().await;
            unreachable!();
        };
        let deadline =
            SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(120);
        return Ok(Response::builder()
            .header("Lambda-Runtime-Aws-Request-Id", request_id)
            .header(
                "Lambda-Runtime-Deadline-Ms",
                deadline.as_millis().to_string(),
            )
            .header(
                "Lambda-Runtime-Invoked-Function-Arn",
                "arn:aws:lambda:us-east-1:123456789012:function:downsize",
            )
            .header(
                "Lambda-Runtime-Trace-Id",
                "Root=1-5759e988-bd862e3fe1be46a994272793",
            )
            .body(Full::new(Bytes::from(event.to_string())))
            .unwrap());
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if request.method() == Method::POST
        && parts.len() == 5
        && parts[..3] == ["2018-06-01", "runtime", "invocation"]
        && ["response", "error"].contains(&parts[4])
    {
        let request_id = parts[3].to_owned();
        let kind = parts[4].to_owned();
        let body = request.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
        state.lock().unwrap().replies.push(Reply {
            request_id,
            kind,
            body,
        });
        return Ok(Response::builder()
            .status(StatusCode::ACCEPTED)
            .body(Full::new(Bytes::from_static(b"{\"status\":\"OK\"}")))
            .unwrap());
    }
    Ok(Response::builder()
        .status(StatusCode::NOT_FOUND)
        .body(Full::new(Bytes::new()))
        .unwrap())
}

/// The function's environment as Lambda sets it, with S3 pointed at `s3_endpoint`.
fn bootstrap_command(runtime_api: &str, s3_endpoint: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "downsize")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1769")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/downsize")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", embedded_s3::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", embedded_s3::SECRET_KEY)
        .env("AWS_ENDPOINT_URL_S3", s3_endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_MAX_ATTEMPTS", "2")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Kills the function when the test ends, however it ends.
struct Running(Option<Child>);

impl Running {
    fn has_exited(&mut self) -> Option<std::process::ExitStatus> {
        self.0.as_mut().unwrap().try_wait().unwrap()
    }

    /// Stops the function (it would wait for the next invocation forever) and collects its output.
    fn stop(mut self) -> std::process::Output {
        let mut child = self.0.take().unwrap();
        let _ = child.kill();
        child.wait_with_output().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_binary_serves_invocations_end_to_end() {
    let world = World::new("bootstrap").await;
    let good = common::jpeg(120, 80);
    let good_size = good.len() as u64;
    let good_etag = world.put(SOURCE, "in/good photo.jpg", good).await;
    let corrupt_etag = world
        .put(SOURCE, "in/corrupt.jpg", b"\xFF\xD8\xFF\xE0junk".to_vec())
        .await;
    let slow = common::png(40, 40);
    let slow_size = slow.len() as u64;
    let slow_etag = world.put(SOURCE, "in/slow.png", slow).await;
    world.proxy.inject(
        Method::GET,
        "/photos/in/slow.png",
        FaultKind::SlowDown,
        1000,
    );

    let good_event = s3_event(
        SOURCE,
        &[Obj {
            key: "in/good photo.jpg",
            size: good_size,
            etag: &good_etag,
        }],
    );
    let corrupt_event = s3_event(
        SOURCE,
        &[Obj {
            key: "in/corrupt.jpg",
            size: 10,
            etag: &corrupt_etag,
        }],
    );
    let slow_event = s3_event(
        SOURCE,
        &[Obj {
            key: "in/slow.png",
            size: slow_size,
            etag: &slow_etag,
        }],
    );
    let events = vec![
        ("req-good".to_owned(), good_event),
        ("req-corrupt".to_owned(), corrupt_event),
        (
            "req-sqs".to_owned(),
            sqs_event(&[
                ("m-good", s3_event(SOURCE, &[])),
                ("m-slow", slow_event.clone()),
            ]),
        ),
        ("req-slow".to_owned(), slow_event),
    ];
    let (runtime_api, state) = start_runtime_api(events).await;
    let child = bootstrap_command(&runtime_api, &world.proxy.endpoint)
        .spawn()
        .unwrap();
    let mut running = Running(Some(child));

    let started = std::time::Instant::now();
    let replies = loop {
        let replies = state.lock().unwrap().replies.clone();
        if replies.len() == 4 {
            break replies;
        }
        if let Some(status) = running.has_exited() {
            panic!("bootstrap exited early with {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "replies so far: {replies:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let reply = |id: &str| replies.iter().find(|r| r.request_id == id).unwrap().clone();
    let good = reply("req-good");
    assert_eq!(good.kind, "response", "{good:?}");
    assert_eq!(good.body["outcomes"]["written"], 1);
    let corrupt = reply("req-corrupt");
    assert_eq!(
        corrupt.kind, "response",
        "a corrupt upload does not fail the invocation"
    );
    assert_eq!(corrupt.body["outcomes"]["corrupt"], 1, "{corrupt:?}");
    let sqs = reply("req-sqs");
    assert_eq!(sqs.kind, "response");
    assert_eq!(
        sqs.body["batchItemFailures"],
        serde_json::json!([{"itemIdentifier": "m-slow"}])
    );
    let slow = reply("req-slow");
    assert_eq!(
        slow.kind, "error",
        "a transient failure fails the invocation"
    );
    assert_eq!(slow.body["errorType"], "Downsize.Retry", "{slow:?}");

    let head = world.head(DESTINATION, "in/good photo.jpg").await.unwrap();
    assert_eq!(head.content_type(), Some("image/jpeg"));
    assert_eq!(head.metadata().unwrap()["downsize-width"], "60");

    let output = running.stop();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let metric_lines: Vec<Value> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|value| value.get("_aws").is_some())
        .collect();
    assert!(
        metric_lines
            .iter()
            .any(|m| m["Outcome"] == "written" && m["BytesIn"] == good_size),
        "EMF lines: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .any(|log| log["outcome"] == "corrupt" && log["level"] == "WARN"),
        "JSON logs: {stderr}"
    );
}

#[test]
fn bootstrap_refuses_to_start_with_a_clear_message() {
    let output = bootstrap_command("127.0.0.1:9", "http://127.0.0.1:9")
        .env("DOWNSIZE_VARIANTS", "half,w320")
        .env("DOWNSIZE_DEST_KEY", "small/{key}")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refusing to start"), "{stderr}");
    assert!(stderr.contains("{variant}"), "{stderr}");
}
