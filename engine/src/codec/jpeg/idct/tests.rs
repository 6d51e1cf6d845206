use super::*;
use std::f64::consts::PI;

/// xorshift64*: reproducible blocks without a dependency.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `lo..=hi`.
    pub(super) fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + (self.next() % (hi - lo + 1) as u64) as i32
    }
}

/// The orthonormal 8-point DCT basis weight `C(u)/2 * cos((2x+1) u pi / 16)`.
fn basis8(u: usize, x: f64) -> f64 {
    let c = if u == 0 { 0.5f64.sqrt() } else { 1.0 };
    0.5 * c * ((2.0 * x + 1.0) * u as f64 * PI / 16.0).cos()
}

/// Float forward DCT of 64 samples (already level-shifted), f64.
pub(super) fn forward_dct(samples: &[f64; 64]) -> [f64; 64] {
    let mut f = [0.0; 64];
    for v in 0..8 {
        for u in 0..8 {
            let mut s = 0.0;
            for y in 0..8 {
                for x in 0..8 {
                    s += samples[y * 8 + x] * basis8(u, x as f64) * basis8(v, y as f64);
                }
            }
            f[v * 8 + u] = s;
        }
    }
    f
}

/// Float reference of a scale: the band-limited signal of the scale's lowest frequencies (each
/// scaled by its gains) sampled at the centres of the `8 / block_px` groups, plus 128. Not
/// rounded.
pub(super) fn float_idct(dequantised: &[f64; 64], scale: Scale, gains: [f64; 4]) -> Vec<f64> {
    let n = scale.block_px();
    let group = (8 / n) as f64;
    let pos = |i: usize| (i as f64 + 0.5) * group - 0.5;
    let gain = |u: usize| if scale == Scale::Full { 1.0 } else { gains[u] };
    let mut out = vec![0.0; n * n];
    for y in 0..n {
        for x in 0..n {
            let mut s = 128.0;
            for v in 0..n {
                for u in 0..n {
                    s += dequantised[v * 8 + u]
                        * gain(u)
                        * gain(v)
                        * basis8(u, pos(x))
                        * basis8(v, pos(y));
                }
            }
            out[y * n + x] = s;
        }
    }
    out
}

/// Quantised coefficients of a random smooth-plus-noise block, as an encoder makes them.
pub(super) fn realistic_block(rng: &mut Rng, quant: &[u16; 64]) -> [i16; 64] {
    let base = f64::from(rng.range(-100, 100));
    let (gx, gy) = (f64::from(rng.range(-12, 12)), f64::from(rng.range(-12, 12)));
    let noise = rng.range(0, 60);
    let samples: [f64; 64] = std::array::from_fn(|i| {
        let (x, y) = ((i % 8) as f64, (i / 8) as f64);
        let s = base + gx * (x - 3.5) + gy * (y - 3.5) + f64::from(rng.range(-noise, noise));
        s.clamp(-128.0, 127.0)
    });
    let f = forward_dct(&samples);
    std::array::from_fn(|i| (f[i] / f64::from(quant[i])).round() as i16)
}

/// The standard luminance table of ITU T.81 Annex K.1 scaled to a libjpeg quality.
pub(super) fn quant_table(quality: u32) -> [u16; 64] {
    #[rustfmt::skip]
    const K1: [u16; 64] = [
        16, 11, 10, 16, 24, 40, 51, 61,
        12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77,
        24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101,
        72, 92, 95, 98, 112, 100, 103, 99,
    ];
    let s = if quality < 50 {
        5000 / quality
    } else {
        200 - quality * 2
    };
    K1.map(|q| ((u32::from(q) * s + 50) / 100).clamp(1, 255) as u16)
}

fn gains_f64(g: FrequencyGains) -> [f64; 4] {
    g.0.map(|v| f64::from(v) / 4096.0)
}

fn decode(path: SimdPath, scale: Scale, blocks: &[[i16; 64]], table: &IdctTable) -> Vec<u8> {
    let n = scale.block_px();
    let stride = blocks.len() * n + 3;
    let mut out = vec![0u8; (n - 1) * stride + blocks.len() * n];
    inverse_row(path, scale, blocks, table, &mut out, stride);
    // Back to one block after another, n*n samples each.
    let mut packed = Vec::with_capacity(blocks.len() * n * n);
    for i in 0..blocks.len() {
        for y in 0..n {
            packed.extend_from_slice(&out[y * stride + i * n..y * stride + i * n + n]);
        }
    }
    packed
}

