//! An S3 body arrives as a stream of chunks of any size. Assembled the way the Lambda assembles
//! it (one buffer reserved from Content-Length, each chunk appended, the total checked), the
//! bytes must give exactly the output the whole file gives. The second run also reuses the
//! engine's buffers, as a warm Lambda container does, so stale state from the first run would
//! show up as a difference.
#![no_main]

use downsize::{Request, Variant};
use downsize_fuzz::{fuzz_engine, small_image};
use libfuzzer_sys::fuzz_target;

/// The Lambda's body assembly (`lambda/src/storage.rs`, `Storage::get`): reserve exactly the
/// announced length, refuse a body that grows past it or ends short.
fn assemble<'a>(length: usize, chunks: impl Iterator<Item = &'a [u8]>) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(length).ok()?;
    for chunk in chunks {
        if bytes.len() + chunk.len() > length {
            return None;
        }
        bytes.extend_from_slice(chunk);
    }
    (bytes.len() == length).then_some(bytes)
}

/// Splits `data` into chunks whose sizes (0 to 255 bytes: a stream may also yield empty chunks)
/// come from `sizes`, cycled. All-zero sizes would never end, so they mean one whole chunk.
fn chunks<'a>(data: &'a [u8], sizes: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
    let mut rest = data;
    let sizes = if sizes.iter().all(|&s| s == 0) {
        &[][..]
    } else {
        sizes
    };
    let mut next = sizes.iter().cycle();
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = next.next().map_or(rest.len(), |&s| usize::from(s));
        let (chunk, tail) = rest.split_at(n.min(rest.len()));
        rest = tail;
        Some(chunk)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 16) + 1;
    if rest.len() < n {
        return;
    }
    let (sizes, image) = rest.split_at(n);
    if small_image(image, None).is_none() {
        return;
    }
    let assembled = assemble(image.len(), chunks(image, sizes)).expect("every byte arrives once");
    assert_eq!(assembled, image);
    let request = Request::single(Variant::parse("w64").expect("valid spec"));
    let mut engine = fuzz_engine();
    let whole = engine.process(image, &request);
    let streamed = engine.process(&assembled, &request);
    assert_eq!(whole, streamed);
});
