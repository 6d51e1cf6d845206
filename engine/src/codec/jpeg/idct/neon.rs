//! NEON kernels of the full-scale and half-scale transforms, bit-exact with [`super::scalar`].
//!
//! Products are `vmull_n_s16`/`vmlal_n_s16` widening into `i32`, the same pair sums the x86
//! `madd` lanes form; `vshrq_n_s32` and `vqmovn_s32` are the descale and the saturation to
//! `i16`. Full scale
//! takes one block at a time (a row per register), half scale two (a row of each per register).
//! Quarter and eighth scale stay scalar: a 2x2 or 1x1 transform is a few adds per block.

use std::arch::aarch64::*;

use bytemuck::cast;

use super::{
    scalar, DESCALE1, DESCALE2, FULL_EVEN_26, FULL_ODD, HALF_ODD, ONE, PASS1_ROUND, PASS2_ROUND,
    SCALED_DEQUANT_SHIFT, SCALED_DESCALE1, SCALED_PASS1_ROUND,
};

/// `a * ka + b * kb` in `i32` lanes.
#[inline]
#[target_feature(enable = "neon")]
fn pair(a: int16x4_t, b: int16x4_t, ka: i32, kb: i32) -> int32x4_t {
    vmlal_n_s16(vmull_n_s16(a, ka as i16), b, kb as i16)
}

/// Descale by `SHIFT` and saturate to `i16` (`vqshrn_n_s32` shifts by 16 at most).
#[inline]
#[target_feature(enable = "neon")]
fn narrow<const SHIFT: i32>(v: int32x4_t) -> int16x4_t {
    vqmovn_s32(vshrq_n_s32::<SHIFT>(v))
}

/// The eight 8-point outputs of four columns, in `i32`. Same sums as `scalar::idct8`.
#[inline]
#[target_feature(enable = "neon")]
fn idct8_sums(i: [int16x4_t; 8], round: int32x4_t) -> [int32x4_t; 8] {
    let tmp0 = vaddq_s32(pair(i[0], i[4], ONE, ONE), round);
    let tmp1 = vaddq_s32(pair(i[0], i[4], ONE, -ONE), round);
    let tmp3 = pair(i[2], i[6], FULL_EVEN_26[0][0], FULL_EVEN_26[0][1]);
    let tmp2 = pair(i[2], i[6], FULL_EVEN_26[1][0], FULL_EVEN_26[1][1]);
    let e = [
        vaddq_s32(tmp0, tmp3),
        vaddq_s32(tmp1, tmp2),
        vsubq_s32(tmp1, tmp2),
        vsubq_s32(tmp0, tmp3),
    ];
    let mut o = [vdupq_n_s32(0); 4];
    for (o, c) in o.iter_mut().zip(FULL_ODD) {
        *o = vaddq_s32(pair(i[1], i[3], c[0], c[1]), pair(i[5], i[7], c[2], c[3]));
    }
    [
        vaddq_s32(e[0], o[0]),
        vaddq_s32(e[1], o[1]),
        vaddq_s32(e[2], o[2]),
        vaddq_s32(e[3], o[3]),
        vsubq_s32(e[3], o[3]),
        vsubq_s32(e[2], o[2]),
        vsubq_s32(e[1], o[1]),
        vsubq_s32(e[0], o[0]),
    ]
}

/// One 8-point pass over the vector index (each lane an independent column), descaled by
/// `SHIFT` and saturated to `i16`.
#[inline]
#[target_feature(enable = "neon")]
fn idct8_pass<const SHIFT: i32>(r: &[int16x8_t; 8], round: int32x4_t) -> [int16x8_t; 8] {
    let lo = idct8_sums(r.map(|v| vget_low_s16(v)), round);
    let hi = idct8_sums(r.map(|v| vget_high_s16(v)), round);
    std::array::from_fn(|k| vcombine_s16(narrow::<SHIFT>(lo[k]), narrow::<SHIFT>(hi[k])))
}

