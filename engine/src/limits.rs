//! Limits: what the engine refuses before it allocates pixel memory.
//!
//! A 1 KB file can declare 10 gigapixels. Every limit here is checked against the header (see
//! [`crate::probe`]) and the working memory a request will need is estimated from the header, so
//! a decompression bomb fails in microseconds with a [`crate::Error::TooLarge`] instead of taking
//! the Lambda down with an out-of-memory kill (which loses the event).

use crate::error::{Error, LimitKind};

const MIB: u64 = 1024 * 1024;

/// Memory a Lambda process needs besides the image: the runtime, the binary, the S3 client and
/// allocator slack. Measured peak of an idle warm `bootstrap` is ~20 MiB; this keeps headroom.
const PROCESS_RESERVE: u64 = 40 * MIB;

/// Resource limits. `Limits::default()` is safe for the smallest Lambda (128 MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest encoded input accepted, in bytes.
    pub max_input_bytes: u64,
    /// Largest stored width, in pixels.
    pub max_width: u32,
    /// Largest stored height, in pixels.
    pub max_height: u32,
    /// Largest stored width x height.
    pub max_pixels: u64,
    /// Largest working memory (decode, resize and encode buffers) one request may need, in bytes.
    pub max_working_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::for_memory_mb(128)
    }
}

impl Limits {
    /// Limits that fit a process with `mb` megabytes of memory in all (a Lambda's memory size):
    /// a reserve for the process itself, room for the largest input held in memory, and the rest
    /// for pixels.
    pub fn for_memory_mb(mb: u32) -> Limits {
        let total = u64::from(mb.max(64)) * MIB;
        let max_input_bytes = (total / 8).clamp(8 * MIB, 256 * MIB);
        let working = total
            .saturating_sub(PROCESS_RESERVE + max_input_bytes)
            .max(16 * MIB);
        Limits {
            max_input_bytes,
            max_width: 65_535,
            max_height: 65_535,
            // The leanest path (a YCbCr JPEG to JPEG, streamed: the source planes are never
            // held whole) needs well under a byte a source pixel, so this bounds decoding time
            // more than memory; the memory estimate decides per image and per path.
            max_pixels: working,
            max_working_bytes: working,
        }
    }

    /// Limits with no practical bound, for trusted input in tests and tools.
    pub fn unlimited() -> Limits {
        Limits {
            max_input_bytes: u64::MAX,
            max_width: u32::MAX,
            max_height: u32::MAX,
            max_pixels: u64::MAX,
            max_working_bytes: u64::MAX,
        }
    }

    /// Refuses an input longer than `max_input_bytes`. Call it with a Content-Length or an event's
    /// object size to refuse before downloading.
    pub fn check_input_len(&self, len: u64) -> Result<(), Error> {
        check(LimitKind::InputBytes, len, self.max_input_bytes)
    }

    /// Refuses stored dimensions over `max_width`, `max_height` or `max_pixels`.
    pub fn check_dimensions(&self, width: u32, height: u32) -> Result<(), Error> {
        check(
            LimitKind::Width,
            u64::from(width),
            u64::from(self.max_width),
        )?;
        check(
            LimitKind::Height,
            u64::from(height),
            u64::from(self.max_height),
        )?;
        check(
            LimitKind::Pixels,
            u64::from(width) * u64::from(height),
            self.max_pixels,
        )
    }

    /// Refuses a request whose estimated working memory is over `max_working_bytes`.
    pub fn check_working_bytes(&self, bytes: u64) -> Result<(), Error> {
        check(LimitKind::Memory, bytes, self.max_working_bytes)
    }
}

fn check(limit: LimitKind, actual: u64, max: u64) -> Result<(), Error> {
    if actual > max {
        Err(Error::TooLarge { limit, actual, max })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_fits_a_128_mb_lambda() {
        let l = Limits::default();
        assert!(l.max_input_bytes + l.max_working_bytes + PROCESS_RESERVE <= 128 * MIB);
    }

    #[test]
    fn bigger_memory_gives_bigger_limits() {
        let small = Limits::for_memory_mb(128);
        let big = Limits::for_memory_mb(2048);
        assert!(big.max_pixels > small.max_pixels);
        assert!(big.max_working_bytes > small.max_working_bytes);
    }

    #[test]
    fn each_check_names_its_limit() {
        let l = Limits {
            max_input_bytes: 10,
            max_width: 10,
            max_height: 10,
            max_pixels: 50,
            max_working_bytes: 10,
        };
        let kind = |r: Result<(), Error>| match r {
            Err(Error::TooLarge { limit, .. }) => Some(limit),
            _ => None,
        };
        assert_eq!(kind(l.check_input_len(11)), Some(LimitKind::InputBytes));
        assert_eq!(kind(l.check_dimensions(11, 1)), Some(LimitKind::Width));
        assert_eq!(kind(l.check_dimensions(1, 11)), Some(LimitKind::Height));
        assert_eq!(kind(l.check_dimensions(10, 6)), Some(LimitKind::Pixels));
        assert_eq!(kind(l.check_working_bytes(11)), Some(LimitKind::Memory));
        assert_eq!(kind(l.check_dimensions(10, 5)), None);
    }
}
