//! The engine against the project's image corpus (`corpus/`).
//!
//! - Every file `corpus/expected.tsv` marks `ok` is processed with the default request and must
//!   give the expected size, an output that decodes, and pixels close to the reference made by a
//!   different decoder and resizer (Pillow, see `corpus/PROVENANCE.md`).
//! - The EXIF orientation sets must all come out upright.
//! - Every other file must fail with the expected error kind, and no file may panic.
//! - Each limit is enforced from the header alone, on files whose pixel data is missing.
//!
//! Run with `--nocapture` to see the per-file error table, and with `DOWNSIZE_CORPUS_DUMP=<dir>`
//! to keep every output of the reference test in that folder.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use downsize::{
    probe, Engine, Error, ErrorKind, Format, LimitKind, Limits, Output, Request, Variant,
};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

/// Largest mean absolute error allowed in any channel (0-255 scale) between a lossless (PNG)
/// output of the default geometry and Pillow's reference. The two pipelines differ in JPEG
/// decoder (zune-jpeg vs libjpeg-turbo: IDCT rounding, chroma upsampling) and in Lanczos rounding.
/// Measured over the corpus: median 0.2, at most 1.7 (1-bit and 2-bit PngSuite images, where
/// every pixel is an edge). A flipped, shifted, wrongly converted (CMYK, YCCK, RGB-coded) or
/// wrongly upsampled image, or a lost alpha channel, scores 10 to 200.
const MAX_MAE: f64 = 3.0;

/// Smallest PSNR over all compared channels for lossless outputs; measured minimum 37.6 dB.
const MIN_PSNR_DB: f64 = 32.0;

/// Outputs narrower or shorter than this are held to looser thresholds: the Lanczos kernel at
/// half scale spans 12 source pixels, so in a 4x7 output every pixel's kernel is cut by the
/// border and the two resizers' border handling decides the result (measured up to 5.4 MAE on
/// PNG inputs, whose decoding is exact).
const TINY_SIDE: u32 = 8;
const MAX_MAE_TINY: f64 = 8.0;
const MIN_PSNR_DB_TINY: f64 = 25.0;

/// JPEG sources of 3 pixels or less on a side (outputs of 2 pixels or less): the whole image is
/// a fraction of one 4:2:0 chroma sample pair, and zune-jpeg's edge rule for upsampling it differs
/// from libjpeg's "fancy" triangle filter (tiny_3x3: one corner 81 levels apart at full size,
/// 11.5 MAE after halving). A known decoder deviation on images no camera or site produces; a
/// wrong orientation or colour conversion would still score far above this.
const MAX_MAE_SUB_BLOCK_JPEG: f64 = 16.0;
const MIN_PSNR_DB_SUB_BLOCK_JPEG: f64 = 20.0;

/// Thresholds for the default output when it is a JPEG: it carries the loss of a quality-80
/// encode, which on its own (Pillow encoding its own reference at q80) measures 1 to 10 MAE over
/// the corpus, worst on the noisy 128x128 and 600x450 test pictures. The engine's JPEG outputs,
/// decoded with libjpeg-turbo, measured 1.1 to 10.8 MAE and at least 24.8 dB.
const MAX_MAE_JPEG: f64 = 14.0;
const MIN_PSNR_DB_JPEG: f64 = 22.0;

/// JPEG outputs smaller than this on a side are not compared: one or two 8x8 blocks with 4:2:0
/// chroma are the whole picture, and a q80 encode of the reference alone is 10 to 47 MAE off.
/// Their pixels are still held to the lossless thresholds through the PNG output.
const MIN_JPEG_SIDE: u32 = 24;

/// A broken file must be rejected (or decoded) quickly: nothing may grow with declared sizes.
/// Generous because the test binary may share two cores with a build.
const MAX_BROKEN_FILE_TIME: Duration = Duration::from_secs(20);

use common::{corpus_dir, read_corpus};

mod common;

/// One row of `corpus/expected.tsv`.
#[derive(Debug, Clone)]
struct Expected {
    path: String,
    outcome: String,
    width: u32,
    height: u32,
}

