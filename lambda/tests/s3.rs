//! The handler driven through the real aws-sdk-s3 client over HTTP against s3s-fs on 127.0.0.1,
//! with faults injected by a proxy in between.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use common::proxy::FaultKind;
use common::{
    batch_event, eventbridge_event, s3_event, sqs_event, Obj, World, DESTINATION, SOURCE,
};
use downsize::{Engine, Limits, Request};
use downsize_lambda::error::Retry;
use downsize_lambda::handler::{
    run_isolated, META_HEIGHT, META_OUTPUT, META_SOURCE_ETAG, META_SOURCE_VERSION, META_WIDTH,
};
use downsize_lambda::{Error, Handled, Outcome};
use hyper::Method;
use serde_json::json;
use tokio::time::Instant;

fn kinds(handled: &Handled) -> Vec<&'static str> {
    handled.reports.iter().map(|r| r.outcome.kind()).collect()
}

fn assert_permanent(handled: &Handled, kind: &str) {
    assert!(
        handled.reply.is_ok(),
        "permanent failures do not fail the invocation"
    );
    let report = &handled.reports[0];
    assert_eq!(report.outcome.kind(), kind, "{:?}", report.outcome);
    assert_eq!(report.outcome.retry(), Some(Retry::Permanent));
}

#[tokio::test]
async fn tricky_keys_in_one_event_are_decoded_and_resized_with_metadata() {
    let world = World::new("tricky").await;
    let keys = [
        "upload/a photo.png",
        "upload/a+b.png",
        "upload/100%+sure.jpg",
        "upload/été/東京 タワー.png",
        "upload/deep/1/2/3/4/5/6/7/8/9/photo.jpg",
    ];
    let mut objects = Vec::new();
    let mut etags = Vec::new();
    for key in keys {
        let bytes = if key.ends_with(".jpg") {
            common::jpeg(64, 48)
        } else {
            common::png(64, 48)
        };
        let size = bytes.len() as u64;
        etags.push((world.put(SOURCE, key, bytes).await, size));
    }
    for (key, (etag, size)) in keys.iter().zip(&etags) {
        objects.push(Obj {
            key,
            size: *size,
            etag,
        });
    }
    let handler = world.handler(&[("DOWNSIZE_CACHE_CONTROL", "max-age=60")], 2);
    let handled = handler.handle(&s3_event(SOURCE, &objects), None).await;
    assert!(handled.reply.is_ok(), "{:?}", handled.reply);
    assert_eq!(kinds(&handled), vec!["written"; keys.len()]);

    for (key, (etag, _)) in keys.iter().zip(&etags) {
        let head = world
            .head(DESTINATION, key)
            .await
            .unwrap_or_else(|| panic!("{key}"));
        let expected_type = if key.ends_with(".jpg") {
            "image/jpeg"
        } else {
            "image/png"
        };
        assert_eq!(head.content_type(), Some(expected_type));
        assert_eq!(head.cache_control(), Some("max-age=60"));
        let metadata = head.metadata().unwrap();
        assert_eq!(metadata[META_SOURCE_ETAG], *etag);
        assert_eq!(metadata[META_WIDTH], "32");
        assert_eq!(metadata[META_HEIGHT], "24");
        assert!(metadata[META_OUTPUT].starts_with("downsize-lambda/"));
        let bytes = world.get(DESTINATION, key).await.unwrap();
        let info = downsize::probe(&bytes).unwrap();
        assert_eq!((info.width, info.height), (32, 24));
    }
    assert_eq!(world.keys(DESTINATION).await.len(), keys.len());
}

#[tokio::test]
async fn upload_of_20_mb_is_streamed_and_resized() {
    let world = World::new("large").await;
    let bytes = common::noise_png(2300, 2300);
    assert!(bytes.len() > 20_000_000, "{} bytes", bytes.len());
    let size = bytes.len() as u64;
    let etag = world.put(SOURCE, "big/noise.png", bytes).await;
    let handler = world.handler(&[], 2);
    let event = s3_event(
        SOURCE,
        &[Obj {
            key: "big/noise.png",
            size,
            etag: &etag,
        }],
    );
    let handled = handler.handle(&event, None).await;
    assert!(handled.reply.is_ok(), "{:?}", handled.reply);
    let report = &handled.reports[0];
    assert_eq!(report.outcome.kind(), "written", "{:?}", report.outcome);
    assert_eq!(report.metrics.bytes_in, size);
    assert_eq!(
        (report.copies[0].width, report.copies[0].height),
        (1150, 1150)
    );
    assert!(report.metrics.megapixels > 5.0);
    let written = world.get(DESTINATION, "big/noise.png").await.unwrap();
    assert_eq!(written.len() as u64, report.metrics.bytes_out);
}

