//! Every event shape, parsed from AWS's documented JSON (kept in `tests/events/`).
#![allow(clippy::unwrap_used)]

mod common;

use common::fixture;
use downsize_lambda::event::{batch_reply, sqs_reply, BatchResultCode, Event, ObjectRef};

fn objects(event: Event) -> Vec<ObjectRef> {
    match event {
        Event::S3 { objects } => objects.into_iter().map(Result::unwrap).collect(),
        other => panic!("expected an S3 notification, got {other:?}"),
    }
}

#[test]
fn s3_put_notification_names_bucket_decoded_key_size_and_etag() {
    let objects = objects(Event::parse(&fixture("s3_put.json")).unwrap());
    assert_eq!(
        objects,
        vec![ObjectRef {
            bucket: "example-bucket".into(),
            key: "test/key".into(),
            version_id: None,
            size: Some(1024),
            etag: Some("0123456789abcdef0123456789abcdef".into()),
        }]
    );
}

#[test]
fn s3_records_keep_only_creations_and_decode_plus_percent_and_utf8() {
    let objects = objects(Event::parse(&fixture("s3_mixed_records.json")).unwrap());
    assert_eq!(objects.len(), 2, "the ObjectRemoved record is dropped");
    assert_eq!(objects[0].key, "upload/original/red flower+1.jpg");
    assert_eq!(
        objects[0].version_id.as_deref(),
        Some("096fKKXTRTtl3on89fVO.nfljtsv6qko")
    );
    assert_eq!(objects[1].key, "upload/original/été/東京 2026.png");
    assert_eq!(objects[1].size, Some(52_428_800));
    assert_eq!(
        objects[1].etag.as_deref(),
        Some("9b2cf535f27731c974343645a3985328-7"),
        "quotes are not part of the ETag"
    );
}

#[test]
fn s3_delete_and_test_events_ask_for_nothing() {
    assert!(objects(Event::parse(&fixture("s3_delete.json")).unwrap()).is_empty());
    assert!(matches!(
        Event::parse(&fixture("s3_test_event.json")).unwrap(),
        Event::Ignored { .. }
    ));
}

#[test]
fn sqs_messages_carry_s3_records_and_test_events_are_empty() {
    let Event::Sqs { messages } = Event::parse(&fixture("sqs_s3.json")).unwrap() else {
        panic!("expected SQS");
    };
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[0].message_id,
        "059f36b4-87a3-44ab-83d2-661975830a7d"
    );
    let first = messages[0].objects.as_ref().unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].as_ref().unwrap().key, "test/key");
    assert!(messages[1].objects.as_ref().unwrap().is_empty());
}

#[test]
fn sqs_body_inside_an_sns_envelope_is_unwrapped() {
    let envelope = serde_json::json!({
        "Type": "Notification",
        "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:uploads",
        "Message": fixture("s3_put.json").to_string(),
    });
    let event = common::sqs_event(&[("m1", envelope), ("m2", serde_json::json!({"x": 1}))]);
    let Event::Sqs { messages } = Event::parse(&event).unwrap() else {
        panic!("expected SQS");
    };
    assert_eq!(messages[0].objects.as_ref().unwrap().len(), 1);
    assert!(messages[1].objects.is_err(), "a foreign body is an error");
}

#[test]
fn eventbridge_object_created_keys_are_taken_verbatim() {
    let Event::EventBridge { object } =
        Event::parse(&fixture("eventbridge_object_created.json")).unwrap()
    else {
        panic!("expected EventBridge");
    };
    assert_eq!(object.bucket, "amzn-s3-demo-bucket1");
    assert_eq!(object.key, "example-key");
    assert_eq!(object.size, Some(5));
    assert_eq!(
        object.version_id.as_deref(),
        Some("IYV3p45BT0ac8hjHg1houSdS1a.Mro8e")
    );
    let plus = common::eventbridge_event(
        "b",
        &common::Obj {
            key: "a+b%2B.jpg",
            size: 1,
            etag: "e",
        },
    );
    let Event::EventBridge { object } = Event::parse(&plus).unwrap() else {
        panic!("expected EventBridge");
    };
    assert_eq!(object.key, "a+b%2B.jpg");
    assert!(matches!(
        Event::parse(&fixture("eventbridge_object_deleted.json")).unwrap(),
        Event::Ignored { .. }
    ));
}

#[test]
fn batch_operations_schema_1_and_2_name_bucket_key_and_version() {
    for (name, version) in [("batch_1_0.json", Some("1")), ("batch_2_0.json", None)] {
        let Event::Batch(invocation) = Event::parse(&fixture(name)).unwrap() else {
            panic!("expected Batch Operations in {name}");
        };
        assert_eq!(invocation.tasks.len(), 1);
        let task = &invocation.tasks[0];
        assert_eq!(task.task_id, "dGFza2lkZ29lc2hlcmUK");
        let object = task.object.as_ref().unwrap();
        assert_eq!(object.bucket, "amzn-s3-demo-bucket1");
        assert_eq!(object.key, "customerImage1.jpg");
        assert_eq!(object.version_id.as_deref(), version);

        let reply = batch_reply(
            &invocation,
            &[(
                task.task_id.clone(),
                BatchResultCode::TemporaryFailure,
                "SlowDown".to_owned(),
            )],
        );
        assert_eq!(reply["invocationSchemaVersion"], invocation.schema_version);
        assert_eq!(reply["invocationId"], invocation.invocation_id);
        assert_eq!(reply["treatMissingKeysAs"], "PermanentFailure");
        assert_eq!(reply["results"][0]["resultCode"], "TemporaryFailure");
        assert_eq!(reply["results"][0]["taskId"], "dGFza2lkZ29lc2hlcmUK");
    }
    let encoded = common::batch_event("2.0", "b", &[("t", "dir/a b+c.jpg")]);
    let Event::Batch(invocation) = Event::parse(&encoded).unwrap() else {
        panic!("expected Batch Operations");
    };
    assert_eq!(
        invocation.tasks[0].object.as_ref().unwrap().key,
        "dir/a b+c.jpg"
    );
}

#[test]
fn sqs_reply_lists_only_failed_messages() {
    let reply = sqs_reply(["b"]);
    assert_eq!(
        reply,
        serde_json::json!({"batchItemFailures": [{"itemIdentifier": "b"}]})
    );
    assert_eq!(sqs_reply([]), serde_json::json!({"batchItemFailures": []}));
}

#[test]
fn unknown_shapes_and_bad_keys_are_event_errors() {
    assert!(Event::parse(&serde_json::json!({"hello": "world"})).is_err());
    let mut event = fixture("s3_put.json");
    event["Records"][0]["s3"]["object"]["key"] = serde_json::json!("bad%zzkey");
    let Event::S3 { objects } = Event::parse(&event).unwrap() else {
        panic!("expected S3");
    };
    assert!(objects[0].is_err());
}