/// Transposes an 8x8 `i16` matrix held as eight rows.
#[inline]
#[target_feature(enable = "neon")]
fn transpose8(r: &[int16x8_t; 8]) -> [int16x8_t; 8] {
    let t: [int16x8_t; 8] = std::array::from_fn(|k| {
        let (a, b) = (r[k & !1], r[k | 1]);
        if k & 1 == 0 {
            vtrn1q_s16(a, b)
        } else {
            vtrn2q_s16(a, b)
        }
    });
    let t = t.map(|v| vreinterpretq_s32_s16(v));
    // s[0..4]: columns (0,4), (1,5), (2,6), (3,7) of rows 0..4; s[4..8] of rows 4..8.
    let s: [int32x4_t; 8] = [
        vtrn1q_s32(t[0], t[2]),
        vtrn1q_s32(t[1], t[3]),
        vtrn2q_s32(t[0], t[2]),
        vtrn2q_s32(t[1], t[3]),
        vtrn1q_s32(t[4], t[6]),
        vtrn1q_s32(t[5], t[7]),
        vtrn2q_s32(t[4], t[6]),
        vtrn2q_s32(t[5], t[7]),
    ];
    let s = s.map(|v| vreinterpretq_s64_s32(v));
    std::array::from_fn(|c| {
        let (a, b) = (s[c % 4], s[4 + c % 4]);
        vreinterpretq_s16_s64(if c < 4 {
            vtrn1q_s64(a, b)
        } else {
            vtrn2q_s64(a, b)
        })
    })
}

/// Rows of `i16` samples minus 128, saturated to `u8` after the shift back.
#[inline]
#[target_feature(enable = "neon")]
fn to_samples(row: int16x8_t) -> [u8; 8] {
    let signed = vqmovn_s16(row);
    cast(veor_u8(vreinterpret_u8_s8(signed), vdup_n_u8(0x80)))
}

/// One 8x8 block into 8 rows of 8 bytes at `col`.
#[inline]
#[target_feature(enable = "neon")]
fn full_block(coef: &[i16; 64], quant: &[int16x8_t; 8], out: &mut [u8], stride: usize, col: usize) {
    let rows: [[i16; 8]; 8] = cast(*coef);
    let d: [int16x8_t; 8] = std::array::from_fn(|v| vmulq_s16(cast(rows[v]), quant[v]));
    let ws = idct8_pass::<DESCALE1>(&d, vdupq_n_s32(PASS1_ROUND));
    let x = idct8_pass::<DESCALE2>(&transpose8(&ws), vdupq_n_s32(PASS2_ROUND));
    for (y, row) in transpose8(&x).into_iter().enumerate() {
        let at = y * stride + col;
        out[at..at + 8].copy_from_slice(&to_samples(row));
    }
}

/// A row of full-scale blocks; the caller has checked that `out` holds them all.
#[target_feature(enable = "neon")]
pub(super) fn full_row(blocks: &[[i16; 64]], quant: &[i16; 64], out: &mut [u8], stride: usize) {
    let q_rows: [[i16; 8]; 8] = cast(*quant);
    let q: [int16x8_t; 8] = q_rows.map(|r| cast(r));
    for (i, b) in blocks.iter().enumerate() {
        full_block(b, &q, out, stride, i * 8);
    }
}

/// The four 4-point outputs of four columns, in `i32`. Same sums as `scalar::idct4`.
#[inline]
#[target_feature(enable = "neon")]
fn idct4_sums(i: [int16x4_t; 4], round: int32x4_t) -> [int32x4_t; 4] {
    let tmp0 = vaddq_s32(pair(i[0], i[2], ONE, ONE), round);
    let tmp2 = vaddq_s32(pair(i[0], i[2], ONE, -ONE), round);
    let o0 = pair(i[1], i[3], HALF_ODD[0][0], HALF_ODD[0][1]);
    let o1 = pair(i[1], i[3], HALF_ODD[1][0], HALF_ODD[1][1]);
    [
        vaddq_s32(tmp0, o0),
        vaddq_s32(tmp2, o1),
        vsubq_s32(tmp2, o1),
        vsubq_s32(tmp0, o0),
    ]
}

