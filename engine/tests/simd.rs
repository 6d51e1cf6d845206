//! The resize stage's SIMD kernels against its scalar kernels, and x86_64 against arm64.
//!
//! - Every instruction set this CPU supports (`SimdPath::supported()`: SSE4.1 and AVX2 on x86_64,
//!   NEON on arm64) must give PNG outputs byte-identical to the scalar path, for every pixel
//!   layout the decoders produce (grey, grey+alpha, RGB, RGBA, each in 8 and 16 bits), every
//!   filter and several geometries. PNG output keeps the comparison lossless: equal bytes are
//!   equal pixels. The one exception, 16-bit with alpha, is held to one step in 65535
//!   (see [`ALPHA16_TOLERANCE`]).
//! - The test proves the SIMD code ran: the CPU's SIMD set must be in the supported list (NEON is
//!   mandatory on arm64), and the engine must report the path it was forced onto. Run with
//!   `--nocapture` to see `simd paths compared: [...]`.
//! - x86_64 and arm64 must make the same pixels: the scalar path's outputs, hashed on x86_64 into
//!   `tests/golden/simd_hashes.txt`, must come out exactly on every architecture, and so must the
//!   default (best SIMD) path's, except for 16-bit alpha. `.ci/arm64.sh` runs this file under
//!   qemu, so a NEON-only difference in decoding (zune-jpeg's NEON IDCT and colour conversion
//!   against its AVX2 ones: measured identical), resizing or encoding fails CI. Regenerate the
//!   file (on x86_64 only, after an intended change of output) with
//!   `DOWNSIZE_BLESS_SIMD=1 cargo test --workspace --test simd`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use downsize::{Engine, Filter, Limits, OutputFormat, Request, SimdPath, Variant};

mod common;

/// Small real images covering the eight layouts the resize stage sees (decoded JPEGs are grey or
/// RGB 8-bit; PNGs keep their channels and depth), with the largest difference from the scalar
/// path allowed in any sample. Small, because under emulation every pixel costs 12-40 times more.
const INPUTS: &[(&str, &str, u16)] = &[
    (
        "jpeg-variants/flower_420_crop.jpg",
        "RGB 8-bit, JPEG 4:2:0 photo",
        0,
    ),
    (
        "orientation/pillow-hopper_orientation_6.jpg",
        "RGB 8-bit, JPEG, rotated by EXIF",
        0,
    ),
    ("jpeg-variants/gray_hopper.jpg", "grey 8-bit, JPEG", 0),
    (
        "png-variants/sharp-grey-8bit-alpha.png",
        "grey+alpha 8-bit",
        0,
    ),
    (
        "png-variants/pillow-transparent.png",
        "RGBA 8-bit with real transparency",
        0,
    ),
    ("png-variants/pngsuite-basn0g16.png", "grey 16-bit", 0),
    (
        "png-variants/sharp-16-bit-grey-alpha.png",
        "grey+alpha 16-bit",
        ALPHA16_TOLERANCE,
    ),
    ("png-variants/pngsuite-basn2c16.png", "RGB 16-bit", 0),
    (
        "png-variants/pngsuite-basn6a16.png",
        "RGBA 16-bit",
        ALPHA16_TOLERANCE,
    ),
];

/// 16-bit images with alpha are the one place where SIMD and scalar are not bit-exact.
/// fast_image_resize 6.1 un-premultiplies 16-bit alpha with an f32 division in its SSE4.1, AVX2
/// and NEON kernels but with a fixed-point reciprocal table in its scalar code, so a colour
/// sample can land one step (1/65535) apart; measured: at most 1, in 5 of 14 RGBA 16-bit outputs
/// on x86_64. The convolution itself, every 8-bit layout and 16-bit without alpha are exact.
const ALPHA16_TOLERANCE: u16 = 1;

/// Geometries beyond `half`: odd widths leave a scalar tail after the SIMD lanes, a fit box
/// changes the ratio between the two passes, and a tiny height cuts every kernel at the border.
const GEOMETRIES: &[&str] = &["w37", "fit:50x20", "scale:0.3", "h17"];

const GOLDEN: &str = "tests/golden/simd_hashes.txt";

fn corpus_file(rel: &str) -> Vec<u8> {
    common::read_corpus(rel)
}

