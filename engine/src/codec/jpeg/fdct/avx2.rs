//! The AVX2 forward DCT: two blocks at a time, one in each 128-bit half of every register, so
//! the in-lane unpacks that transpose an 8x8 block of 16-bit values transpose both at once.
//!
//! Each pass transposes (so that one register holds one sample index of all 8 lines) and then
//! runs the scalar twin's lane program on 16 lanes: 16-bit sums, `pmaddwd` pairs for the
//! rotations, `packssdw` back to 16 bits. After the second pass register v holds coefficient
//! row v of both blocks, natural order without a final transpose.

use std::arch::x86_64::*;

use super::{consts::*, QuantDivisors};

#[target_feature(enable = "avx2")]
pub(super) fn forward_row(
    src: &[u8],
    stride: usize,
    divisors: &QuantDivisors,
    out: &mut [[i16; 64]],
) {
    let q = Divisors::new(divisors);
    // One call site of the transform, so that it is inlined: an odd last block runs as a pair
    // whose second half is discarded.
    // The 8 rows of the whole strip, sliced once so that each load checks one bound.
    let width = 8 * out.len();
    let mut lines: [&[u8]; 8] = [&[]; 8];
    for (r, line) in lines.iter_mut().enumerate() {
        *line = &src[r * stride..r * stride + width];
    }
    for (p, pair) in out.chunks_mut(2).enumerate() {
        let (at, end) = (16 * p, 16 * p + 8 * pair.len());
        let rows = unroll8!(r => {
            let mut bytes = [0u8; 16];
            match <[u8; 16]>::try_from(&lines[r][at..end]) {
                Ok(both) => bytes = both,
                Err(_) => bytes[..8].copy_from_slice(&lines[r][at..at + 8]),
            }
            widen(bytemuck::cast(bytes))
        });
        let (a, b) = split(quantise(transform(rows), &q));
        pair[0] = a;
        if let Some(second) = pair.get_mut(1) {
            *second = b;
        }
    }
}

/// The divisor rows, each copied into both halves.
struct Divisors {
    recip: [__m256i; 8],
    corr: [__m256i; 8],
    scale: [__m256i; 8],
    /// Zero, but not known to the compiler: OR-ed into the first product's high half, it
    /// stops LLVM from fusing the two `pmulhuw` into a 32-bit multiply that it then lowers
    /// with eight extra instructions per register.
    opaque_zero: __m256i,
}

impl Divisors {
    #[target_feature(enable = "avx2")]
    fn new(d: &QuantDivisors) -> Divisors {
        let mut q = Divisors {
            recip: [_mm256_setzero_si256(); 8],
            corr: [_mm256_setzero_si256(); 8],
            scale: [_mm256_setzero_si256(); 8],
            opaque_zero: _mm256_setzero_si256(),
        };
        for v in 0..8 {
            let row = |t: &[u16; 64]| -> __m256i {
                let mut row = [0u16; 8];
                row.copy_from_slice(&t[8 * v..8 * v + 8]);
                bytemuck::cast([row, row])
            };
            q.recip[v] = row(&d.recip);
            q.corr[v] = row(&d.corr);
            q.scale[v] = row(&d.scale);
        }
        // Every correction is below 2^15.
        q.opaque_zero = _mm256_srli_epi16::<15>(q.corr[0]);
        q
    }
}

/// 16 samples (8 of each block) to centred 16-bit lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn widen(bytes: __m128i) -> __m256i {
    _mm256_sub_epi16(_mm256_cvtepu8_epi16(bytes), _mm256_set1_epi16(CENTRE))
}

/// Both passes; register v of the result is coefficient row v of both blocks.
#[target_feature(enable = "avx2")]
#[inline]
fn transform(rows: [__m256i; 8]) -> [__m256i; 8] {
    let rows = dct_1d::<false>(transpose(rows));
    dct_1d::<true>(transpose(rows))
}

