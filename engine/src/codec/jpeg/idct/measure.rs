//! Measurements behind the kernels' choices, `#[ignore]`d: run them with
//! `cargo test --release -p downsize --lib codec::jpeg::idct::measure -- --ignored --nocapture`.

use std::time::Instant;

use super::tests::{forward_dct, quant_table, realistic_block, Rng};
use super::*;
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

/// Photos to measure on: the corpus's, and the bench images when they are beside the checkout.
const PHOTOS: [&str; 5] = [
    "../corpus/photos/canon-powershot-a85_1704x2272_4mp_orient8.jpg",
    "../corpus/photos/samsung-sm-j327t1_2576x1932_5mp_orient6.jpg",
    "/work/shared/bench-images/photo-2mp.jpg",
    "/work/shared/bench-images/photo-6mp.jpg",
    "/work/shared/bench-images/photo-12mp.jpg",
];

/// Luma of a photo, cropped to whole blocks: (samples, width, height).
fn luma(path: &str) -> Option<(Vec<u8>, usize, usize)> {
    let bytes = std::fs::read(path).ok()?;
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(&bytes), options);
    let pixels = decoder.decode().expect("corpus photo decodes");
    let (w, h) = decoder.dimensions().expect("dimensions");
    let (cw, ch) = (w / 16 * 16, h / 16 * 16);
    let mut out = Vec::with_capacity(cw * ch);
    for y in 0..ch {
        out.extend_from_slice(&pixels[y * w..y * w + cw]);
    }
    Some((out, cw, ch))
}

/// The photo's blocks forward-transformed and quantised with `quant`, block rows of `w / 8`.
fn encode_blocks(img: &[u8], w: usize, h: usize, quant: &[u16; 64]) -> Vec<[i16; 64]> {
    let mut blocks = Vec::with_capacity(w * h / 64);
    for by in 0..h / 8 {
        for bx in 0..w / 8 {
            let samples: [f64; 64] = std::array::from_fn(|i| {
                f64::from(img[(by * 8 + i / 8) * w + bx * 8 + i % 8]) - 128.0
            });
            let f = forward_dct(&samples);
            blocks.push(std::array::from_fn(|i| {
                (f[i] / f64::from(quant[i])).round() as i16
            }));
        }
    }
    blocks
}

/// Decodes the blocks at `scale` into a plane `w / 8 * block_px` wide.
fn decode_plane(
    blocks: &[[i16; 64]],
    w: usize,
    h: usize,
    table: &IdctTable,
    scale: Scale,
) -> Vec<u8> {
    let n = scale.block_px();
    let (pw, bw) = (w / 8 * n, w / 8);
    let mut plane = vec![0u8; pw * h / 8 * n];
    for (r, row) in blocks.chunks_exact(bw).enumerate() {
        let out = &mut plane[r * n * pw..(r + 1) * n * pw];
        inverse_row(SimdPath::detected(), scale, row, table, out, pw);
    }
    plane
}

fn lanczos3(x: f64) -> f64 {
    let sinc = |t: f64| {
        if t == 0.0 {
            1.0
        } else {
            (PI * t).sin() / (PI * t)
        }
    };
    if x.abs() < 3.0 {
        sinc(x) * sinc(x / 3.0)
    } else {
        0.0
    }
}
use std::f64::consts::PI;

/// Float Lanczos3 halving of a plane (separable, edges clamped).
fn lanczos3_half(img: &[u8], w: usize, h: usize) -> Vec<f64> {
    let taps: Vec<(isize, f64)> = (-5..=6)
        .map(|k: isize| (k, lanczos3((k as f64 - 0.5) / 2.0)))
        .collect();
    let total: f64 = taps.iter().map(|t| t.1).sum();
    let (hw, hh) = (w / 2, h / 2);
    let mut rows = vec![0.0; hw * h];
    for y in 0..h {
        for x in 0..hw {
            let mut s = 0.0;
            for &(k, wt) in &taps {
                let sx = (2 * x as isize + k).clamp(0, w as isize - 1) as usize;
                s += wt * f64::from(img[y * w + sx]);
            }
            rows[y * hw + x] = s / total;
        }
    }
    let mut out = vec![0.0; hw * hh];
    for y in 0..hh {
        for x in 0..hw {
            let mut s = 0.0;
            for &(k, wt) in &taps {
                let sy = (2 * y as isize + k).clamp(0, h as isize - 1) as usize;
                s += wt * rows[sy * hw + x];
            }
            out[y * hw + x] = (s / total).round().clamp(0.0, 255.0);
        }
    }
    out
}