/// One 4-point pass over two blocks side by side (four lanes each), descaled and saturated.
#[inline]
#[target_feature(enable = "neon")]
fn idct4_pass<const SHIFT: i32>(r: &[int16x8_t; 4], round: int32x4_t) -> [int16x8_t; 4] {
    let lo = idct4_sums(r.map(|v| vget_low_s16(v)), round);
    let hi = idct4_sums(r.map(|v| vget_high_s16(v)), round);
    std::array::from_fn(|k| vcombine_s16(narrow::<SHIFT>(lo[k]), narrow::<SHIFT>(hi[k])))
}

/// Transposes the 4x4 `i16` matrix in each half of four registers.
#[inline]
#[target_feature(enable = "neon")]
fn transpose4(w: &[int16x8_t; 4]) -> [int16x8_t; 4] {
    let t0 = vreinterpretq_s32_s16(vtrn1q_s16(w[0], w[1]));
    let t1 = vreinterpretq_s32_s16(vtrn2q_s16(w[0], w[1]));
    let t2 = vreinterpretq_s32_s16(vtrn1q_s16(w[2], w[3]));
    let t3 = vreinterpretq_s32_s16(vtrn2q_s16(w[2], w[3]));
    [
        vreinterpretq_s16_s32(vtrn1q_s32(t0, t2)),
        vreinterpretq_s16_s32(vtrn1q_s32(t1, t3)),
        vreinterpretq_s16_s32(vtrn2q_s32(t0, t2)),
        vreinterpretq_s16_s32(vtrn2q_s32(t1, t3)),
    ]
}

/// Row `v` of the dequantised top-left 4x4 of blocks `a` and `b`, side by side.
#[inline]
#[target_feature(enable = "neon")]
fn half_dequantise(a: &[i16; 64], b: &[i16; 64], v: usize, mult: int32x4_t) -> int16x8_t {
    let o = v * 8;
    let coefs: int16x8_t = cast([
        a[o],
        a[o + 1],
        a[o + 2],
        a[o + 3],
        b[o],
        b[o + 1],
        b[o + 2],
        b[o + 3],
    ]);
    let round = vdupq_n_s32(1 << (SCALED_DEQUANT_SHIFT - 1));
    let lo = vshrq_n_s32::<SCALED_DEQUANT_SHIFT>(vaddq_s32(
        vmulq_s32(vmovl_s16(vget_low_s16(coefs)), mult),
        round,
    ));
    let hi = vshrq_n_s32::<SCALED_DEQUANT_SHIFT>(vaddq_s32(
        vmulq_s32(vmovl_high_s16(coefs), mult),
        round,
    ));
    vcombine_s16(vqmovn_s32(lo), vqmovn_s32(hi))
}

/// Two blocks into 4 rows of 8 bytes at `col`.
#[inline]
#[target_feature(enable = "neon")]
fn half_pair(
    a: &[i16; 64],
    b: &[i16; 64],
    mult: &[int32x4_t; 4],
    out: &mut [u8],
    stride: usize,
    col: usize,
) {
    let r: [int16x8_t; 4] = std::array::from_fn(|v| half_dequantise(a, b, v, mult[v]));
    let w = idct4_pass::<SCALED_DESCALE1>(&r, vdupq_n_s32(SCALED_PASS1_ROUND));
    let x = idct4_pass::<DESCALE2>(&transpose4(&w), vdupq_n_s32(PASS2_ROUND));
    for (y, row) in transpose4(&x).into_iter().enumerate() {
        let at = y * stride + col;
        out[at..at + 8].copy_from_slice(&to_samples(row));
    }
}

/// A row of half-scale blocks; the caller has checked that `out` holds them all.
#[target_feature(enable = "neon")]
pub(super) fn half_row(blocks: &[[i16; 64]], mult: &[i32; 16], out: &mut [u8], stride: usize) {
    let m: [int32x4_t; 4] = std::array::from_fn(|v| {
        cast([
            mult[v * 4],
            mult[v * 4 + 1],
            mult[v * 4 + 2],
            mult[v * 4 + 3],
        ])
    });
    let mut pairs = blocks.chunks_exact(2);
    for (p, two) in pairs.by_ref().enumerate() {
        half_pair(&two[0], &two[1], &m, out, stride, p * 8);
    }
    if let [last] = pairs.remainder() {
        scalar::half_block(last, mult, out, stride, (blocks.len() - 1) * 4);
    }
}