/// 8x8 transposes of 16-bit values, one in each 128-bit half.
#[target_feature(enable = "avx2")]
#[inline]
fn transpose(r: [__m256i; 8]) -> [__m256i; 8] {
    let a0 = _mm256_unpacklo_epi16(r[0], r[1]);
    let a1 = _mm256_unpackhi_epi16(r[0], r[1]);
    let a2 = _mm256_unpacklo_epi16(r[2], r[3]);
    let a3 = _mm256_unpackhi_epi16(r[2], r[3]);
    let a4 = _mm256_unpacklo_epi16(r[4], r[5]);
    let a5 = _mm256_unpackhi_epi16(r[4], r[5]);
    let a6 = _mm256_unpacklo_epi16(r[6], r[7]);
    let a7 = _mm256_unpackhi_epi16(r[6], r[7]);
    let b0 = _mm256_unpacklo_epi32(a0, a2);
    let b1 = _mm256_unpackhi_epi32(a0, a2);
    let b2 = _mm256_unpacklo_epi32(a1, a3);
    let b3 = _mm256_unpackhi_epi32(a1, a3);
    let b4 = _mm256_unpacklo_epi32(a4, a6);
    let b5 = _mm256_unpackhi_epi32(a4, a6);
    let b6 = _mm256_unpacklo_epi32(a5, a7);
    let b7 = _mm256_unpackhi_epi32(a5, a7);
    [
        _mm256_unpacklo_epi64(b0, b4),
        _mm256_unpackhi_epi64(b0, b4),
        _mm256_unpacklo_epi64(b1, b5),
        _mm256_unpackhi_epi64(b1, b5),
        _mm256_unpacklo_epi64(b2, b6),
        _mm256_unpackhi_epi64(b2, b6),
        _mm256_unpacklo_epi64(b3, b7),
        _mm256_unpackhi_epi64(b3, b7),
    ]
}

/// Two 16-bit registers interleaved into 32-bit lanes of pairs, low and high halves.
#[derive(Clone, Copy)]
struct Pairs(__m256i, __m256i);

#[target_feature(enable = "avx2")]
#[inline]
fn pairs(a: __m256i, b: __m256i) -> Pairs {
    Pairs(_mm256_unpacklo_epi16(a, b), _mm256_unpackhi_epi16(a, b))
}

/// `a * c.0 + b * c.1` in 32-bit lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn madd(p: Pairs, c: (i16, i16)) -> Pairs {
    let k = _mm256_set1_epi32(i32::from(c.0 as u16) | (i32::from(c.1) << 16));
    Pairs(_mm256_madd_epi16(p.0, k), _mm256_madd_epi16(p.1, k))
}

#[target_feature(enable = "avx2")]
#[inline]
fn add(a: Pairs, b: Pairs) -> Pairs {
    Pairs(_mm256_add_epi32(a.0, b.0), _mm256_add_epi32(a.1, b.1))
}

/// Adds the pass's rounding constant to a shared term, so each output that uses it gets the
/// rounding for free.
#[target_feature(enable = "avx2")]
#[inline]
fn rounded<const SECOND: bool>(p: Pairs) -> Pairs {
    let shift = if SECOND { PASS2_SHIFT } else { PASS1_SHIFT };
    let k = _mm256_set1_epi32(1 << (shift - 1));
    Pairs(_mm256_add_epi32(p.0, k), _mm256_add_epi32(p.1, k))
}

/// Drops the pass's fraction bits (rounding already added) and packs to 16 bits.
#[target_feature(enable = "avx2")]
#[inline]
fn narrow<const SECOND: bool>(p: Pairs) -> __m256i {
    let (lo, hi) = if SECOND {
        (
            _mm256_srai_epi32::<{ PASS2_SHIFT }>(p.0),
            _mm256_srai_epi32::<{ PASS2_SHIFT }>(p.1),
        )
    } else {
        (
            _mm256_srai_epi32::<{ PASS1_SHIFT }>(p.0),
            _mm256_srai_epi32::<{ PASS1_SHIFT }>(p.1),
        )
    };
    _mm256_packs_epi32(lo, hi)
}

