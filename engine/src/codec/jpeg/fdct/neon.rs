//! The NEON forward DCT: one block at a time, one row per register. NEON's multiply-accumulate
//! by a scalar (`smlal`) and rounding narrowing shift (`rshrn`) do in one instruction what
//! needs two or three on x86, which keeps the 128-bit kernel close to the 256-bit one.
//!
//! Each pass transposes (one register per sample index of all 8 lines) and runs the scalar
//! twin's lane program; after the second pass register v holds coefficient row v.

use std::arch::aarch64::*;

use super::{consts::*, QuantDivisors};

#[target_feature(enable = "neon")]
pub(super) fn forward_row(
    src: &[u8],
    stride: usize,
    divisors: &QuantDivisors,
    out: &mut [[i16; 64]],
) {
    let recip: [uint16x8_t; 8] = bytemuck::cast(divisors.recip);
    let corr: [uint16x8_t; 8] = bytemuck::cast(divisors.corr);
    let shift: [int16x8_t; 8] = bytemuck::cast(divisors.neg_shift);
    let centre = vdup_n_u8(CENTRE as u8);
    for (b, block) in out.iter_mut().enumerate() {
        let rows = unroll8!(r => {
            let at = r * stride + 8 * b;
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&src[at..at + 8]);
            // s - 128 in wrapping 16-bit lanes is the signed centred sample.
            vreinterpretq_s16_u16(vsubl_u8(bytemuck::cast(bytes), centre))
        });
        let c = dct_1d::<true>(transpose(dct_1d::<false>(transpose(rows))));
        let q = unroll8!(v => {
            let a = vaddq_u16(vreinterpretq_u16_s16(vabsq_s16(c[v])), corr[v]);
            let lo = vmull_u16(vget_low_u16(a), vget_low_u16(recip[v]));
            let hi = vmull_high_u16(a, recip[v]);
            let a = vuzp2q_u16(vreinterpretq_u16_u32(lo), vreinterpretq_u16_u32(hi));
            let a = vreinterpretq_s16_u16(vshlq_u16(a, shift[v]));
            // Put the sign back: (a ^ s) - s with s all ones where c is negative.
            let s = vshrq_n_s16::<15>(c[v]);
            vsubq_s16(veorq_s16(a, s), s)
        });
        *block = bytemuck::cast(q);
    }
}

/// 8x8 transpose of 16-bit values by three rounds of `trn1`/`trn2` (16-, 32-, 64-bit).
#[target_feature(enable = "neon")]
#[inline]
fn transpose(r: [int16x8_t; 8]) -> [int16x8_t; 8] {
    let mut a = [vdupq_n_s32(0); 8];
    for k in 0..4 {
        let (x, y) = (r[2 * k], r[2 * k + 1]);
        a[2 * k] = vreinterpretq_s32_s16(vtrn1q_s16(x, y));
        a[2 * k + 1] = vreinterpretq_s32_s16(vtrn2q_s16(x, y));
    }
    // a[2k] holds columns 0,2,4,6 of rows 2k and 2k+1, a[2k+1] columns 1,3,5,7.
    // b[i], i = 4 * (rows 4..7) + 2 * (columns 2,6 / 3,7) + (odd columns).
    let mut b = [vdupq_n_s64(0); 8];
    for base in [0, 1, 4, 5] {
        let (x, y) = (a[base], a[base + 2]);
        b[base] = vreinterpretq_s64_s32(vtrn1q_s32(x, y));
        b[base + 2] = vreinterpretq_s64_s32(vtrn2q_s32(x, y));
    }
    // b[i] for i < 4 holds rows 0..3 of columns (i & 1) + 2 * (i >> 1 & 1) and that plus 4.
    let mut c = [vdupq_n_s16(0); 8];
    for i in 0..4 {
        let (x, y) = (b[i], b[i + 4]);
        c[i] = vreinterpretq_s16_s64(vtrn1q_s64(x, y));
        c[i + 4] = vreinterpretq_s16_s64(vtrn2q_s64(x, y));
    }
    c
}

/// `a * c.0 + b * c.1` in 32-bit lanes, low and high halves.
#[derive(Clone, Copy)]
struct Wide(int32x4_t, int32x4_t);

#[target_feature(enable = "neon")]
#[inline]
fn madd(a: int16x8_t, b: int16x8_t, c: (i16, i16)) -> Wide {
    Wide(
        vmlal_n_s16(vmull_n_s16(vget_low_s16(a), c.0), vget_low_s16(b), c.1),
        vmlal_high_n_s16(vmull_high_n_s16(a, c.0), b, c.1),
    )
}

#[target_feature(enable = "neon")]
#[inline]
fn add(a: Wide, b: Wide) -> Wide {
    Wide(vaddq_s32(a.0, b.0), vaddq_s32(a.1, b.1))
}

/// Rounds off the pass's fraction bits and narrows to 16 bits.
#[target_feature(enable = "neon")]
#[inline]
fn narrow<const SECOND: bool>(w: Wide) -> int16x8_t {
    if SECOND {
        vrshrn_high_n_s32::<{ PASS2_SHIFT }>(vrshrn_n_s32::<{ PASS2_SHIFT }>(w.0), w.1)
    } else {
        vrshrn_high_n_s32::<{ PASS1_SHIFT }>(vrshrn_n_s32::<{ PASS1_SHIFT }>(w.0), w.1)
    }
}

/// The scalar twin's `dct_1d` on 8 lanes.
#[target_feature(enable = "neon")]
#[inline]
fn dct_1d<const SECOND: bool>(x: [int16x8_t; 8]) -> [int16x8_t; 8] {
    let t0 = vaddq_s16(x[0], x[7]);
    let t7 = vsubq_s16(x[0], x[7]);
    let t1 = vaddq_s16(x[1], x[6]);
    let t6 = vsubq_s16(x[1], x[6]);
    let t2 = vaddq_s16(x[2], x[5]);
    let t5 = vsubq_s16(x[2], x[5]);
    let t3 = vaddq_s16(x[3], x[4]);
    let t4 = vsubq_s16(x[3], x[4]);

    let t10 = vaddq_s16(t0, t3);
    let t13 = vsubq_s16(t0, t3);
    let t11 = vaddq_s16(t1, t2);
    let t12 = vsubq_s16(t1, t2);

    let (out0, out4) = if SECOND {
        (
            vrshrq_n_s16::<{ PASS1_BITS as i32 }>(vaddq_s16(t10, t11)),
            vrshrq_n_s16::<{ PASS1_BITS as i32 }>(vsubq_s16(t10, t11)),
        )
    } else {
        (
            vshlq_n_s16::<{ PASS1_BITS as i32 }>(vaddq_s16(t10, t11)),
            vshlq_n_s16::<{ PASS1_BITS as i32 }>(vsubq_s16(t10, t11)),
        )
    };

    let out2 = narrow::<SECOND>(madd(t13, t12, EVEN_2));
    let out6 = narrow::<SECOND>(madd(t13, t12, EVEN_6));

    let z3 = vaddq_s16(t4, t6);
    let z4 = vaddq_s16(t5, t7);
    let z37 = madd(z3, z4, Z_73);
    let z15 = madd(z3, z4, Z_15);
    let out7 = narrow::<SECOND>(add(madd(t4, t7, ODD_7), z37));
    let out3 = narrow::<SECOND>(add(madd(t5, t6, ODD_3), z37));
    let out5 = narrow::<SECOND>(add(madd(t5, t6, ODD_5), z15));
    let out1 = narrow::<SECOND>(add(madd(t4, t7, ODD_1), z15));

    [out0, out1, out2, out3, out4, out5, out6, out7]
}
