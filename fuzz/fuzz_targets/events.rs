//! The Lambda's event parser on arbitrary JSON: every shape (S3, SQS, EventBridge, Batch
//! Operations, junk) must parse or give an error, never panic. Any text as an object key must
//! come back unchanged through the encoding S3 uses in its events.
#![no_main]

use downsize_lambda::event::Event;
use downsize_lambda::key::{decode_event_key, encode_event_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = Event::parse(&value);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = decode_event_key(text);
        let encoded = encode_event_key(text);
        assert_eq!(decode_event_key(&encoded).as_deref(), Ok(text), "{encoded}");
    }
});