/// The scalar twin's `dct_1d` on 16 lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn dct_1d<const SECOND: bool>(x: [__m256i; 8]) -> [__m256i; 8] {
    let t0 = _mm256_add_epi16(x[0], x[7]);
    let t7 = _mm256_sub_epi16(x[0], x[7]);
    let t1 = _mm256_add_epi16(x[1], x[6]);
    let t6 = _mm256_sub_epi16(x[1], x[6]);
    let t2 = _mm256_add_epi16(x[2], x[5]);
    let t5 = _mm256_sub_epi16(x[2], x[5]);
    let t3 = _mm256_add_epi16(x[3], x[4]);
    let t4 = _mm256_sub_epi16(x[3], x[4]);

    let t10 = _mm256_add_epi16(t0, t3);
    let t13 = _mm256_sub_epi16(t0, t3);
    let t11 = _mm256_add_epi16(t1, t2);
    let t12 = _mm256_sub_epi16(t1, t2);

    let (out0, out4) = if SECOND {
        let round = _mm256_set1_epi16(PASS2_DC_ROUND);
        (
            _mm256_srai_epi16::<{ PASS1_BITS as i32 }>(_mm256_add_epi16(
                _mm256_add_epi16(t10, t11),
                round,
            )),
            _mm256_srai_epi16::<{ PASS1_BITS as i32 }>(_mm256_add_epi16(
                _mm256_sub_epi16(t10, t11),
                round,
            )),
        )
    } else {
        (
            _mm256_slli_epi16::<{ PASS1_BITS as i32 }>(_mm256_add_epi16(t10, t11)),
            _mm256_slli_epi16::<{ PASS1_BITS as i32 }>(_mm256_sub_epi16(t10, t11)),
        )
    };

    let even = pairs(t13, t12);
    let out2 = narrow::<SECOND>(rounded::<SECOND>(madd(even, EVEN_2)));
    let out6 = narrow::<SECOND>(rounded::<SECOND>(madd(even, EVEN_6)));

    let z = pairs(_mm256_add_epi16(t4, t6), _mm256_add_epi16(t5, t7));
    let z37 = rounded::<SECOND>(madd(z, Z_73));
    let z15 = rounded::<SECOND>(madd(z, Z_15));
    let t47 = pairs(t4, t7);
    let t56 = pairs(t5, t6);
    let out7 = narrow::<SECOND>(add(madd(t47, ODD_7), z37));
    let out3 = narrow::<SECOND>(add(madd(t56, ODD_3), z37));
    let out5 = narrow::<SECOND>(add(madd(t56, ODD_5), z15));
    let out1 = narrow::<SECOND>(add(madd(t47, ODD_1), z15));

    [out0, out1, out2, out3, out4, out5, out6, out7]
}

/// The scalar twin's `quantise` on every coefficient.
#[target_feature(enable = "avx2")]
#[inline]
fn quantise(c: [__m256i; 8], q: &Divisors) -> [__m256i; 8] {
    unroll8!(v => {
        let a = _mm256_add_epi16(_mm256_abs_epi16(c[v]), q.corr[v]);
        let a = _mm256_or_si256(_mm256_mulhi_epu16(a, q.recip[v]), q.opaque_zero);
        let a = _mm256_mulhi_epu16(a, q.scale[v]);
        _mm256_sign_epi16(a, c[v])
    })
}

/// The two blocks of a pair of results.
#[target_feature(enable = "avx2")]
#[inline]
fn split(c: [__m256i; 8]) -> ([i16; 64], [i16; 64]) {
    let lo = unroll8!(v => _mm256_castsi256_si128(c[v]));
    let hi = unroll8!(v => _mm256_extracti128_si256::<1>(c[v]));
    (bytemuck::cast(lo), bytemuck::cast(hi))
}