#[tokio::test]
async fn corrupt_and_unsupported_uploads_are_permanent_and_write_nothing() {
    let world = World::new("corrupt").await;
    let mut truncated = common::png(64, 64);
    truncated.truncate(truncated.len() / 2);
    truncated.extend_from_slice(&[0xFF; 64]);
    let handler = world.handler(&[], 2);
    for (key, bytes, kinds) in [
        ("bad/truncated.png", truncated, &["corrupt"][..]),
        (
            "bad/text.jpg",
            b"hello, not an image".to_vec(),
            &["unsupported", "corrupt"][..],
        ),
    ] {
        let size = bytes.len() as u64;
        let etag = world.put(SOURCE, key, bytes).await;
        let handled = handler
            .handle(
                &s3_event(
                    SOURCE,
                    &[Obj {
                        key,
                        size,
                        etag: &etag,
                    }],
                ),
                None,
            )
            .await;
        assert!(handled.reply.is_ok());
        let outcome = &handled.reports[0].outcome;
        assert!(kinds.contains(&outcome.kind()), "{key}: {outcome:?}");
        assert!(matches!(outcome, Outcome::Failed(Error::Image(_))));
        assert_eq!(outcome.retry(), Some(Retry::Permanent));
    }
    assert!(world.keys(DESTINATION).await.is_empty());
}

