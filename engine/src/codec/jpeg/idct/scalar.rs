//! The portable twin of every IDCT kernel, and the definition of their arithmetic: the SIMD
//! kernels compute exactly these integers.
//!
//! Each 1-D pass works on dequantised `i16` values and sums products in pairs, the way
//! `madd`/`vmlal` lanes do. Every constant fits in `i16` and the largest sum any `i16` input can
//! reach is below `2^31` (see [`super::FULL_ODD`]), so the `i32` sums never overflow and their
//! order does not matter; the kernels may group them as suits their instructions. The rounding
//! points are the descale after each pass (then saturation to `i16`, as `packs` does) and the
//! final clamp to `0..=255`.

use super::{
    Scale, DESCALE1, DESCALE2, FULL_EVEN_26, FULL_ODD, HALF_ODD, ONE, PASS1_ROUND, PASS2_ROUND,
    SCALED_DEQUANT_SHIFT, SCALED_DESCALE1, SCALED_PASS1_ROUND,
};

/// Saturates to `i16`, as `packs_epi32`/`vqmovn_s32` do.
#[inline(always)]
pub(super) fn sat16(v: i32) -> i16 {
    v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// Final descale, clamp and level shift of a pass-2 sum (rounding already added).
#[inline(always)]
fn sample(v: i32) -> u8 {
    ((v >> DESCALE2).clamp(-128, 127) + 128) as u8
}

/// Dequantisation of the scaled transforms: `coef * mult` with the multiplier in `GAIN_BITS`
/// fixed point (wrapping, as 32-bit lane multiplies do), rounded to `SCALED_FRACTION_BITS`
/// fraction bits and saturated to `i16`.
#[inline(always)]
pub(super) fn dequantise_scaled(coef: i16, mult: i32) -> i16 {
    let product = i32::from(coef).wrapping_mul(mult);
    sat16(product.wrapping_add(1 << (SCALED_DEQUANT_SHIFT - 1)) >> SCALED_DEQUANT_SHIFT)
}

/// Sum of two products of `i16` values, exact in `i32` (one `madd` lane).
#[inline(always)]
fn pair(a: i16, b: i16, ka: i32, kb: i32) -> i32 {
    i32::from(a) * ka + i32::from(b) * kb
}

/// 8-point 1-D IDCT (libjpeg's "islow" factorisation, scaled by `sqrt(8) * 2^13`): returns the
/// eight sums with `round` added, before the descale.
#[inline(always)]
fn idct8(i: [i16; 8], round: i32) -> [i32; 8] {
    let tmp0 = pair(i[0], i[4], ONE, ONE) + round;
    let tmp1 = pair(i[0], i[4], ONE, -ONE) + round;
    let tmp3 = pair(i[2], i[6], FULL_EVEN_26[0][0], FULL_EVEN_26[0][1]);
    let tmp2 = pair(i[2], i[6], FULL_EVEN_26[1][0], FULL_EVEN_26[1][1]);
    let (e0, e3) = (tmp0 + tmp3, tmp0 - tmp3);
    let (e1, e2) = (tmp1 + tmp2, tmp1 - tmp2);
    let odd = |k: [i32; 4]| pair(i[1], i[3], k[0], k[1]) + pair(i[5], i[7], k[2], k[3]);
    let o0 = odd(FULL_ODD[0]);
    let o1 = odd(FULL_ODD[1]);
    let o2 = odd(FULL_ODD[2]);
    let o3 = odd(FULL_ODD[3]);
    [
        e0 + o0,
        e1 + o1,
        e2 + o2,
        e3 + o3,
        e3 - o3,
        e2 - o2,
        e1 - o1,
        e0 - o0,
    ]
}

/// 4-point 1-D IDCT of the four lowest frequencies, sampled at the centres of sample pairs, in
/// the same scaling as [`idct8`].
#[inline(always)]
fn idct4(i: [i16; 4], round: i32) -> [i32; 4] {
    let tmp0 = pair(i[0], i[2], ONE, ONE) + round;
    let tmp2 = pair(i[0], i[2], ONE, -ONE) + round;
    let o0 = pair(i[1], i[3], HALF_ODD[0][0], HALF_ODD[0][1]);
    let o1 = pair(i[1], i[3], HALF_ODD[1][0], HALF_ODD[1][1]);
    [tmp0 + o0, tmp2 + o1, tmp2 - o1, tmp0 - o0]
}

/// 2-point 1-D IDCT of the two lowest frequencies, sampled at the centres of 4-sample groups:
/// there the first harmonic's weight is exactly one.
#[inline(always)]
fn idct2(i: [i16; 2], round: i32) -> [i32; 2] {
    [
        pair(i[0], i[1], ONE, ONE) + round,
        pair(i[0], i[1], ONE, -ONE) + round,
    ]
}

/// One 8x8 block into rows `col..col + 8` of `out`, rows `stride` apart.
pub(super) fn full_block(
    coef: &[i16; 64],
    quant: &[i16; 64],
    out: &mut [u8],
    stride: usize,
    col: usize,
) {
    let mut ws = [0i16; 64];
    for x in 0..8 {
        let d: [i16; 8] = std::array::from_fn(|v| coef[v * 8 + x].wrapping_mul(quant[v * 8 + x]));
        if d[1..].iter().all(|&v| v == 0) {
            // Most columns of a quantised block have no AC term: every output is then the DC's,
            // the same integer `idct8` would give.
            let dc = sat16((i32::from(d[0]) * ONE + PASS1_ROUND) >> DESCALE1);
            for y in 0..8 {
                ws[y * 8 + x] = dc;
            }
            continue;
        }
        let o = idct8(d, PASS1_ROUND);
        for (y, v) in o.into_iter().enumerate() {
            ws[y * 8 + x] = sat16(v >> DESCALE1);
        }
    }
    for y in 0..8 {
        let r: [i16; 8] = std::array::from_fn(|u| ws[y * 8 + u]);
        let o = idct8(r, PASS2_ROUND);
        let row = &mut out[y * stride + col..y * stride + col + 8];
        for (dst, v) in row.iter_mut().zip(o) {
            *dst = sample(v);
        }
    }
}

/// One block's top-left 4x4 coefficients into 4x4 samples.
pub(super) fn half_block(
    coef: &[i16; 64],
    mult: &[i32; 16],
    out: &mut [u8],
    stride: usize,
    col: usize,
) {
    let mut ws = [0i16; 16];
    for x in 0..4 {
        let d: [i16; 4] =
            std::array::from_fn(|v| dequantise_scaled(coef[v * 8 + x], mult[v * 4 + x]));
        let o = idct4(d, SCALED_PASS1_ROUND);
        for (y, v) in o.into_iter().enumerate() {
            ws[y * 4 + x] = sat16(v >> SCALED_DESCALE1);
        }
    }
    for y in 0..4 {
        let r: [i16; 4] = std::array::from_fn(|u| ws[y * 4 + u]);
        let o = idct4(r, PASS2_ROUND);
        let row = &mut out[y * stride + col..y * stride + col + 4];
        for (dst, v) in row.iter_mut().zip(o) {
            *dst = sample(v);
        }
    }
}

/// One block's top-left 2x2 coefficients into 2x2 samples.
pub(super) fn quarter_block(
    coef: &[i16; 64],
    mult: &[i32; 16],
    out: &mut [u8],
    stride: usize,
    col: usize,
) {
    let mut ws = [0i16; 4];
    for x in 0..2 {
        let d = [
            dequantise_scaled(coef[x], mult[x]),
            dequantise_scaled(coef[8 + x], mult[4 + x]),
        ];
        let o = idct2(d, SCALED_PASS1_ROUND);
        ws[x] = sat16(o[0] >> SCALED_DESCALE1);
        ws[2 + x] = sat16(o[1] >> SCALED_DESCALE1);
    }
    for y in 0..2 {
        let o = idct2([ws[y * 2], ws[y * 2 + 1]], PASS2_ROUND);
        out[y * stride + col] = sample(o[0]);
        out[y * stride + col + 1] = sample(o[1]);
    }
}

/// One block's DC coefficient into one sample: both passes of a DC-only block.
pub(super) fn eighth_block(coef: &[i16; 64], mult: &[i32; 16], out: &mut [u8], col: usize) {
    let d = dequantise_scaled(coef[0], mult[0]);
    let w = sat16((i32::from(d) * ONE + SCALED_PASS1_ROUND) >> SCALED_DESCALE1);
    out[col] = sample(i32::from(w) * ONE + PASS2_ROUND);
}

/// A row of blocks at any scale; the caller has checked that `out` holds them all.
pub(super) fn row(
    scale: Scale,
    blocks: &[[i16; 64]],
    quant: &[i16; 64],
    mult: &[i32; 16],
    out: &mut [u8],
    stride: usize,
) {
    match scale {
        Scale::Full => {
            for (i, b) in blocks.iter().enumerate() {
                full_block(b, quant, out, stride, i * 8);
            }
        }
        Scale::Half => {
            for (i, b) in blocks.iter().enumerate() {
                half_block(b, mult, out, stride, i * 4);
            }
        }
        Scale::Quarter => {
            for (i, b) in blocks.iter().enumerate() {
                quarter_block(b, mult, out, stride, i * 2);
            }
        }
        Scale::Eighth => {
            for (i, b) in blocks.iter().enumerate() {
                eighth_block(b, mult, out, i);
            }
        }
    }
}
