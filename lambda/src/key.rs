//! Object keys as S3 writes them into event notifications.
//!
//! S3 encodes keys in its events like an HTML form: a space arrives as `+`, a literal plus as
//! `%2B` and every non-ASCII character as percent-encoded UTF-8. Fields such as `url_decoded_key`
//! offered by some event libraries are never sent by S3, so the decoding lives here.

use std::fmt;

/// A key in an event that does not decode to UTF-8 text: the event is malformed, not the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDecodeError {
    /// The key as it arrived.
    pub raw: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for KeyDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot decode event key {:?}: {}", self.raw, self.reason)
    }
}

impl std::error::Error for KeyDecodeError {}

/// Decodes a key from an S3 event notification or Batch Operations task.
///
/// `+` becomes a space first, then `%XX` escapes become bytes, and the bytes must be UTF-8: the
/// order matters, since `%2B` must end as a plus and not as a space.
pub fn decode_event_key(raw: &str) -> Result<String, KeyDecodeError> {
    let error = |reason| KeyDecodeError {
        raw: raw.to_owned(),
        reason,
    };
    let input = raw.as_bytes();
    let mut bytes = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => {
                bytes.push(b' ');
                i += 1;
            }
            b'%' => {
                let high = input.get(i + 1).and_then(|&b| hex_value(b));
                let low = input.get(i + 2).and_then(|&b| hex_value(b));
                match (high, low) {
                    (Some(high), Some(low)) => bytes.push(high << 4 | low),
                    _ => return Err(error("'%' is not followed by two hex digits")),
                }
                i += 3;
            }
            other => {
                bytes.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(bytes).map_err(|_| error("percent-decoded bytes are not UTF-8"))
}

/// Encodes a key the way S3 writes it into event notifications; the local runner and the tests
/// build events with it, so they exercise the same decoding path as real S3 events.
pub fn encode_event_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        match byte {
            b' ' => out.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn plus_is_space_and_escaped_plus_is_plus() {
        assert_eq!(
            decode_event_key("red+flower%2B1.jpg").unwrap(),
            "red flower+1.jpg"
        );
    }

    #[test]
    fn utf8_percent_escapes_decode() {
        assert_eq!(
            decode_event_key("photos/%C3%A9t%C3%A9/%E6%9D%B1%E4%BA%AC.jpg").unwrap(),
            "photos/été/東京.jpg"
        );
    }

    #[test]
    fn escaped_percent_is_not_decoded_twice() {
        assert_eq!(decode_event_key("100%2541.jpg").unwrap(), "100%41.jpg");
    }

    #[test]
    fn malformed_escapes_are_errors() {
        assert!(decode_event_key("a%2").is_err());
        assert!(decode_event_key("a%zz").is_err());
        assert!(decode_event_key("%FF%FE").is_err());
    }

    #[test]
    fn encode_then_decode_round_trips() {
        for key in [
            "a b+c.jpg",
            "deep/a/b/c/d/é 東京 %41+.png",
            "x=y&z?.jpg",
            "~tilde",
        ] {
            assert_eq!(decode_event_key(&encode_event_key(key)).unwrap(), key);
        }
    }
}