#[test]
fn every_scale_is_within_one_of_the_float_transform() {
    let mut rng = Rng::new(7);
    for quality in [30, 75, 95, 100] {
        let quant = quant_table(quality);
        let blocks: Vec<[i16; 64]> = (0..2000)
            .map(|_| realistic_block(&mut rng, &quant))
            .collect();
        for scale in Scale::ALL {
            let table = IdctTable::new(&quant, scale);
            assert_eq!(table.scale(), scale);
            assert_eq!(scale.coefficients(), scale.block_px());
            let gains = gains_f64(FrequencyGains::default_for(scale));
            let ours = decode(SimdPath::Scalar, scale, &blocks, &table);
            let n2 = scale.block_px() * scale.block_px();
            let (mut off_by_one, mut total) = (0usize, 0usize);
            for (b, block) in blocks.iter().enumerate() {
                let deq: [f64; 64] =
                    std::array::from_fn(|i| f64::from(block[i]) * f64::from(quant[i]));
                let reference = float_idct(&deq, scale, gains);
                for (k, r) in reference.iter().enumerate() {
                    // Ties round up, as the fixed point's `(x + half) >> n` does.
                    let expect = (r + 0.5).floor().clamp(0.0, 255.0);
                    let got = f64::from(ours[b * n2 + k]);
                    assert!(
                        (got - expect).abs() <= 1.0,
                        "{scale:?} q{quality} block {b} sample {k}: {got} vs float {r}"
                    );
                    off_by_one += usize::from(got != expect);
                    total += 1;
                }
            }
            // The fixed point rounds like the float transform almost always (the misses are
            // mostly exact ties, where the float sum's last bit decides).
            eprintln!("{scale:?} q{quality}: {off_by_one} of {total} samples off by one");
            assert!(
                off_by_one * 16 <= total,
                "{scale:?} q{quality}: {off_by_one} of {total} samples off by one"
            );
        }
    }
}

#[test]
fn a_dc_only_block_is_flat_and_the_same_at_every_scale() {
    for quant in [quant_table(50), [1u16; 64], [255u16; 64]] {
        for dc in [
            -1024i16, -1000, -513, -17, -1, 0, 1, 5, 100, 511, 1016, 1023,
        ] {
            if i32::from(dc).abs() * i32::from(quant[0]) > 2047 * 8 {
                continue;
            }
            let mut block = [0i16; 64];
            block[0] = dc / quant[0].max(1) as i16;
            let expect = (f64::from(block[0]) * f64::from(quant[0]) / 8.0 + 128.0)
                .round()
                .clamp(0.0, 255.0) as u8;
            for scale in Scale::ALL {
                let table = IdctTable::new(&quant, scale);
                let got = decode(SimdPath::Scalar, scale, &[block], &table);
                assert!(
                    got.iter().all(|&s| s == got[0]),
                    "{scale:?} dc {dc}: not flat: {got:?}"
                );
                assert!(
                    got[0].abs_diff(expect) <= 1,
                    "{scale:?} dc {dc}: {} vs {expect}",
                    got[0]
                );
                let full = decode(
                    SimdPath::Scalar,
                    Scale::Full,
                    &[block],
                    &IdctTable::new(&quant, Scale::Full),
                );
                assert_eq!(
                    got[0], full[0],
                    "{scale:?} dc {dc}: differs from full scale"
                );
            }
        }
    }
}

#[test]
fn scaled_outputs_are_close_to_the_box_average_of_full_scale_on_smooth_blocks() {
    let mut rng = Rng::new(11);
    let quant = quant_table(90);
    for _ in 0..500 {
        // Smooth: a DC and the two first harmonics, modest amplitudes.
        let mut block = [0i16; 64];
        block[0] = rng.range(-60, 60) as i16;
        block[1] = rng.range(-8, 8) as i16;
        block[8] = rng.range(-8, 8) as i16;
        block[9] = rng.range(-3, 3) as i16;
        let full = decode(
            SimdPath::Scalar,
            Scale::Full,
            &[block],
            &IdctTable::new(&quant, Scale::Full),
        );
        for scale in [Scale::Half, Scale::Quarter, Scale::Eighth] {
            let n = scale.block_px();
            let g = 8 / n;
            let got = decode(
                SimdPath::Scalar,
                scale,
                &[block],
                &IdctTable::new(&quant, scale),
            );
            for y in 0..n {
                for x in 0..n {
                    let mut sum = 0u32;
                    for dy in 0..g {
                        for dx in 0..g {
                            sum += u32::from(full[(y * g + dy) * 8 + x * g + dx]);
                        }
                    }
                    let mean = f64::from(sum) / (g * g) as f64;
                    let ours = f64::from(got[y * n + x]);
                    assert!(
                        (ours - mean).abs() <= 2.0,
                        "{scale:?} ({x},{y}): {ours} vs box mean {mean}, block {block:?}"
                    );
                }
            }
        }
    }
}