fn expected_rows() -> Vec<Expected> {
    let text = std::fs::read_to_string(corpus_dir().join("expected.tsv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines
            .next()
            .map(|h| h.split('\t').take(4).collect::<Vec<_>>()),
        Some(vec!["path", "outcome", "width", "height"])
    );
    let rows: Vec<Expected> = lines
        .filter(|l| !l.is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Expected {
                path: cols[0].to_string(),
                outcome: cols[1].to_string(),
                width: cols[2].parse().unwrap_or(0),
                height: cols[3].parse().unwrap_or(0),
            }
        })
        .collect();
    assert!(
        rows.len() > 200,
        "expected.tsv lists only {} files",
        rows.len()
    );
    rows
}

fn reference_path(path: &str) -> PathBuf {
    let stem = Path::new(path).with_extension("");
    corpus_dir()
        .join("reference")
        .join(format!("{}.png", stem.to_string_lossy().replace('/', "__")))
}

/// Decoded pixels, always expanded to 8-bit RGBA; `alpha` says whether the file had an alpha
/// channel (or tRNS) at all.
#[derive(Debug, Clone)]
struct Rgba {
    width: usize,
    height: usize,
    alpha: bool,
    data: Vec<u8>,
}

impl Rgba {
    fn px(&self, x: usize, y: usize) -> [u8; 4] {
        let i = (y * self.width + x) * 4;
        [
            self.data[i],
            self.data[i + 1],
            self.data[i + 2],
            self.data[i + 3],
        ]
    }

    fn luma(&self) -> Vec<f64> {
        self.data
            .chunks_exact(4)
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .collect()
    }

    /// The image under one of the eight orientations of the square's symmetry group (0 is the
    /// identity; 4-7 transpose).
    fn dihedral(&self, t: u8) -> Rgba {
        let (w, h) = (self.width, self.height);
        let (ow, oh) = if t >= 4 { (h, w) } else { (w, h) };
        let mut data = Vec::with_capacity(self.data.len());
        for y in 0..oh {
            for x in 0..ow {
                let (sx, sy) = if t >= 4 { (y, x) } else { (x, y) };
                let sx = if t & 1 == 1 { w - 1 - sx } else { sx };
                let sy = if t & 2 == 2 { h - 1 - sy } else { sy };
                data.extend_from_slice(&self.px(sx, sy));
            }
        }
        Rgba {
            width: ow,
            height: oh,
            alpha: self.alpha,
            data,
        }
    }
}

fn decode_png(bytes: &[u8]) -> Result<Rgba, String> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![
        0;
        reader
            .output_buffer_size()
            .ok_or("PNG output size overflows")?
    ];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let (width, height) = (info.width as usize, info.height as usize);
    let (channels, alpha) = match info.color_type {
        png::ColorType::Grayscale => (1, false),
        png::ColorType::GrayscaleAlpha => (2, true),
        png::ColorType::Rgb => (3, false),
        png::ColorType::Rgba => (4, true),
        png::ColorType::Indexed => return Err("palette survived EXPAND".into()),
    };
    if info.bit_depth != png::BitDepth::Eight {
        return Err(format!(
            "bit depth {:?} survived STRIP_16/EXPAND",
            info.bit_depth
        ));
    }
    let mut data = Vec::with_capacity(width * height * 4);
    for p in buf[..info.buffer_size()].chunks_exact(channels) {
        let rgba = match channels {
            1 => [p[0], p[0], p[0], 255],
            2 => [p[0], p[0], p[0], p[1]],
            3 => [p[0], p[1], p[2], 255],
            _ => [p[0], p[1], p[2], p[3]],
        };
        data.extend_from_slice(&rgba);
    }
    Ok(Rgba {
        width,
        height,
        alpha,
        data,
    })
}

fn decode_jpeg(bytes: &[u8]) -> Result<Rgba, String> {
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let rgb = decoder.decode().map_err(|e| e.to_string())?;
    let info = decoder.info().ok_or("no JPEG info after decoding")?;
    let (width, height) = (usize::from(info.width), usize::from(info.height));
    if rgb.len() != width * height * 3 {
        return Err(format!("{} bytes of RGB for {width}x{height}", rgb.len()));
    }
    let data = rgb
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    Ok(Rgba {
        width,
        height,
        alpha: false,
        data,
    })
}