/// Every filter at half size, then the other geometries with the default filter and with the
/// cheapest one, all as PNG.
fn request() -> Request {
    let mut specs: Vec<String> = Filter::ALL
        .iter()
        .map(|f| format!("half@png@filter={}", f.as_str()))
        .collect();
    for g in GEOMETRIES {
        specs.push(format!("{g}@png"));
        specs.push(format!("{g}@png@filter=box"));
    }
    let variants = specs
        .iter()
        .map(|s| {
            let v = Variant::parse(s).unwrap();
            assert_eq!(v.format, OutputFormat::Png, "{s}");
            v
        })
        .collect();
    Request {
        variants,
        ..Request::default()
    }
}

fn engine_on(path: SimdPath) -> Engine {
    let engine = Engine::new(Limits::default())
        .with_simd_path(path)
        .unwrap_or_else(|e| panic!("forcing {path:?}: {e}"));
    assert_eq!(
        engine.simd_path(),
        path,
        "the engine must run the path it was forced onto"
    );
    engine
}

/// FNV-1a, 64-bit: stable across platforms and releases, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Decodes two PNGs of the same size and layout and returns the largest difference of any sample
/// (in steps of the PNG's bit depth).
fn max_sample_difference(a: &[u8], b: &[u8]) -> u16 {
    let decode = |bytes: &[u8]| {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut buf).unwrap();
        buf.truncate(frame.buffer_size());
        (frame.bit_depth, buf)
    };
    let ((depth, a), (_, b)) = (decode(a), decode(b));
    let max = if depth == png::BitDepth::Sixteen {
        a.chunks_exact(2)
            .zip(b.chunks_exact(2))
            .map(|(x, y)| {
                u16::from_be_bytes([x[0], x[1]]).abs_diff(u16::from_be_bytes([y[0], y[1]]))
            })
            .max()
    } else {
        a.iter()
            .zip(&b)
            .map(|(x, y)| u16::from(x.abs_diff(*y)))
            .max()
    };
    max.unwrap_or(0)
}

#[test]
fn supported_paths_include_this_cpus_simd() {
    let paths = SimdPath::supported();
    println!(
        "simd paths supported: {paths:?}, detected: {:?}",
        SimdPath::detected()
    );
    assert_eq!(
        paths.first(),
        Some(&SimdPath::Scalar),
        "scalar runs everywhere"
    );
    #[cfg(target_arch = "x86_64")]
    {
        assert_eq!(
            paths.contains(&SimdPath::Sse41),
            is_x86_feature_detected!("sse4.1"),
            "SSE4.1 listed iff the CPU has it: {paths:?}"
        );
        assert_eq!(
            paths.contains(&SimdPath::Avx2),
            is_x86_feature_detected!("avx2"),
            "AVX2 listed iff the CPU has it: {paths:?}"
        );
        assert!(!paths.contains(&SimdPath::Neon));
    }
    #[cfg(target_arch = "aarch64")]
    {
        // NEON is part of the AArch64 base architecture: every Graviton has it.
        assert!(paths.contains(&SimdPath::Neon), "{paths:?}");
        assert_eq!(SimdPath::detected(), SimdPath::Neon);
        assert!(!paths.contains(&SimdPath::Sse41) && !paths.contains(&SimdPath::Avx2));
    }
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    assert!(
        paths.len() >= 2,
        "no SIMD path to compare on this CPU: {paths:?}"
    );
    // Forcing a path this CPU cannot run is refused rather than left to crash.
    let foreign = if cfg!(target_arch = "aarch64") {
        SimdPath::Avx2
    } else {
        SimdPath::Neon
    };
    assert!(Engine::new(Limits::default())
        .with_simd_path(foreign)
        .is_err());
}

