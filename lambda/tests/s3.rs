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