fn decode_output(output: &Output) -> Result<Rgba, String> {
    let sniffed =
        downsize::sniff(&output.bytes).map_err(|e| format!("output is not an image: {e}"))?;
    if sniffed != output.format {
        return Err(format!(
            "output says {:?} but its bytes are {sniffed:?}",
            output.format
        ));
    }
    let image = match output.format {
        Format::Jpeg => decode_jpeg(&output.bytes)?,
        Format::Png => decode_png(&output.bytes)?,
        other => return Err(format!("unexpected output format {other:?}")),
    };
    if (image.width, image.height) != (output.width as usize, output.height as usize) {
        return Err(format!(
            "output says {}x{} but decodes as {}x{}",
            output.width, output.height, image.width, image.height
        ));
    }
    Ok(image)
}

/// Per-channel mean absolute error and PSNR of `got` against `want`. When either side has alpha,
/// colours are compared premultiplied (the colour of a transparent pixel is invisible and
/// resizers legitimately disagree on it) and alpha is compared as a fourth channel.
#[derive(Debug, Clone, Copy)]
struct Diff {
    mae: [f64; 4],
    psnr_db: f64,
    with_alpha: bool,
}

impl Diff {
    fn worst_mae(&self) -> f64 {
        let n = if self.with_alpha { 4 } else { 3 };
        self.mae[..n].iter().copied().fold(0.0, f64::max)
    }
}

fn compare(got: &Rgba, want: &Rgba) -> Diff {
    assert_eq!((got.width, got.height), (want.width, want.height));
    let with_alpha = got.alpha || want.alpha;
    let channels = if with_alpha { 4 } else { 3 };
    let mut abs = [0.0f64; 4];
    let mut squared = 0.0f64;
    for (g, w) in got.data.chunks_exact(4).zip(want.data.chunks_exact(4)) {
        for c in 0..channels {
            let (a, b) = if with_alpha && c < 3 {
                (
                    f64::from(g[c]) * f64::from(g[3]) / 255.0,
                    f64::from(w[c]) * f64::from(w[3]) / 255.0,
                )
            } else {
                (f64::from(g[c]), f64::from(w[c]))
            };
            abs[c] += (a - b).abs();
            squared += (a - b) * (a - b);
        }
    }
    let n = (got.width * got.height) as f64;
    let mae = abs.map(|s| s / n);
    let mse = squared / (n * channels as f64);
    let psnr_db = if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    };
    Diff {
        mae,
        psnr_db,
        with_alpha,
    }
}

/// Runs `process`, turning a panic into an error message naming it.
fn process_caught(
    engine: &mut Engine,
    bytes: &[u8],
    request: &Request,
) -> Result<Result<Vec<Output>, Error>, String> {
    catch_unwind(AssertUnwindSafe(|| engine.process(bytes, request))).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic".to_string())
    })
}

fn process_default(
    engine: &mut Engine,
    bytes: &[u8],
) -> Result<Result<Vec<Output>, Error>, String> {
    process_caught(engine, bytes, &Request::default())
}

/// The default request's geometry with a lossless output, so that the comparison with the
/// reference measures decoding, resizing and orientation, not the JPEG encoder's loss.
fn half_png_request() -> Request {
    Request {
        variants: vec![Variant::parse("half@png").unwrap()],
        ..Request::default()
    }
}

/// Processes `bytes` with `request` (one variant) and decodes the output, checking its size.
fn process_one(
    engine: &mut Engine,
    bytes: &[u8],
    request: &Request,
    row: &Expected,
) -> Result<(Output, Rgba), String> {
    let outputs = match process_caught(engine, bytes, request) {
        Err(panic) => {
            // The engine's buffers may be in any state after a panic; do not let that leak into
            // the next file's result.
            *engine = Engine::new(Limits::default());
            return Err(format!("PANIC: {panic}"));
        }
        Ok(Err(e)) => return Err(format!("{} error: {e}", e.kind().as_str())),
        Ok(Ok(outputs)) => outputs,
    };
    let [output]: [Output; 1] = outputs
        .try_into()
        .map_err(|o: Vec<Output>| format!("{} outputs for one variant", o.len()))?;
    if (output.width, output.height) != (row.width, row.height) {
        return Err(format!(
            "size {}x{}, expected {}x{}",
            output.width, output.height, row.width, row.height
        ));
    }
    let image = decode_output(&output)?;
    Ok((output, image))
}