#[test]
fn every_simd_path_matches_scalar_byte_for_byte() {
    let paths = SimdPath::supported();
    let request = request();
    let mut scalar = engine_on(SimdPath::Scalar);
    let mut engines: Vec<(SimdPath, Engine)> = paths
        .iter()
        .filter(|&&p| p != SimdPath::Scalar)
        .map(|&p| (p, engine_on(p)))
        .collect();
    assert!(!engines.is_empty(), "no SIMD path on this CPU: {paths:?}");
    let mut compared = 0;
    let mut inexact = Vec::new();
    let mut failures = String::new();
    for &(rel, what, tolerance) in INPUTS {
        let input = corpus_file(rel);
        let expected = scalar
            .process(&input, &request)
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        for (path, engine) in &mut engines {
            let outputs = engine
                .process(&input, &request)
                .unwrap_or_else(|e| panic!("{rel} on {path:?}: {e}"));
            assert_eq!(engine.simd_path(), *path);
            for (want, got) in expected.iter().zip(&outputs) {
                compared += 1;
                let label = format!("{rel} ({what}) {} on {path:?}", want.variant);
                if (want.width, want.height) != (got.width, got.height) {
                    writeln!(failures, "{label}: size differs from Scalar").unwrap();
                } else if want.bytes != got.bytes {
                    let diff = max_sample_difference(&want.bytes, &got.bytes);
                    if diff > tolerance {
                        writeln!(
                            failures,
                            "{label}: a sample differs from Scalar by {diff} (allowed {tolerance})"
                        )
                        .unwrap();
                    } else {
                        inexact.push(format!("{label}: {diff}"));
                    }
                }
            }
        }
    }
    if !inexact.is_empty() {
        println!(
            "within tolerance, not bit-exact ({}):\n  {}",
            inexact.len(),
            inexact.join("\n  ")
        );
    }
    println!("simd paths compared: {paths:?}");
    println!(
        "{compared} outputs compared ({} inputs x {} variants x {} SIMD paths)",
        INPUTS.len(),
        request.variants.len(),
        engines.len()
    );
    assert!(failures.is_empty(), "SIMD differs from scalar:\n{failures}");
}

/// `input variant` -> `WxH hash` of every output of `engine`.
fn hashes(engine: &mut Engine) -> BTreeMap<String, String> {
    let request = request();
    let mut lines = BTreeMap::new();
    for (rel, _, _) in INPUTS {
        let input = corpus_file(rel);
        for out in engine.process(&input, &request).unwrap() {
            lines.insert(
                format!("{rel} {}", out.variant),
                format!("{}x{} {:016x}", out.width, out.height, fnv1a(&out.bytes)),
            );
        }
    }
    lines
}

/// The golden file holds the scalar path's outputs made on x86_64. The scalar resize is portable
/// integer code, so every architecture must reproduce it exactly: this checks the decoders (whose
/// own SIMD, e.g. zune-jpeg's IDCT and colour conversion, is not switched by `SimdPath`), the
/// resize and the PNG encoder across architectures. The default (best SIMD) path must reproduce
/// it too, except for 16-bit alpha, which the test above holds within one step of scalar on each
/// architecture (AVX2 and NEON were measured at most 1 apart, in up to 5 samples per output).
#[test]
fn outputs_match_the_x86_64_golden_hashes() {
    let golden_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    let scalar = hashes(&mut engine_on(SimdPath::Scalar));
    if std::env::var_os("DOWNSIZE_BLESS_SIMD").is_some() {
        if std::env::consts::ARCH != "x86_64" {
            panic!("the golden hashes are made on x86_64, the reference architecture");
        }
        let mut text = String::from(
            "# engine/tests/simd.rs: FNV-1a 64 of each PNG output of the scalar resize path, made on x86_64.\n\
             # input variant WxH hash\n",
        );
        for (k, v) in &scalar {
            writeln!(text, "{k} {v}").unwrap();
        }
        std::fs::write(&golden_path, text).unwrap();
        return;
    }
    let text = std::fs::read_to_string(&golden_path)
        .unwrap_or_else(|e| panic!("{}: {e}", golden_path.display()));
    let golden: BTreeMap<String, String> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.rsplitn(3, ' ');
            let hash = parts.next().unwrap();
            let size = parts.next().unwrap();
            let key = parts.next().unwrap();
            (key.to_string(), format!("{size} {hash}"))
        })
        .collect();
    assert_eq!(
        golden.keys().collect::<Vec<_>>(),
        scalar.keys().collect::<Vec<_>>(),
        "the golden file lists other outputs: regenerate it on x86_64"
    );
    let detected = SimdPath::detected();
    let best = hashes(&mut engine_on(detected));
    let exact_on_simd = |key: &str| {
        INPUTS
            .iter()
            .any(|(rel, _, tolerance)| *tolerance == 0 && key.starts_with(&format!("{rel} ")))
    };
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for (key, want) in &golden {
        let mut check = |path: SimdPath, got: &String| {
            checked += 1;
            if got != want {
                mismatches.push(format!("{key} on {path:?}: got {got}, x86_64 made {want}"));
            }
        };
        check(SimdPath::Scalar, &scalar[key]);
        if exact_on_simd(key) {
            check(detected, &best[key]);
        }
    }
    println!(
        "{checked} outputs against the x86_64 golden hashes on {} (Scalar and {detected:?})",
        std::env::consts::ARCH,
    );
    assert!(
        mismatches.is_empty(),
        "{} of {checked} outputs differ from x86_64:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
