//! Forward DCT and quantisation for the encoder: libjpeg's accurate integer FDCT ("islow":
//! 13-bit constants, two passes with 2 extra bits kept between them) and its rounding division
//! by 8 * q, so that at the same tables the coefficients, and so the file sizes, equal
//! libjpeg-turbo's.
//!
//! Every kernel runs one lane program: 16-bit lanes for sums and differences, 32-bit products
//! (`pmaddwd`, `vmlal`) for the multiplies, and a reciprocal multiply for the division. The
//! scalar twin in [`scalar`] spells it out; the tests prove that no 16-bit lane can wrap for
//! 8-bit samples and that the reciprocal equals true rounded division for every 16-bit input
//! and every q in 1..=255.

use crate::simd::SimdPath;

/// `[e(0), e(1), ..., e(7)]` written out: the kernels' per-row steps unrolled whatever the
/// optimisation level, so that their registers never take a round trip through an array on
/// the stack.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
macro_rules! unroll8 {
    ($i:ident => $e:expr) => {
        [
            {
                let $i = 0;
                $e
            },
            {
                let $i = 1;
                $e
            },
            {
                let $i = 2;
                $e
            },
            {
                let $i = 3;
                $e
            },
            {
                let $i = 4;
                $e
            },
            {
                let $i = 5;
                $e
            },
            {
                let $i = 6;
                $e
            },
            {
                let $i = 7;
                $e
            },
        ]
    };
}

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "aarch64")]
mod neon;
mod scalar;
#[cfg(test)]
pub(super) mod tests;

/// The fixed-point constants of the accurate integer DCT and the pairs the kernels multiply by.
pub(super) mod consts {
    /// The level shift: samples are centred on zero before the transform.
    pub(crate) const CENTRE: i16 = 128;
    /// Extra fraction bits carried from the first pass into the second.
    pub(crate) const PASS1_BITS: u32 = 2;
    /// Bits of the cosine constants.
    pub(crate) const CONST_BITS: i32 = 13;
    /// Descaling shift of the first pass's products.
    pub(crate) const PASS1_SHIFT: i32 = CONST_BITS - PASS1_BITS as i32;
    /// Descaling shift of the second pass's products.
    pub(crate) const PASS2_SHIFT: i32 = CONST_BITS + PASS1_BITS as i32;
    /// Rounding added before the second pass drops `PASS1_BITS` from outputs 0 and 4.
    pub(crate) const PASS2_DC_ROUND: i16 = 1 << (PASS1_BITS - 1);

    // The cosines, rounded to 13 bits: round(c * 2^13).
    const F0_298: i16 = 2446;
    const F0_390: i16 = 3196;
    const F0_541: i16 = 4433;
    const F0_765: i16 = 6270;
    const F0_899: i16 = 7373;
    const F1_175: i16 = 9633;
    const F1_501: i16 = 12299;
    const F1_847: i16 = 15137;
    const F1_961: i16 = 16069;
    const F2_053: i16 = 16819;
    const F2_562: i16 = 20995;
    const F3_072: i16 = 25172;

    // The rotations regrouped as sums of two products, one `pmaddwd` each, so no 16-bit sum of
    // more than two inputs is needed. In integers these equal libjpeg's groupings exactly.
    /// Output 2 from (t13, t12).
    pub(crate) const EVEN_2: (i16, i16) = (F0_541 + F0_765, F0_541);
    /// Output 6 from (t13, t12).
    pub(crate) const EVEN_6: (i16, i16) = (F0_541, F0_541 - F1_847);
    /// The share of outputs 7 and 3 from (z3, z4) = (t4 + t6, t5 + t7).
    pub(crate) const Z_73: (i16, i16) = (F1_175 - F1_961, F1_175);
    /// The share of outputs 5 and 1 from (z3, z4).
    pub(crate) const Z_15: (i16, i16) = (F1_175, F1_175 - F0_390);
    /// Output 7 from (t4, t7).
    pub(crate) const ODD_7: (i16, i16) = (F0_298 - F0_899, -F0_899);
    /// Output 3 from (t5, t6).
    pub(crate) const ODD_3: (i16, i16) = (-F2_562, F3_072 - F2_562);
    /// Output 5 from (t5, t6).
    pub(crate) const ODD_5: (i16, i16) = (F2_053 - F2_562, -F2_562);
    /// Output 1 from (t4, t7).
    pub(crate) const ODD_1: (i16, i16) = (-F0_899, F1_501 - F0_899);
}