/// What one `ok` file scored against its reference: the default output, and the same geometry
/// written as PNG.
#[derive(Debug, Clone, Copy)]
struct Scores {
    default: Diff,
    lossless: Diff,
    default_format: Format,
}

/// Processes one `ok` file, checks its outputs' size, format and decoding, and returns how far
/// they are from the reference, if there is one.
fn check_ok_file(engine: &mut Engine, row: &Expected) -> Result<Option<Scores>, String> {
    let bytes = read_corpus(&row.path);
    let (output, image) = process_one(engine, &bytes, &Request::default(), row)?;
    let input_format = downsize::sniff(&bytes).map_err(|e| e.to_string())?;
    if output.format != input_format {
        return Err(format!(
            "default output is {:?} for a {input_format:?} input",
            output.format
        ));
    }
    if let Some(dir) = std::env::var_os("DOWNSIZE_CORPUS_DUMP") {
        // For investigating a failure: keep the outputs to look at or compare by other means.
        let name = reference_path(&row.path).with_extension(output.format.extension());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            Path::new(&dir).join(name.file_name().unwrap()),
            &output.bytes,
        )
        .unwrap();
    }
    let reference = reference_path(&row.path);
    if !reference.exists() {
        return Ok(None);
    }
    let want =
        decode_png(&std::fs::read(&reference).unwrap()).map_err(|e| format!("reference: {e}"))?;
    if (want.width, want.height) != (image.width, image.height) {
        return Err(format!("reference is {}x{}", want.width, want.height));
    }
    let default = compare(&image, &want);
    let (_, lossless_image) = process_one(engine, &bytes, &half_png_request(), row)?;
    let lossless = compare(&lossless_image, &want);
    Ok(Some(Scores {
        default,
        lossless,
        default_format: output.format,
    }))
}

/// Why `scores` (of an output of `width` x `height`) are too far from the reference, if they are.
fn score_problems(scores: &Scores, width: u32, height: u32, source_is_jpeg: bool) -> Vec<String> {
    let tiny = width < TINY_SIDE || height < TINY_SIDE;
    let (max_mae, min_psnr) = if source_is_jpeg && width <= 2 && height <= 2 {
        (MAX_MAE_SUB_BLOCK_JPEG, MIN_PSNR_DB_SUB_BLOCK_JPEG)
    } else if tiny {
        (MAX_MAE_TINY, MIN_PSNR_DB_TINY)
    } else {
        (MAX_MAE, MIN_PSNR_DB)
    };
    let mut problems = Vec::new();
    let mut check = |what: &str, d: &Diff, max_mae: f64, min_psnr: f64| {
        if d.worst_mae() >= max_mae || d.psnr_db <= min_psnr {
            problems.push(format!(
                "{what} differs from the reference: MAE {:.2} (max {max_mae}), PSNR {:.1} dB (min {min_psnr})",
                d.worst_mae(),
                d.psnr_db
            ));
        }
    };
    check("PNG output", &scores.lossless, max_mae, min_psnr);
    match scores.default_format {
        Format::Png => check("default output", &scores.default, max_mae, min_psnr),
        _ if width >= MIN_JPEG_SIDE && height >= MIN_JPEG_SIDE => check(
            "default JPEG output",
            &scores.default,
            MAX_MAE_JPEG,
            MIN_PSNR_DB_JPEG,
        ),
        _ => {}
    }
    problems
}