#[tokio::test]
async fn missing_object_is_a_permanent_failure() {
    let world = World::new("missing").await;
    let handler = world.handler(&[], 2);
    let event = s3_event(
        SOURCE,
        &[Obj {
            key: "gone.jpg",
            size: 10,
            etag: "abc",
        }],
    );
    let handled = handler.handle(&event, None).await;
    assert_permanent(&handled, "storage_permanent");
    assert!(handled.reports[0]
        .outcome
        .retry()
        .is_some_and(|r| r == Retry::Permanent));
    match &handled.reports[0].outcome {
        Outcome::Failed(Error::Storage { code, .. }) => assert_eq!(code, "NoSuchKey"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn duplicate_event_reads_and_writes_nothing() {
    let world = World::new("duplicate").await;
    let bytes = common::jpeg(80, 60);
    let size = bytes.len() as u64;
    let etag = world.put(SOURCE, "dup.jpg", bytes).await;
    let event = s3_event(
        SOURCE,
        &[Obj {
            key: "dup.jpg",
            size,
            etag: &etag,
        }],
    );
    let handler = world.handler(&[], 2);
    assert_eq!(kinds(&handler.handle(&event, None).await), vec!["written"]);

    world.proxy.clear_log();
    let again = handler.handle(&event, None).await;
    assert!(again.reply.is_ok());
    assert_eq!(kinds(&again), vec!["already_done"]);
    let requests = world.proxy.requests();
    assert!(
        requests.iter().all(|(method, _)| method == Method::HEAD),
        "a duplicate may only look: {requests:?}"
    );

    // A new upload under the same key has a new ETag and is processed again.
    let bytes = common::jpeg(100, 60);
    let size = bytes.len() as u64;
    let new_etag = world.put(SOURCE, "dup.jpg", bytes).await;
    assert_ne!(new_etag, etag);
    let event = s3_event(
        SOURCE,
        &[Obj {
            key: "dup.jpg",
            size,
            etag: &new_etag,
        }],
    );
    assert_eq!(kinds(&handler.handle(&event, None).await), vec!["written"]);
    let head = world.head(DESTINATION, "dup.jpg").await.unwrap();
    assert_eq!(head.metadata().unwrap()[META_WIDTH], "50");
}

#[tokio::test]
async fn sqs_batch_reports_only_messages_that_failed_transiently() {
    let world = World::new("sqs").await;
    let good = common::png(40, 40);
    let good_etag = world.put(SOURCE, "q/good.png", good.clone()).await;
    let slow_etag = world.put(SOURCE, "q/slow.png", good.clone()).await;
    let corrupt_etag = world
        .put(SOURCE, "q/corrupt.png", b"\x89PNG\r\n\x1a\nnope".to_vec())
        .await;
    let size = good.len() as u64;
    let body = |key: &str, etag: &str, size: u64| s3_event(SOURCE, &[Obj { key, size, etag }]);
    let event = sqs_event(&[
        ("m-good", body("q/good.png", &good_etag, size)),
        ("m-slow", body("q/slow.png", &slow_etag, size)),
        ("m-corrupt", body("q/corrupt.png", &corrupt_etag, 16)),
        ("m-missing", body("q/missing.png", "0000", 10)),
        ("m-test", common::fixture("s3_test_event.json")),
    ]);
    world
        .proxy
        .inject(Method::GET, "q/slow.png", FaultKind::SlowDown, 100);
    let handler = world.handler(&[], 2);
    let handled = handler.handle(&event, None).await;
    assert_eq!(
        handled.reply.as_ref().unwrap(),
        &json!({"batchItemFailures": [{"itemIdentifier": "m-slow"}]})
    );
    assert_eq!(
        world.proxy.count(&Method::GET, "q/slow.png"),
        2,
        "the SDK retried within its attempt budget"
    );
    assert!(world.head(DESTINATION, "q/good.png").await.is_some());
    assert!(world.head(DESTINATION, "q/slow.png").await.is_none());

    // SQS delivers the failed message again; nothing was lost.
    world.proxy.heal();
    let again = sqs_event(&[("m-slow", body("q/slow.png", &slow_etag, size))]);
    let handled = handler.handle(&again, None).await;
    assert_eq!(handled.reply.unwrap(), json!({"batchItemFailures": []}));
    assert!(world.head(DESTINATION, "q/slow.png").await.is_some());
}

#[tokio::test]
async fn slowdown_within_the_retry_budget_succeeds() {
    let world = World::new("slowdown").await;
    let bytes = common::png(50, 50);
    let size = bytes.len() as u64;
    let etag = world.put(SOURCE, "s.png", bytes).await;
    world
        .proxy
        .inject(Method::GET, "/photos/s.png", FaultKind::SlowDown, 2);
    world
        .proxy
        .inject(Method::PUT, "/photos-resized/s.png", FaultKind::SlowDown, 2);
    let handler = world.handler(&[], 3);
    let handled = handler
        .handle(
            &s3_event(
                SOURCE,
                &[Obj {
                    key: "s.png",
                    size,
                    etag: &etag,
                }],
            ),
            None,
        )
        .await;
    assert!(handled.reply.is_ok(), "{:?}", handled.reply);
    assert_eq!(kinds(&handled), vec!["written"]);
    assert_eq!(world.proxy.count(&Method::GET, "/photos/s.png"), 3);
    assert_eq!(world.proxy.count(&Method::PUT, "/photos-resized/s.png"), 3);
}

#[tokio::test]
async fn persistent_slowdown_fails_the_invocation_and_redelivery_completes_it() {
    let world = World::new("persistent").await;
    let bytes = common::png(50, 50);
    let size = bytes.len() as u64;
    let etag_a = world.put(SOURCE, "p/a.png", bytes.clone()).await;
    let etag_b = world.put(SOURCE, "p/b.png", bytes).await;
    let event = s3_event(
        SOURCE,
        &[
            Obj {
                key: "p/a.png",
                size,
                etag: &etag_a,
            },
            Obj {
                key: "p/b.png",
                size,
                etag: &etag_b,
            },
        ],
    );
    world.proxy.inject(
        Method::PUT,
        "/photos-resized/p/b.png",
        FaultKind::SlowDown,
        100,
    );
    let handler = world.handler(&[], 2);
    let handled = handler.handle(&event, None).await;
    let error = handled.reply.as_ref().unwrap_err();
    assert_eq!(error.retry(), Retry::Transient);
    assert_eq!(error.error_type(), "Downsize.Retry");
    assert_eq!(kinds(&handled), vec!["written", "storage_transient"]);
    assert!(world.head(DESTINATION, "p/b.png").await.is_none());

    world.proxy.heal();
    let handled = handler.handle(&event, None).await;
    assert!(handled.reply.is_ok());
    assert_eq!(kinds(&handled), vec!["already_done", "written"]);
}

#[tokio::test]
async fn connection_dropped_mid_body_is_transient_and_leaves_no_partial_copy() {
    let world = World::new("dropped").await;
    let bytes = common::noise_png(300, 300);
    let size = bytes.len() as u64;
    let etag = world.put(SOURCE, "d.png", bytes).await;
    let event = s3_event(
        SOURCE,
        &[Obj {
            key: "d.png",
            size,
            etag: &etag,
        }],
    );
    world
        .proxy
        .inject(Method::GET, "/photos/d.png", FaultKind::DropMidBody, 1);
    let handler = world.handler(&[], 3);
    let handled = handler.handle(&event, None).await;
    assert_eq!(
        handled.reply.as_ref().unwrap_err().retry(),
        Retry::Transient
    );
    match &handled.reports[0].outcome {
        Outcome::Failed(Error::Storage { retry, code, .. }) => {
            assert_eq!(*retry, Retry::Transient);
            assert!(
                ["BodyStreamError", "TruncatedBody"].contains(&code.as_str()),
                "{code}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(world.keys(DESTINATION).await.is_empty());

    let handled = handler.handle(&event, None).await;
    assert!(handled.reply.is_ok());
    assert_eq!(kinds(&handled), vec!["written"]);
}

/// A task the function cannot read (here a key that is not valid percent-encoding) is a
/// permanent failure whose message says so once, not "malformed event: malformed event: ...".
#[tokio::test]
async fn batch_operations_malformed_tasks_are_reported_once() {
    let world = World::new("batch-malformed").await;
    let handler = world.handler(&[], 1);
    let mut event = batch_event("2.0", SOURCE, &[("t-bad", "x.png")]);
    event["tasks"][0]["s3Key"] = json!("bad%ZZkey.png");
    let reply = handler.handle(&event, None).await.reply.unwrap();
    let result = &reply["results"][0];
    assert_eq!(result["resultCode"], "PermanentFailure");
    let message = result["resultString"].as_str().unwrap();
    assert!(message.starts_with("malformed event: "), "{message}");
    assert_eq!(message.matches("malformed event").count(), 1, "{message}");
}

#[tokio::test]
async fn batch_operations_tasks_get_per_task_result_codes() {
    let world = World::new("batch").await;
    let good = common::png(30, 30);
    world.put(SOURCE, "b/good.png", good.clone()).await;
    world.put(SOURCE, "b/slow.png", good).await;
    world
        .put(SOURCE, "b/corrupt.png", b"GIF89a....".to_vec())
        .await;
    world
        .proxy
        .inject(Method::GET, "b/slow.png", FaultKind::SlowDown, 100);
    let handler = world.handler(&[], 2);
    for schema in ["1.0", "2.0"] {
        let event = batch_event(
            schema,
            SOURCE,
            &[
                ("t-good", "b/good.png"),
                ("t-missing", "b/missing.png"),
                ("t-slow", "b/slow.png"),
                ("t-corrupt", "b/corrupt.png"),
            ],
        );
        let reply = handler.handle(&event, None).await.reply.unwrap();
        assert_eq!(reply["invocationSchemaVersion"], schema);
        assert_eq!(reply["treatMissingKeysAs"], "PermanentFailure");
        let codes: Vec<(&str, &str)> = reply["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["taskId"].as_str().unwrap(),
                    r["resultCode"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            codes,
            vec![
                ("t-good", "Succeeded"),
                ("t-missing", "PermanentFailure"),
                ("t-slow", "TemporaryFailure"),
                ("t-corrupt", "PermanentFailure"),
            ],
            "schema {schema}"
        );
    }
    assert_eq!(world.keys(DESTINATION).await, vec!["b/good.png".to_owned()]);
}

#[tokio::test]
async fn eventbridge_object_created_key_is_used_verbatim() {
    let world = World::new("eventbridge").await;
    let bytes = common::png(20, 20);
    let size = bytes.len() as u64;
    let key = "eb/a+b%2B c.png";
    let etag = world.put(SOURCE, key, bytes).await;
    let handler = world.handler(&[], 2);
    let handled = handler
        .handle(
            &eventbridge_event(
                SOURCE,
                &Obj {
                    key,
                    size,
                    etag: &etag,
                },
            ),
            None,
        )
        .await;
    assert!(handled.reply.is_ok());
    assert_eq!(kinds(&handled), vec!["written"]);
    assert!(world.head(DESTINATION, key).await.is_some());
}

#[tokio::test]
async fn oversized_upload_is_refused_from_the_event_size_before_downloading() {
    let world = World::new("oversized").await;
    let bytes = common::png(64, 64);
    let size = bytes.len() as u64;
    let etag = world.put(SOURCE, "o.png", bytes).await;
    let limit = (size - 1).to_string();
    let handler = world.handler(&[("DOWNSIZE_MAX_INPUT_BYTES", &limit)], 2);
    world.proxy.clear_log();
    let handled = handler
        .handle(
            &s3_event(
                SOURCE,
                &[Obj {
                    key: "o.png",
                    size,
                    etag: &etag,
                }],
            ),
            None,
        )
        .await;
    assert_permanent(&handled, "too_large");
    assert!(
        world.proxy.requests().is_empty(),
        "{:?}",
        world.proxy.requests()
    );

    // Batch Operations tasks carry no size: the Content-Length of the response refuses it.
    let handled = handler
        .handle(&batch_event("2.0", SOURCE, &[("t", "o.png")]), None)
        .await;
    assert_eq!(handled.reports[0].outcome.kind(), "too_large");
    assert_eq!(handled.reports[0].metrics.bytes_in, 0);
    assert!(world.keys(DESTINATION).await.is_empty());
}

#[tokio::test]
async fn own_output_and_recursive_destinations_are_skipped() {
    let world = World::new("recursion").await;
    let bytes = common::png(20, 20);
    let size = bytes.len() as u64;
    let marker = HashMap::from([(META_OUTPUT.to_owned(), "downsize-lambda/0".to_owned())]);
    let etag = world
        .put_with_metadata(SOURCE, "mine.png", bytes.clone(), marker)
        .await;
    let handler = world.handler(&[], 2);
    let event = s3_event(
        SOURCE,
        &[Obj {
            key: "mine.png",
            size,
            etag: &etag,
        }],
    );
    let handled = handler.handle(&event, None).await;
    assert!(handled.reply.is_ok());
    assert_eq!(kinds(&handled), vec!["own_output"]);

    // A literal destination equal to the trigger bucket is refused per object.
    let etag = world.put(SOURCE, "plain.png", bytes).await;
    let same = world.handler(&[("DOWNSIZE_DEST_BUCKET", SOURCE)], 2);
    let event = s3_event(
        SOURCE,
        &[Obj {
            key: "plain.png",
            size,
            etag: &etag,
        }],
    );
    assert_permanent(&same.handle(&event, None).await, "recursion");
    assert!(world.keys(DESTINATION).await.is_empty());
    assert_eq!(world.keys(SOURCE).await.len(), 2);
}

#[tokio::test]
async fn same_bucket_with_disjoint_prefixes_writes_outside_the_trigger() {
    let world = World::new("prefixes").await;
    let bytes = common::png(20, 20);
    let size = bytes.len() as u64;
    let etag = world.put(SOURCE, "upload/x.png", bytes).await;
    let handler = world.handler(
        &[
            ("DOWNSIZE_DEST_BUCKET", "{bucket}"),
            ("DOWNSIZE_SOURCE_PREFIX", "upload/"),
            ("DOWNSIZE_DEST_KEY", "resized/{path}"),
        ],
        2,
    );
    let handled = handler
        .handle(
            &s3_event(
                SOURCE,
                &[Obj {
                    key: "upload/x.png",
                    size,
                    etag: &etag,
                }],
            ),
            None,
        )
        .await;
    assert_eq!(kinds(&handled), vec!["written"]);
    let copy = world.head(SOURCE, "resized/x.png").await.unwrap();
    let copy_etag = copy.e_tag().unwrap().trim_matches('"').to_owned();
    // The copy's own event, had the trigger no prefix filter, is skipped without a request.
    world.proxy.clear_log();
    let echo = s3_event(
        SOURCE,
        &[Obj {
            key: "resized/x.png",
            size: 1,
            etag: &copy_etag,
        }],
    );
    assert_eq!(
        kinds(&handler.handle(&echo, None).await),
        vec!["outside_source_prefix"]
    );
    assert!(world.proxy.requests().is_empty());
}

#[tokio::test]
async fn several_variants_are_written_under_their_names() {
    let world = World::new("variants").await;
    let bytes = common::png(64, 32);
    let size = bytes.len() as u64;
    let etag = world.put(SOURCE, "v/p.png", bytes).await;
    let handler = world.handler(
        &[
            ("DOWNSIZE_VARIANTS", "half,w16@jpeg"),
            ("DOWNSIZE_DEST_KEY", "{variant}/{stem}.{ext}"),
        ],
        2,
    );
    let handled = handler
        .handle(
            &s3_event(
                SOURCE,
                &[Obj {
                    key: "v/p.png",
                    size,
                    etag: &etag,
                }],
            ),
            None,
        )
        .await;
    assert_eq!(kinds(&handled), vec!["written"]);
    assert_eq!(
        world.keys(DESTINATION).await,
        vec!["half/v/p.png".to_owned(), "w16@jpeg/v/p.jpg".to_owned()]
    );
    let jpeg = world.head(DESTINATION, "w16@jpeg/v/p.jpg").await.unwrap();
    assert_eq!(jpeg.content_type(), Some("image/jpeg"));
    assert_eq!(jpeg.metadata().unwrap()[META_WIDTH], "16");
    assert_eq!(jpeg.metadata().unwrap()[META_HEIGHT], "8");
}

#[tokio::test]
async fn versioned_event_reads_the_named_version_and_records_it() {
    let world = World::new("version").await;
    let bytes = common::png(20, 20);
    let size = bytes.len() as u64;
    let etag = world.put(SOURCE, "ver.png", bytes).await;
    let mut event = s3_event(
        SOURCE,
        &[Obj {
            key: "ver.png",
            size,
            etag: &etag,
        }],
    );
    event["Records"][0]["s3"]["object"]["versionId"] = json!("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY");
    let handler = world.handler(&[], 2);
    let handled = handler.handle(&event, None).await;
    assert_eq!(kinds(&handled), vec!["written"]);
    assert_eq!(
        world
            .proxy
            .count(&Method::GET, "versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"),
        1
    );
    let head = world.head(DESTINATION, "ver.png").await.unwrap();
    assert_eq!(
        head.metadata().unwrap()[META_SOURCE_VERSION],
        "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    );
}

#[tokio::test]
async fn work_stops_before_the_deadline_and_the_rest_comes_back() {
    let world = World::new("deadline").await;
    let bytes = common::png(20, 20);
    let size = bytes.len() as u64;
    let etag = world.put(SOURCE, "late.png", bytes).await;
    let body = s3_event(
        SOURCE,
        &[Obj {
            key: "late.png",
            size,
            etag: &etag,
        }],
    );
    let handler = world.handler(&[("DOWNSIZE_DEADLINE_MARGIN_MS", "1000")], 2);
    // Less time left than the margin: nothing is started.
    let deadline = Some(Instant::now() + Duration::from_millis(500));
    let handled = handler
        .handle(
            &sqs_event(&[("m1", body.clone()), ("m2", body.clone())]),
            deadline,
        )
        .await;
    assert_eq!(
        handled.reply.unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]})
    );
    let direct = handler.handle(&body, deadline).await;
    assert_eq!(direct.reply.as_ref().unwrap_err().retry(), Retry::Transient);
    assert_eq!(kinds(&direct), vec!["deadline"]);
    assert!(world.keys(DESTINATION).await.is_empty());

    // With time left the same event completes.
    let deadline = Some(Instant::now() + Duration::from_secs(60));
    assert_eq!(
        kinds(&handler.handle(&body, deadline).await),
        vec!["written"]
    );
}

#[tokio::test]
async fn an_engine_panic_costs_one_record_and_the_engine_is_rebuilt() {
    let engine = Mutex::new(Engine::new(Limits::for_memory_mb(512)));
    let result: Result<(), Error> = run_isolated(
        &engine,
        || Engine::new(Limits::for_memory_mb(512)),
        |_| panic!("decoder bug on this input"),
    );
    match result {
        Err(error @ Error::Panic(_)) => {
            assert!(error.to_string().contains("decoder bug"));
            assert_eq!(error.retry(), Retry::Transient);
        }
        other => panic!("{other:?}"),
    }
    assert!(!engine.is_poisoned());
    let outputs = run_isolated(
        &engine,
        || unreachable!("no panic, no rebuild"),
        |engine| engine.process(&common::png(10, 10), &Request::default()),
    )
    .unwrap();
    assert_eq!((outputs[0].width, outputs[0].height), (5, 5));
}

/// Uploads `bytes` as `key` in the source bucket; its notification and ETag.
async fn upload(world: &World, key: &str, bytes: Vec<u8>) -> (serde_json::Value, String) {
    let size = bytes.len() as u64;
    let etag = world.put(SOURCE, key, bytes).await;
    let event = s3_event(
        SOURCE,
        &[Obj {
            key,
            size,
            etag: &etag,
        }],
    );
    (event, etag)
}

/// The source object still holds exactly what was uploaded, and nothing wrote to it.
async fn assert_source_untouched(world: &World, key: &str, bytes: &[u8], etag: &str) {
    assert_eq!(
        world.get(SOURCE, key).await.as_deref(),
        Some(bytes),
        "{key}"
    );
    let head = world.head(SOURCE, key).await.unwrap();
    assert_eq!(head.e_tag().map(|e| e.trim_matches('"')), Some(etag));
    assert!(!head.metadata().unwrap().contains_key(META_OUTPUT));
}

/// The destination holds one complete copy of `key` of `size`, decodable to the last byte.
async fn assert_complete_copy(world: &World, key: &str, size: (u32, u32), source_etag: &str) {
    let bytes = world
        .get(DESTINATION, key)
        .await
        .unwrap_or_else(|| panic!("no copy of {key}"));
    assert_eq!(common::decoded_size(&bytes).unwrap(), size, "{key}");
    let head = world.head(DESTINATION, key).await.unwrap();
    assert_eq!(head.content_length(), Some(bytes.len() as i64));
    assert_eq!(head.metadata().unwrap()[META_SOURCE_ETAG], source_etag);
}

/// Checks that the only object failed transiently on S3 and failed the invocation with it, so
/// Lambda delivers the event again; returns the S3 error code and message.
fn transient_storage_code(handled: &Handled) -> (String, String) {
    let error = handled.reply.as_ref().unwrap_err();
    assert_eq!(error.retry(), Retry::Transient);
    assert_eq!(error.error_type(), "Downsize.Retry");
    assert_eq!(kinds(handled), vec!["storage_transient"]);
    match &handled.reports[0].outcome {
        Outcome::Failed(Error::Storage {
            retry,
            code,
            message,
            ..
        }) => {
            assert_eq!(*retry, Retry::Transient);
            (code.clone(), message.clone())
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn internal_error_on_get_is_retried_within_the_budget_then_fails_the_invocation() {
    let world = World::new("get500").await;
    let handler = world.handler(&[], 3);

    // Two 500s, three attempts: the SDK absorbs them.
    let bytes = common::png(40, 30);
    let (event, etag) = upload(&world, "g/once.png", bytes.clone()).await;
    world.proxy.inject(
        Method::GET,
        "/photos/g/once.png",
        FaultKind::InternalError,
        2,
    );
    let handled = handler.handle(&event, None).await;
    assert!(handled.reply.is_ok(), "{:?}", handled.reply);
    assert_eq!(kinds(&handled), vec!["written"]);
    assert_eq!(world.proxy.count(&Method::GET, "/photos/g/once.png"), 3);
    assert_complete_copy(&world, "g/once.png", (20, 15), &etag).await;
    assert_source_untouched(&world, "g/once.png", &bytes, &etag).await;

    // More 500s than attempts: the invocation fails so Lambda delivers the event again.
    let (event, etag) = upload(&world, "g/always.png", bytes.clone()).await;
    world.proxy.inject(
        Method::GET,
        "/photos/g/always.png",
        FaultKind::InternalError,
        100,
    );
    let handled = handler.handle(&event, None).await;
    let (code, _) = transient_storage_code(&handled);
    assert_eq!(code, "InternalError");
    assert_eq!(
        world.proxy.count(&Method::GET, "/photos/g/always.png"),
        3,
        "every attempt of the budget, no more"
    );
    assert_eq!(world.proxy.count(&Method::PUT, "/photos-resized/"), 1);
    assert_eq!(world.keys(DESTINATION).await, vec!["g/once.png".to_owned()]);
    assert_source_untouched(&world, "g/always.png", &bytes, &etag).await;

    world.proxy.heal();
    assert_eq!(kinds(&handler.handle(&event, None).await), vec!["written"]);
    assert_complete_copy(&world, "g/always.png", (20, 15), &etag).await;
}

#[tokio::test]
async fn internal_error_on_put_is_retried_within_the_budget_and_otherwise_writes_nothing() {
    let world = World::new("put500").await;
    let handler = world.handler(&[], 2);

    let bytes = common::jpeg(48, 32);
    let (event, etag) = upload(&world, "p/once.jpg", bytes.clone()).await;
    world.proxy.inject(
        Method::PUT,
        "/photos-resized/p/once.jpg",
        FaultKind::InternalError,
        1,
    );
    let handled = handler.handle(&event, None).await;
    assert!(handled.reply.is_ok(), "{:?}", handled.reply);
    assert_eq!(kinds(&handled), vec!["written"]);
    assert_eq!(
        world
            .proxy
            .count(&Method::PUT, "/photos-resized/p/once.jpg"),
        2
    );
    assert_complete_copy(&world, "p/once.jpg", (24, 16), &etag).await;

    let (event, etag) = upload(&world, "p/always.jpg", bytes.clone()).await;
    world.proxy.inject(
        Method::PUT,
        "/photos-resized/p/always.jpg",
        FaultKind::InternalError,
        100,
    );
    let handled = handler.handle(&event, None).await;
    let (code, _) = transient_storage_code(&handled);
    assert_eq!(code, "InternalError");
    assert_eq!(
        world
            .proxy
            .count(&Method::PUT, "/photos-resized/p/always.jpg"),
        2
    );
    assert!(handled.reports[0].copies.is_empty());
    assert_eq!(handled.reports[0].metrics.bytes_out, 0);
    assert_eq!(world.keys(DESTINATION).await, vec!["p/once.jpg".to_owned()]);
    assert_source_untouched(&world, "p/always.jpg", &bytes, &etag).await;

    world.proxy.heal();
    assert_eq!(kinds(&handler.handle(&event, None).await), vec!["written"]);
    assert_complete_copy(&world, "p/always.jpg", (24, 16), &etag).await;
}

#[tokio::test]
async fn upload_cut_mid_body_leaves_no_partial_copy() {
    let world = World::new("putcut").await;
    let handler = world.handler(&[], 2);
    // Incompressible, so the copy is large enough to be cut in a meaningful place.
    let bytes = common::noise_png(120, 120);

    // Cut once: the SDK sends the upload again and the copy is whole.
    let (event, etag) = upload(&world, "c/once.png", bytes.clone()).await;
    world.proxy.inject(
        Method::PUT,
        "/photos-resized/c/once.png",
        FaultKind::CutRequestBody,
        1,
    );
    let handled = handler.handle(&event, None).await;
    assert!(handled.reply.is_ok(), "{:?}", handled.reply);
    assert_eq!(kinds(&handled), vec!["written"]);
    assert_eq!(
        world
            .proxy
            .count(&Method::PUT, "/photos-resized/c/once.png"),
        2
    );
    assert_complete_copy(&world, "c/once.png", (60, 60), &etag).await;
    let written = world.get(DESTINATION, "c/once.png").await.unwrap();
    assert_eq!(written.len() as u64, handled.reports[0].metrics.bytes_out);

    // Cut every time: transient, and the server kept none of the halves it received.
    let (event, etag) = upload(&world, "c/always.png", bytes.clone()).await;
    world.proxy.inject(
        Method::PUT,
        "/photos-resized/c/always.png",
        FaultKind::CutRequestBody,
        100,
    );
    let handled = handler.handle(&event, None).await;
    transient_storage_code(&handled);
    assert_eq!(
        world
            .proxy
            .count(&Method::PUT, "/photos-resized/c/always.png"),
        2
    );
    assert_eq!(world.keys(DESTINATION).await, vec!["c/once.png".to_owned()]);
    assert_source_untouched(&world, "c/always.png", &bytes, &etag).await;

    world.proxy.heal();
    assert_eq!(kinds(&handler.handle(&event, None).await), vec!["written"]);
    assert_complete_copy(&world, "c/always.png", (60, 60), &etag).await;
}

#[tokio::test]
async fn put_failure_on_a_later_variant_leaves_only_complete_copies_and_redelivery_completes() {
    let world = World::new("putvariant").await;
    let handler = world.handler(
        &[
            ("DOWNSIZE_VARIANTS", "half,w16@jpeg"),
            ("DOWNSIZE_DEST_KEY", "{variant}/{stem}.{ext}"),
        ],
        2,
    );
    let bytes = common::png(64, 32);
    let (event, etag) = upload(&world, "v/p.png", bytes.clone()).await;
    world
        .proxy
        .inject(Method::PUT, "/v/p.jpg", FaultKind::InternalError, 100);
    let handled = handler.handle(&event, None).await;
    let (code, _) = transient_storage_code(&handled);
    assert_eq!(code, "InternalError");
    assert_eq!(
        world.proxy.count(&Method::PUT, "/v/p.jpg"),
        2,
        "{:?}",
        world.proxy.requests()
    );
    // The failed variant is absent; the one written before it is a whole copy, which the
    // redelivery rewrites because the set is incomplete.
    assert_eq!(
        world.keys(DESTINATION).await,
        vec!["half/v/p.png".to_owned()]
    );
    assert_complete_copy(&world, "half/v/p.png", (32, 16), &etag).await;
    assert_source_untouched(&world, "v/p.png", &bytes, &etag).await;

    world.proxy.heal();
    assert_eq!(kinds(&handler.handle(&event, None).await), vec!["written"]);
    assert_eq!(
        world.keys(DESTINATION).await,
        vec!["half/v/p.png".to_owned(), "w16@jpeg/v/p.jpg".to_owned()]
    );
    assert_complete_copy(&world, "w16@jpeg/v/p.jpg", (16, 8), &etag).await;
}

#[tokio::test]
async fn body_shorter_than_its_content_length_is_transient_and_writes_nothing() {
    let world = World::new("short").await;
    let handler = world.handler(&[], 3);
    let bytes = common::noise_png(100, 100);
    let size = bytes.len();
    let (event, etag) = upload(&world, "s/short.png", bytes.clone()).await;
    // Only the last byte is missing: a reader that trusted the end of the stream would hand
    // the decoder a file that is almost whole.
    world.proxy.inject(
        Method::GET,
        "/photos/s/short.png",
        FaultKind::ShortBody(1),
        1,
    );
    let handled = handler.handle(&event, None).await;
    let (code, message) = transient_storage_code(&handled);
    assert!(
        ["BodyStreamError", "TruncatedBody"].contains(&code.as_str()),
        "{code}: {message}"
    );
    assert!(message.contains(&format!("of {size} bytes")), "{message}");
    assert_eq!(
        world.proxy.count(&Method::GET, "/photos/s/short.png"),
        1,
        "a body already handed over is not retried by the SDK: the event must come again"
    );
    assert_eq!(handled.reports[0].metrics.bytes_in, 0);
    assert!(world.keys(DESTINATION).await.is_empty());
    assert_source_untouched(&world, "s/short.png", &bytes, &etag).await;

    let handled = handler.handle(&event, None).await;
    assert!(handled.reply.is_ok(), "{:?}", handled.reply);
    assert_eq!(kinds(&handled), vec!["written"]);
    assert_complete_copy(&world, "s/short.png", (50, 50), &etag).await;
}

#[tokio::test]
async fn body_that_stalls_is_abandoned_at_the_deadline_and_the_event_comes_back() {
    let world = World::new("slowbody").await;
    let handler = world.handler(&[("DOWNSIZE_DEADLINE_MARGIN_MS", "500")], 2);
    let bytes = common::noise_png(100, 100);
    let (event, etag) = upload(&world, "slow.png", bytes.clone()).await;
    world.proxy.inject(
        Method::GET,
        "/photos/slow.png",
        FaultKind::SlowBody(Duration::from_secs(20)),
        1,
    );
    let started = Instant::now();
    let deadline = started + Duration::from_millis(1500);
    let handled = handler.handle(&event, Some(deadline)).await;
    let waited = started.elapsed();
    assert_eq!(
        handled.reply.as_ref().unwrap_err().retry(),
        Retry::Transient
    );
    assert_eq!(kinds(&handled), vec!["deadline"]);
    assert!(
        waited >= Duration::from_millis(1000) && waited < Duration::from_secs(5),
        "stopped {waited:?} after the start; the cutoff was at 1 s, the server stalls for 20 s"
    );
    assert_eq!(world.proxy.count(&Method::GET, "/photos/slow.png"), 1);
    assert!(world.keys(DESTINATION).await.is_empty());
    assert_source_untouched(&world, "slow.png", &bytes, &etag).await;

    let deadline = Instant::now() + Duration::from_secs(60);
    assert_eq!(
        kinds(&handler.handle(&event, Some(deadline)).await),
        vec!["written"]
    );
    assert_complete_copy(&world, "slow.png", (50, 50), &etag).await;
}