/// Quantiser divisors of one table, prepared once per image: for each coefficient, the
/// reciprocal of 8 * q, the correction added before multiplying, and the final right shift as
/// both a multiplier (for `pmulhuw`) and a negative shift count (for `ushl`).
#[derive(Debug, Clone)]
pub(crate) struct QuantDivisors {
    pub(super) recip: [u16; 64],
    pub(super) corr: [u16; 64],
    pub(super) scale: [u16; 64],
    pub(super) neg_shift: [i16; 64],
}

impl QuantDivisors {
    /// Divisors for `table` in natural (row-major) order. Entries are clamped to 1..=255, the
    /// range of 8-bit baseline tables and of the exactness proof.
    pub(crate) fn new(table: &[u16; 64]) -> QuantDivisors {
        let mut d = QuantDivisors {
            recip: [0; 64],
            corr: [0; 64],
            scale: [0; 64],
            neg_shift: [0; 64],
        };
        for (i, &q) in table.iter().enumerate() {
            let r = Reciprocal::of(8 * u32::from(q.clamp(1, 255)));
            d.recip[i] = r.recip;
            d.corr[i] = r.corr;
            d.scale[i] = (1u32 << (32 - r.shift)) as u16;
            d.neg_shift[i] = 16 - r.shift as i16;
        }
        d
    }
}

/// `floor((a + corr) * recip / 2^shift)`, for `a` up to 32768, equals `a / divisor` rounded to
/// nearest with halves away from zero (libjpeg's `(a + divisor / 2) / divisor`).
///
/// With `b = floor(log2 divisor)` and `shift = 16 + b`, `recip` is 2^shift / divisor rounded to
/// nearest in 16 bits. When that rounds down, the product falls short of the true quotient by a
/// fraction that one extra unit of correction makes up; when it rounds up, the product is
/// already no smaller. Powers of two are exact with one bit less. The exhaustive test over all
/// inputs checks the claim rather than this argument.
struct Reciprocal {
    recip: u16,
    corr: u16,
    shift: u32,
}

impl Reciprocal {
    fn of(divisor: u32) -> Reciprocal {
        let b = 31 - divisor.leading_zeros();
        let mut shift = 16 + b;
        let mut recip = (1u64 << shift) / u64::from(divisor);
        let rem = (1u64 << shift) % u64::from(divisor);
        let mut corr = divisor / 2;
        if rem == 0 {
            recip >>= 1;
            shift -= 1;
        } else if rem <= u64::from(divisor / 2) {
            corr += 1;
        } else {
            recip += 1;
        }
        Reciprocal {
            recip: recip as u16,
            corr: corr as u16,
            shift,
        }
    }
}

/// How many whole blocks of 8 rows `stride` apart fit in `len` bytes, at most `wanted`.
fn blocks_that_fit(len: usize, stride: usize, wanted: usize) -> usize {
    let Some(last_row) = stride.checked_mul(7) else {
        return 0;
    };
    len.checked_sub(last_row)
        .map_or(0, |room| (room / 8).min(wanted))
}

/// Forward DCT and quantisation of `out.len()` horizontally adjacent 8x8 blocks read from `src`
/// (8 rows, `stride` bytes apart, `8 * out.len()` samples used per row; the caller has already
/// replicated edges), giving quantised coefficients in natural order. Level shift (-128)
/// included. Blocks whose rows do not fit in `src` are left untouched.
pub(crate) fn forward_row(
    path: SimdPath,
    src: &[u8],
    stride: usize,
    divisors: &QuantDivisors,
    out: &mut [[i16; 64]],
) {
    let n = blocks_that_fit(src.len(), stride, out.len());
    if n == 0 {
        return;
    }
    // From here every row `r * stride + 8 * n` is within `src`, so nothing overflows.
    let out = &mut out[..n];
    match path {
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx2 if path.is_supported() => {
            #[allow(unsafe_code)]
            // SAFETY: `is_supported` has just detected AVX2 on this CPU at run time.
            unsafe {
                avx2::forward_row(src, stride, divisors, out)
            }
        }
        #[cfg(target_arch = "aarch64")]
        SimdPath::Neon if path.is_supported() => {
            #[allow(unsafe_code)]
            // SAFETY: `is_supported` has just detected NEON on this CPU at run time.
            unsafe {
                neon::forward_row(src, stride, divisors, out)
            }
        }
        _ => scalar::forward_row(src, stride, divisors, out),
    }
}