#[test]
fn ok_files_match_their_references() {
    let mut engine = Engine::new(Limits::default());
    let mut table = String::new();
    let mut failures = Vec::new();
    let rows: Vec<Expected> = expected_rows()
        .into_iter()
        .filter(|r| r.outcome == "ok")
        .collect();
    writeln!(
        table,
        "{:<58} {:>9} | default: {:>5} {:>5} | as PNG: {:>5} {:>5} {:>5} {:>5} {:>5}",
        "file", "output", "MAE", "PSNR", "R", "G", "B", "A", "PSNR"
    )
    .unwrap();
    for row in &rows {
        let size = format!("{}x{}", row.width, row.height);
        let checked = check_ok_file(&mut engine, row);
        if let Ok(Some(scores)) = &checked {
            let source_is_jpeg = row.path.ends_with(".jpg") || row.path.ends_with(".jpeg");
            let problems = score_problems(scores, row.width, row.height, source_is_jpeg);
            if !problems.is_empty() {
                failures.push(format!("{}: {}", row.path, problems.join("; ")));
            }
        }
        match checked {
            Ok(Some(Scores {
                default: d,
                lossless: l,
                ..
            })) => {
                let alpha = if l.with_alpha {
                    format!("{:5.2}", l.mae[3])
                } else {
                    "    -".to_string()
                };
                writeln!(
                    table,
                    "{:<58} {size:>9} |          {:5.2} {:5.1} |         {:5.2} {:5.2} {:5.2} {alpha} {:5.1}",
                    row.path,
                    d.worst_mae(),
                    d.psnr_db,
                    l.mae[0],
                    l.mae[1],
                    l.mae[2],
                    l.psnr_db
                )
                .unwrap();
            }
            Ok(None) => writeln!(
                table,
                "{:<58} {size:>9} | no reference: size and decoding checked",
                row.path
            )
            .unwrap(),
            Err(why) => {
                writeln!(table, "{:<58} {size:>9} | FAIL {why}", row.path).unwrap();
                failures.push(format!("{}: {why}", row.path));
            }
        }
    }
    println!("{table}");
    assert!(
        failures.is_empty(),
        "{} of {} ok files failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// Processes one file of an orientation set and decodes the output.
fn oriented_output(engine: &mut Engine, path: &str) -> Rgba {
    let bytes = read_corpus(path);
    let outputs = match process_default(engine, &bytes) {
        Ok(Ok(outputs)) => outputs,
        Ok(Err(e)) => panic!("{path}: {e}"),
        Err(panic) => panic!("{path}: PANIC: {panic}"),
    };
    decode_output(&outputs[0]).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Pearson correlation of the two images' luma: insensitive to the global tone differences
/// between files of a set (the sets' orientation-1 files were encoded separately), but a
/// mirrored or rotated scene correlates poorly.
fn luma_correlation(a: &Rgba, b: &Rgba) -> f64 {
    let (x, y) = (a.luma(), b.luma());
    let (mx, my) = (
        x.iter().sum::<f64>() / x.len() as f64,
        y.iter().sum::<f64>() / y.len() as f64,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (p, q) in x.iter().zip(&y) {
        sxy += (p - mx) * (q - my);
        sxx += (p - mx) * (p - mx);
        syy += (q - my) * (q - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// Checks that `got` matches `anchor` better as it is than under any other orientation of the
/// same shape, and by correlation at least 0.9 (measured 0.97-0.99 on the sets; a mirrored or
/// rotated scene scores below 0.6).
fn assert_upright(path: &str, got: &Rgba, anchor: &Rgba) {
    assert_eq!(
        (got.width, got.height),
        (anchor.width, anchor.height),
        "{path}: output shape differs from the upright file's"
    );
    let as_is = luma_correlation(got, anchor);
    assert!(
        as_is > 0.9,
        "{path}: luma correlation with the upright output is {as_is:.3}"
    );
    for t in 1..8 {
        let other = got.dihedral(t);
        if (other.width, other.height) != (anchor.width, anchor.height) {
            continue;
        }
        let c = luma_correlation(&other, anchor);
        assert!(
            as_is > c + 0.1,
            "{path}: matches the upright output better under transform {t} ({c:.3}) than as output ({as_is:.3})"
        );
    }
}

#[test]
fn orientation_sets_come_out_upright() {
    let mut engine = Engine::new(Limits::default());
    for set in ["orientation/sharp-landscape", "orientation/sharp-portrait"] {
        let upright = oriented_output(&mut engine, &format!("{set}_1.jpg"));
        // Files 2-8 were made from one encoding of the scene, so beyond being upright they must
        // be nearly identical to each other (measured MAE 1.8-3.1 between the references).
        let second = oriented_output(&mut engine, &format!("{set}_2.jpg"));
        for k in 2..=8 {
            let path = format!("{set}_{k}.jpg");
            let got = oriented_output(&mut engine, &path);
            assert_upright(&path, &got, &upright);
            let diff = compare(&got, &second);
            assert!(
                diff.worst_mae() < 6.0,
                "{path}: MAE {:.2} against {set}_2.jpg",
                diff.worst_mae()
            );
        }
    }
    // The hopper set is square, so only the pixels tell whether each orientation was applied; it
    // has no orientation-1 file, so all are held against the output of the orientation-2 file,
    // which the reference test checks against Pillow.
    let anchor = oriented_output(&mut engine, "orientation/pillow-hopper_orientation_2.jpg");
    for k in 3..=8 {
        let path = format!("orientation/pillow-hopper_orientation_{k}.jpg");
        let got = oriented_output(&mut engine, &path);
        assert_upright(&path, &got, &anchor);
    }
    // Invalid orientation 0 is treated as 1: landscape in, landscape out.
    let invalid = oriented_output(&mut engine, "orientation/orientation0_invalid.jpg");
    assert_eq!((invalid.width, invalid.height), (200, 150));
}

fn expected_kind(outcome: &str) -> ErrorKind {
    match outcome {
        "corrupt" => ErrorKind::Corrupt,
        "unsupported" => ErrorKind::Unsupported,
        "too_large" => ErrorKind::TooLarge,
        other => panic!("unknown outcome {other:?} in expected.tsv"),
    }
}

#[test]
fn rejected_files_give_the_expected_error_without_panicking() {
    let mut engine = Engine::new(Limits::default());
    let mut failures = Vec::new();
    let rows: Vec<Expected> = expected_rows()
        .into_iter()
        .filter(|r| r.outcome != "ok")
        .collect();
    for row in &rows {
        let bytes = read_corpus(&row.path);
        let want = expected_kind(&row.outcome);
        let started = Instant::now();
        let probed = catch_unwind(|| probe(&bytes));
        let result = process_default(&mut engine, &bytes);
        let elapsed = started.elapsed();
        let problem = match (probed, result) {
            (Err(_), _) => Some("PANIC in probe".to_string()),
            (_, Err(panic)) => {
                engine = Engine::new(Limits::default());
                Some(format!("PANIC in process: {panic}"))
            }
            (_, Ok(Ok(outputs))) => Some(format!(
                "succeeded ({} outputs), expected {}",
                outputs.len(),
                want.as_str()
            )),
            (_, Ok(Err(e))) if e.kind() != want => Some(format!(
                "{} ({e}), expected {}",
                e.kind().as_str(),
                want.as_str()
            )),
            _ if elapsed > MAX_BROKEN_FILE_TIME => Some(format!("took {elapsed:?}")),
            _ => None,
        };
        if let Some(problem) = problem {
            failures.push(format!("{}: {problem}", row.path));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// Limits that let everything through, so that the one limit a test lowers is the only one that
/// can fire.
fn limits_without_bounds() -> Limits {
    Limits {
        max_input_bytes: u64::MAX,
        max_width: u32::MAX,
        max_height: u32::MAX,
        max_pixels: u64::MAX,
        max_working_bytes: u64::MAX,
    }
}

/// Bomb headers whose pixel data is missing or a few rows long: if a limit were checked only after
/// decoding started, these would come back `corrupt` (or exhaust memory) instead of `too_large`.
const BOMBS: [(&str, u32, u32); 2] = [
    ("broken/bomb-sof-65500x65500.jpg", 65_500, 65_500),
    ("broken/bomb-png-100000x100000-rgba.png", 100_000, 100_000),
];

fn assert_limit(limits: Limits, path: &str, want: LimitKind, actual: u64) {
    let bytes = read_corpus(path);
    let mut engine = Engine::new(limits);
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| {
        engine.process(&bytes, &Request::default())
    }));
    let elapsed = started.elapsed();
    match result {
        Ok(Err(Error::TooLarge {
            limit, actual: got, ..
        })) => {
            assert_eq!(
                (limit, got),
                (want, actual),
                "{path}: wrong limit or value reported"
            );
        }
        Ok(Err(e)) => panic!("{path}: {e}, expected TooLarge {want:?}"),
        Ok(Ok(_)) => panic!("{path}: processed, expected TooLarge {want:?}"),
        Err(_) => panic!("{path}: PANIC, expected TooLarge {want:?}"),
    }
    assert!(
        elapsed < Duration::from_secs(1),
        "{path}: took {elapsed:?} to refuse"
    );
}

#[test]
fn input_bytes_limit_is_enforced_before_parsing() {
    for (path, _, _) in BOMBS {
        let len = read_corpus(path).len() as u64;
        let limits = Limits {
            max_input_bytes: len - 1,
            ..limits_without_bounds()
        };
        assert_limit(limits, path, LimitKind::InputBytes, len);
    }
}

#[test]
fn width_limit_is_enforced_from_the_header() {
    for (path, width, _) in BOMBS {
        let limits = Limits {
            max_width: width - 1,
            ..limits_without_bounds()
        };
        assert_limit(limits, path, LimitKind::Width, u64::from(width));
    }
    // The widest legal PNG, 2^31-1 x 1, under the default limits.
    let limits = Limits {
        max_pixels: u64::MAX,
        max_working_bytes: u64::MAX,
        ..Limits::default()
    };
    assert_limit(
        limits,
        "broken/png-2147483647x1.png",
        LimitKind::Width,
        2_147_483_647,
    );
}

#[test]
fn height_limit_is_enforced_from_the_header() {
    for (path, _, height) in BOMBS {
        let limits = Limits {
            max_height: height - 1,
            ..limits_without_bounds()
        };
        assert_limit(limits, path, LimitKind::Height, u64::from(height));
    }
}

#[test]
fn pixel_limit_is_enforced_from_the_header() {
    for (path, width, height) in BOMBS {
        let pixels = u64::from(width) * u64::from(height);
        let limits = Limits {
            max_pixels: pixels - 1,
            ..limits_without_bounds()
        };
        assert_limit(limits, path, LimitKind::Pixels, pixels);
    }
    // A valid 65536x65536 1-bit PNG: all its data is there, and it is still refused up front.
    let limits = Limits {
        max_width: u32::MAX,
        max_height: u32::MAX,
        ..Limits::default()
    };
    assert_limit(
        limits,
        "broken/sharp-65536x65536-1bit.png",
        LimitKind::Pixels,
        1 << 32,
    );
}

#[test]
fn working_memory_limit_is_enforced_from_the_header() {
    // An ordinary small image whose decode would need ~330 KB of buffers.
    let bytes = read_corpus("jpeg-variants/flower_420_crop.jpg");
    let mut engine = Engine::new(Limits {
        max_working_bytes: 64 * 1024,
        ..limits_without_bounds()
    });
    match engine.process(&bytes, &Request::default()) {
        Err(Error::TooLarge {
            limit: LimitKind::Memory,
            actual,
            max,
        }) => assert!(actual > max),
        other => panic!("expected TooLarge Memory, got {other:?}"),
    }
}

#[test]
fn probe_reports_bomb_dimensions_quickly() {
    let bombs = [
        ("broken/bomb-png-100000x100000-rgba.png", 100_000, 100_000),
        ("broken/bomb-sof-65500x65500.jpg", 65_500, 65_500),
        ("broken/jpegdecoder-max_size.jpg", 65_535, 65_535),
        ("broken/png-2147483647x1.png", 2_147_483_647, 1),
        ("broken/sharp-65536x65536-1bit.png", 65_536, 65_536),
    ];
    for (path, width, height) in bombs {
        let bytes = read_corpus(path);
        let started = Instant::now();
        let info = probe(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        let elapsed = started.elapsed();
        assert_eq!((info.width, info.height), (width, height), "{path}");
        // Allocating, let alone filling, gigapixels of memory takes far longer than this.
        assert!(
            elapsed < Duration::from_millis(200),
            "{path}: probe took {elapsed:?}"
        );
    }
}