/// Mean absolute error and PSNR of `ours` against `reference`, 4 samples of border left out.
fn compare(ours: &[u8], reference: &[f64], w: usize, h: usize) -> (f64, f64) {
    let (mut abs, mut sq, mut n) = (0.0, 0.0, 0.0);
    for y in 4..h - 4 {
        for x in 4..w - 4 {
            let d = f64::from(ours[y * w + x]) - reference[y * w + x];
            abs += d.abs();
            sq += d * d;
            n += 1.0;
        }
    }
    (abs / n, 10.0 * (255.0 * 255.0 / (sq / n)).log10())
}

/// Gain sets tried for half scale: flat (the pure 4-point IDCT), the response of a float
/// Lanczos3 halving at the four frequencies (`sum w(k) cos(2 pi u (k - 1/2) / 16)`, normalised),
/// and a 2x2 box average's `cos(u pi / 16)`.
const CANDIDATES: [(&str, FrequencyGains); 3] = [
    ("flat", FrequencyGains::FLAT),
    ("lanczos3", FrequencyGains::LANCZOS3_HALF),
    ("box", FrequencyGains([4096, 4017, 3784, 3406])),
];

#[test]
#[ignore = "measurement"]
fn half_scale_gains_against_a_float_lanczos3_halving() {
    eprintln!("photo\tquality\tgains\tMAE\tPSNR dB");
    for path in PHOTOS {
        let Some((img, w, h)) = luma(path) else {
            eprintln!("{path}: not found, skipped");
            continue;
        };
        let name = path.rsplit('/').next().unwrap_or(path);
        for quality in [75, 90, 100] {
            let quant = quant_table(quality);
            let blocks = encode_blocks(&img, w, h, &quant);
            let full = decode_plane(
                &blocks,
                w,
                h,
                &IdctTable::new(&quant, Scale::Full),
                Scale::Full,
            );
            let reference = lanczos3_half(&full, w, h);
            for (label, gains) in CANDIDATES {
                let table = IdctTable::with_gains(&quant, Scale::Half, gains);
                let half = decode_plane(&blocks, w, h, &table, Scale::Half);
                let (mae, psnr) = compare(&half, &reference, w / 2, h / 2);
                eprintln!("{name}\tq{quality}\t{label}\t{mae:.4}\t{psnr:.2}");
            }
        }
    }
}

/// The timed call, kept out of line so callgrind can count it alone
/// (`--toggle-collect='*measure*time_rows*'`).
#[inline(never)]
fn time_rows(
    path: SimdPath,
    scale: Scale,
    rows: &[[i16; 64]],
    table: &IdctTable,
    out: &mut [u8],
    repeat: usize,
) {
    let n = scale.block_px();
    let stride = rows.len() * n;
    for _ in 0..repeat {
        inverse_row(path, scale, rows, table, out, stride);
        std::hint::black_box(&mut *out);
    }
    let _ = stride;
}