/// Random blocks over the whole `i16` range, or near the extremes a valid file reaches.
fn extreme_blocks(rng: &mut Rng, count: usize) -> Vec<[i16; 64]> {
    (0..count)
        .map(|i| {
            std::array::from_fn(|k| match i % 6 {
                // A DC and AC terms in one column, or (below) a DC only: the scalar shortcut.
                4 => {
                    if k == 0 || (k % 8 == i % 8 && rng.range(0, 1) == 0) {
                        rng.range(-2047, 2047) as i16
                    } else {
                        0
                    }
                }
                0 => rng.range(-32768, 32767) as i16,
                1 => [-2047i16, 2047, -2048, 0][rng.range(0, 3) as usize],
                2 => rng.range(-2047, 2047) as i16,
                3 => {
                    if rng.range(0, 7) == 0 {
                        rng.range(-2047, 2047) as i16
                    } else {
                        0
                    }
                }
                _ => {
                    if k == 0 {
                        rng.range(-2047, 2047) as i16
                    } else {
                        0
                    }
                }
            })
        })
        .collect()
}

#[test]
fn extreme_coefficients_and_quantisers_do_not_panic() {
    let mut rng = Rng::new(3);
    let blocks = extreme_blocks(&mut rng, 64);
    for q in [1u16, 255, 65535] {
        let quant = [q; 64];
        for scale in Scale::ALL {
            let table = IdctTable::new(&quant, scale);
            for path in SimdPath::supported() {
                let _ = decode(path, scale, &blocks, &table);
            }
        }
    }
}

#[test]
fn every_path_is_bit_exact_with_scalar() {
    let mut rng = Rng::new(5);
    let mut blocks = extreme_blocks(&mut rng, 400);
    let realistic = quant_table(85);
    blocks.extend((0..400).map(|_| realistic_block(&mut rng, &realistic)));
    let tables: Vec<[u16; 64]> = vec![
        realistic,
        quant_table(100),
        std::array::from_fn(|_| rng.range(1, 255) as u16),
        std::array::from_fn(|_| rng.range(1, 65535) as u16),
        [65535; 64],
    ];
    let gains = [
        FrequencyGains::FLAT,
        FrequencyGains::default_for(Scale::Half),
        FrequencyGains([4096, 5000, 3000, 8000]),
    ];
    for quant in &tables {
        for scale in Scale::ALL {
            for g in gains {
                let table = IdctTable::with_gains(quant, scale, g);
                // Every row length, so each kernel's tail handling is exercised.
                for len in [1, 2, 3, 4, 5, 7, 8, 9, 16, 33, blocks.len()] {
                    let row = &blocks[..len];
                    let scalar = decode(SimdPath::Scalar, scale, row, &table);
                    for path in SimdPath::supported() {
                        let simd = decode(path, scale, row, &table);
                        assert!(
                            scalar == simd,
                            "{path:?} {scale:?} differs from scalar, {len} blocks"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn blocks_that_do_not_fit_are_skipped() {
    let quant = quant_table(75);
    let blocks = [[7i16; 64]; 5];
    for scale in Scale::ALL {
        let n = scale.block_px();
        let table = IdctTable::new(&quant, scale);
        for path in SimdPath::supported() {
            // Stride too small for five blocks: only the first two are written.
            let stride = 2 * n + n / 2;
            let mut out = vec![0u8; (n - 1) * stride + 5 * n];
            inverse_row(path, scale, &blocks, &table, &mut out, stride);
            let mut expect = vec![0u8; out.len()];
            inverse_row(
                SimdPath::Scalar,
                scale,
                &blocks[..2],
                &table,
                &mut expect,
                stride,
            );
            assert_eq!(out, expect, "{path:?} {scale:?}");
            // Output too short: nothing but what fits, no panic.
            for len in [
                0,
                1,
                (n - 1) * stride,
                (n - 1) * stride + n - 1,
                (n - 1) * stride + 3 * n,
            ] {
                let mut out = vec![0u8; len];
                inverse_row(path, scale, &blocks, &table, &mut out, stride);
            }
            inverse_row(path, scale, &blocks, &table, &mut [], 0);
        }
    }
}
