//! The portable forward DCT and quantiser: the lane program of the SIMD kernels written one value
//! at a time, so that every path gives the same coefficients bit for bit.
//!
//! Values the SIMD kernels keep in 16-bit lanes are `i16` here with wrapping arithmetic; products
//! and their sums are `i32`, as `_mm256_madd_epi16` and `vmlal_s16` widen them. The ranges proven
//! in this family's tests mean no 16-bit value ever wraps for 8-bit samples, so the result is also
//! exactly libjpeg's integer FDCT.

use super::{consts::*, QuantDivisors};

/// Forward DCT and quantisation of `out.len()` blocks; the caller has checked that every block's
/// 8 rows lie inside `src`.
pub(super) fn forward_row(
    src: &[u8],
    stride: usize,
    divisors: &QuantDivisors,
    out: &mut [[i16; 64]],
) {
    for (b, block) in out.iter_mut().enumerate() {
        let mut ws = [0i16; 64];
        for (r, row) in ws.chunks_exact_mut(8).enumerate() {
            let start = r * stride + 8 * b;
            let samples = &src[start..start + 8];
            let mut x = [0i16; 8];
            for (xi, &s) in x.iter_mut().zip(samples) {
                *xi = i16::from(s) - CENTRE;
            }
            row.copy_from_slice(&dct_1d::<false>(x));
        }
        for u in 0..8 {
            let col: [i16; 8] = std::array::from_fn(|r| ws[8 * r + u]);
            for (r, c) in dct_1d::<true>(col).into_iter().enumerate() {
                ws[8 * r + u] = c;
            }
        }
        for (i, (o, &c)) in block.iter_mut().zip(&ws).enumerate() {
            *o = quantise(c, divisors.recip[i], divisors.corr[i], divisors.scale[i]);
        }
    }
}

/// One 8-point pass of the accurate integer DCT. The first pass (rows) leaves its outputs
/// scaled up by 2^PASS1_BITS; the second (columns) removes that, leaving 8 times the
/// orthonormal 2-D DCT, as libjpeg does.
#[inline(always)]
pub(super) fn dct_1d<const SECOND: bool>(x: [i16; 8]) -> [i16; 8] {
    let t0 = x[0].wrapping_add(x[7]);
    let t7 = x[0].wrapping_sub(x[7]);
    let t1 = x[1].wrapping_add(x[6]);
    let t6 = x[1].wrapping_sub(x[6]);
    let t2 = x[2].wrapping_add(x[5]);
    let t5 = x[2].wrapping_sub(x[5]);
    let t3 = x[3].wrapping_add(x[4]);
    let t4 = x[3].wrapping_sub(x[4]);

    let t10 = t0.wrapping_add(t3);
    let t13 = t0.wrapping_sub(t3);
    let t11 = t1.wrapping_add(t2);
    let t12 = t1.wrapping_sub(t2);

    let (out0, out4) = if SECOND {
        (
            t10.wrapping_add(t11).wrapping_add(PASS2_DC_ROUND) >> PASS1_BITS,
            t10.wrapping_sub(t11).wrapping_add(PASS2_DC_ROUND) >> PASS1_BITS,
        )
    } else {
        (
            t10.wrapping_add(t11) << PASS1_BITS,
            t10.wrapping_sub(t11) << PASS1_BITS,
        )
    };
    let shift = if SECOND { PASS2_SHIFT } else { PASS1_SHIFT };
    let descale = |v: i32| ((v + (1 << (shift - 1))) >> shift) as i16;

    let out2 = descale(madd(t13, EVEN_2.0, t12, EVEN_2.1));
    let out6 = descale(madd(t13, EVEN_6.0, t12, EVEN_6.1));

    let z3 = t4.wrapping_add(t6);
    let z4 = t5.wrapping_add(t7);
    let z37 = madd(z3, Z_73.0, z4, Z_73.1);
    let z15 = madd(z3, Z_15.0, z4, Z_15.1);
    let out7 = descale(madd(t4, ODD_7.0, t7, ODD_7.1) + z37);
    let out3 = descale(madd(t5, ODD_3.0, t6, ODD_3.1) + z37);
    let out5 = descale(madd(t5, ODD_5.0, t6, ODD_5.1) + z15);
    let out1 = descale(madd(t4, ODD_1.0, t7, ODD_1.1) + z15);

    [out0, out1, out2, out3, out4, out5, out6, out7]
}

/// `a * ca + b * cb` in 32 bits: one lane of `pmaddwd`.
#[inline(always)]
fn madd(a: i16, ca: i16, b: i16, cb: i16) -> i32 {
    i32::from(a) * i32::from(ca) + i32::from(b) * i32::from(cb)
}

/// Rounded division of one DCT output by 8 * q, by the reciprocal multiply of the SIMD lanes:
/// |c| plus a correction, the high half of its product with the reciprocal, then the high half
/// of that with a power-of-two scale (a right shift), and the sign of `c` put back.
#[inline(always)]
pub(super) fn quantise(c: i16, recip: u16, corr: u16, scale: u16) -> i16 {
    let a = c.unsigned_abs().wrapping_add(corr);
    let hi = ((u32::from(a) * u32::from(recip)) >> 16) as u16;
    let q = ((u32::from(hi) * u32::from(scale)) >> 16) as i16;
    match c.signum() {
        -1 => q.wrapping_neg(),
        0 => 0,
        _ => q,
    }
}