#[test]
#[ignore = "measurement"]
fn nanoseconds_per_block() {
    // IDCT_RUNS=1 under callgrind; IDCT_ONLY=half:avx2 to measure one pair.
    let runs: usize = std::env::var("IDCT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let only = std::env::var("IDCT_ONLY").ok();
    let mut rng = Rng::new(1);
    let quant = quant_table(85);
    // One row of 100 realistic blocks (an 800-sample-wide image), decoded 1000 times: 100k.
    let row: Vec<[i16; 64]> = (0..100)
        .map(|_| realistic_block(&mut rng, &quant))
        .collect();
    eprintln!("scale\tpath\tns/block (median of {runs})");
    for scale in Scale::ALL {
        let table = IdctTable::new(&quant, scale);
        let n = scale.block_px();
        let mut out = vec![0u8; n * row.len() * n];
        for path in SimdPath::supported() {
            let label = format!("{scale:?}:{}", path.as_str()).to_lowercase();
            if only.as_ref().is_some_and(|o| *o != label) {
                continue;
            }
            let mut times: Vec<f64> = (0..runs)
                .map(|_| {
                    let start = Instant::now();
                    time_rows(path, scale, &row, &table, &mut out, 1000);
                    start.elapsed().as_nanos() as f64 / 100_000.0
                })
                .collect();
            times.sort_by(f64::total_cmp);
            eprintln!("{scale:?}\t{}\t{:.2}", path.as_str(), times[runs / 2]);
        }
    }
}

/// ITU T.81 Figure A.6: the natural (row-major) index of each zigzag position.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// A canonical Huffman table: per code length, the first code, its count and the first
/// symbol's index.
struct Huffman {
    first: [i32; 17],
    count: [i32; 17],
    index: [usize; 17],
    symbols: Vec<u8>,
}

impl Huffman {
    fn new(counts: &[u8], symbols: &[u8]) -> Huffman {
        let mut h = Huffman {
            first: [0; 17],
            count: [0; 17],
            index: [0; 17],
            symbols: symbols.to_vec(),
        };
        let (mut code, mut k) = (0i32, 0usize);
        for len in 1..=16 {
            h.first[len] = code;
            h.count[len] = i32::from(counts[len - 1]);
            h.index[len] = k;
            code = (code + h.count[len]) << 1;
            k += usize::from(counts[len - 1]);
        }
        h
    }
}

/// Entropy-coded bits with stuffed zero bytes removed.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u32,
    n: u32,
}

impl Bits<'_> {
    fn bit(&mut self) -> i32 {
        if self.n == 0 {
            let b = self.data[self.pos];
            self.pos += if b == 0xff { 2 } else { 1 };
            self.acc = u32::from(b);
            self.n = 8;
        }
        self.n -= 1;
        ((self.acc >> self.n) & 1) as i32
    }
    fn receive(&mut self, s: u8) -> i32 {
        (0..s).fold(0, |v, _| (v << 1) | self.bit())
    }
    fn decode(&mut self, h: &Huffman) -> u8 {
        let mut code = 0;
        for len in 1..=16 {
            code = (code << 1) | self.bit();
            if code - h.first[len] < h.count[len] {
                return h.symbols[h.index[len] + (code - h.first[len]) as usize];
            }
        }
        panic!("bad Huffman code");
    }
}

fn extend(v: i32, s: u8) -> i32 {
    if s > 0 && v < 1 << (s - 1) {
        v - (1 << s) + 1
    } else {
        v
    }
}

