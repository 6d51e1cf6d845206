//! What the fuzz targets share: the limits they run the engine under and the size guard that keeps
//! the fuzzer from stalling on large valid images.

use downsize::{probe, Engine, Format, ImageInfo, Limits, Output};

/// Largest stored image a target decodes. Like libjpeg-turbo's fuzzers, bigger (but valid)
/// images are skipped after the header: decoding them only slows the fuzzer down, and the
/// limits path they would take is the same for every size.
pub const MAX_FUZZ_PIXELS: u64 = 1_000_000;

/// Limits under which a fuzz input may be processed: small enough that one execution stays in
/// milliseconds, and well under libFuzzer's default 2 GB RSS limit, so a memory blow-up past the
/// limits check shows up as an out-of-memory crash rather than being hidden by a generous budget.
pub fn fuzz_limits() -> Limits {
    Limits {
        max_input_bytes: 4 * 1024 * 1024,
        max_width: 16_384,
        max_height: 16_384,
        max_pixels: MAX_FUZZ_PIXELS,
        max_working_bytes: 64 * 1024 * 1024,
    }
}

/// The header of `data` when it is an image of `format` small enough to decode.
pub fn small_image(data: &[u8], format: Option<Format>) -> Option<ImageInfo> {
    let info = probe(data).ok()?;
    if format.is_some_and(|f| f != info.format) || info.pixels() > MAX_FUZZ_PIXELS {
        return None;
    }
    Some(info)
}

/// A fresh engine under [`fuzz_limits`].
pub fn fuzz_engine() -> Engine {
    Engine::new(fuzz_limits())
}

/// Checks what must hold for every output of a successful `process`: it is a readable image
/// of the format and size the engine reports, and upright (a kept EXIF block has its orientation
/// reset, or viewers would rotate the already rotated pixels again).
pub fn check_outputs(outputs: &[Output]) {
    for out in outputs {
        let info = probe(&out.bytes)
            .unwrap_or_else(|e| panic!("output of variant {} does not probe: {e}", out.variant));
        assert_eq!(info.format, out.format, "variant {}", out.variant);
        assert_eq!(
            (info.width, info.height),
            (out.width, out.height),
            "variant {}",
            out.variant
        );
        assert_eq!(info.orientation, 1, "variant {}", out.variant);
    }
}