/// Quantised coefficients (natural order) and quantiser of a baseline greyscale JPEG without
/// restart markers, as `cjpeg -grayscale` writes it: (blocks, table, width, height).
fn baseline_grey_coefficients(jpeg: &[u8]) -> (Vec<[i16; 64]>, [u16; 64], usize, usize) {
    let (mut quant, mut size) = ([0u16; 64], (0, 0));
    let (mut dc, mut ac) = (None, None);
    let mut pos = 2;
    loop {
        assert_eq!(jpeg[pos], 0xff);
        let marker = jpeg[pos + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        let seg = &jpeg[pos + 4..pos + 2 + len];
        match marker {
            0xdb => {
                assert_eq!(seg[0], 0, "one 8-bit table");
                for k in 0..64 {
                    quant[ZIGZAG[k]] = u16::from(seg[1 + k]);
                }
            }
            0xc0 => {
                size = (
                    usize::from(u16::from_be_bytes([seg[3], seg[4]])),
                    usize::from(u16::from_be_bytes([seg[1], seg[2]])),
                );
                assert_eq!(seg[5], 1, "greyscale");
            }
            0xc4 => {
                let mut at = 0;
                while at < seg.len() {
                    let counts = &seg[at + 1..at + 17];
                    let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
                    let h = Huffman::new(counts, &seg[at + 17..at + 17 + total]);
                    if seg[at] >> 4 == 0 {
                        dc = Some(h);
                    } else {
                        ac = Some(h);
                    }
                    at += 17 + total;
                }
            }
            0xda => {
                pos += 2 + len;
                break;
            }
            _ => {}
        }
        pos += 2 + len;
    }
    let (dc, ac) = (dc.expect("DC table"), ac.expect("AC table"));
    let mut bits = Bits {
        data: &jpeg[pos..],
        pos: 0,
        acc: 0,
        n: 0,
    };
    let count = size.0.div_ceil(8) * size.1.div_ceil(8);
    let mut pred = 0;
    let blocks = (0..count)
        .map(|_| {
            let mut block = [0i16; 64];
            let s = bits.decode(&dc);
            let diff = bits.receive(s);
            pred += extend(diff, s);
            block[0] = pred as i16;
            let mut k = 1;
            while k < 64 {
                let rs = bits.decode(&ac);
                let (r, s) = (usize::from(rs >> 4), rs & 15);
                if s == 0 {
                    if r != 15 {
                        break;
                    }
                    k += 16;
                    continue;
                }
                k += r;
                let v = bits.receive(s);
                block[ZIGZAG[k]] = extend(v, s) as i16;
                k += 1;
            }
            block
        })
        .collect();
    (blocks, quant, size.0, size.1)
}

#[test]
#[ignore = "needs libjpeg-turbo's cjpeg and djpeg"]
fn full_scale_equals_libjpeg_turbo_islow() {
    let (img, w, h) = luma(PHOTOS[0]).expect("corpus photo");
    let dir = std::env::temp_dir().join(format!("idct-libjpeg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (cw, ch) = (w.min(1024), h.min(1024));
    let mut pgm = format!("P5\n{cw} {ch}\n255\n").into_bytes();
    for y in 0..ch {
        pgm.extend_from_slice(&img[y * w..y * w + cw]);
    }
    std::fs::write(dir.join("in.pgm"), &pgm).expect("write pgm");
    for quality in ["30", "75", "90", "100"] {
        let run = |cmd: &str, args: &[&str]| -> Vec<u8> {
            let out = std::process::Command::new(cmd)
                .args(args)
                .output()
                .expect(cmd);
            assert!(out.status.success(), "{cmd} failed");
            out.stdout
        };
        let input = dir.join("in.pgm");
        let jpeg = run(
            "cjpeg",
            &[
                "-grayscale",
                "-quality",
                quality,
                input.to_str().expect("path"),
            ],
        );
        std::fs::write(dir.join("q.jpg"), &jpeg).expect("write jpeg");
        let theirs = run(
            "djpeg",
            &[
                "-dct",
                "int",
                "-pnm",
                dir.join("q.jpg").to_str().expect("path"),
            ],
        );
        let theirs = &theirs[theirs.len() - cw * ch..];
        let (blocks, quant, jw, jh) = baseline_grey_coefficients(&jpeg);
        assert_eq!((jw, jh), (cw, ch));
        let (bw, bh) = (cw.div_ceil(8), ch.div_ceil(8));
        for path in SimdPath::supported() {
            let mut ours = vec![0u8; bw * 8 * bh * 8];
            let table = IdctTable::new(&quant, Scale::Full);
            for (r, row) in blocks.chunks_exact(bw).enumerate() {
                inverse_row(
                    path,
                    Scale::Full,
                    row,
                    &table,
                    &mut ours[r * 64 * bw..(r + 1) * 64 * bw],
                    bw * 8,
                );
            }
            let mut differ = 0;
            for y in 0..ch {
                for x in 0..cw {
                    differ += usize::from(ours[y * bw * 8 + x] != theirs[y * cw + x]);
                }
            }
            eprintln!(
                "q{quality} {}: {differ} of {} samples differ from djpeg -dct int",
                path.as_str(),
                cw * ch
            );
            assert_eq!(differ, 0);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
