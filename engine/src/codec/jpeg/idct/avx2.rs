//! AVX2 kernels of the full-scale and half-scale transforms, bit-exact with [`super::scalar`].
//!
//! Full scale takes two blocks at a time, one per 128-bit lane (`unpack`, `madd` and `packs`
//! never cross lanes, so the blocks never mix). Half scale takes four, one per 64-bit quarter.
//! Quarter and eighth scale stay scalar: a 2x2 or 1x1 transform is a few adds per block, less
//! work than gathering the blocks into vectors.

use std::arch::x86_64::*;

use bytemuck::cast;

use super::{
    scalar, DESCALE1, DESCALE2, FULL_EVEN_26, FULL_ODD, HALF_ODD, ONE, PASS1_ROUND, PASS2_ROUND,
    SCALED_DEQUANT_SHIFT, SCALED_DESCALE1, SCALED_PASS1_ROUND,
};

/// A `madd` multiplier: `a` for the element from the first `unpack` operand, `b` for the second.
#[inline]
#[target_feature(enable = "avx2")]
fn pair(a: i32, b: i32) -> __m256i {
    _mm256_set1_epi32((a & 0xffff) | (b << 16))
}

/// The eight 8-point outputs, in `i32`, of four columns per lane given as interleaved input
/// pairs (0,4), (2,6), (1,3), (5,7). Same sums as `scalar::idct8`.
#[inline]
#[target_feature(enable = "avx2")]
fn idct8_pairs(
    p04: __m256i,
    p26: __m256i,
    p13: __m256i,
    p57: __m256i,
    round: __m256i,
) -> [__m256i; 8] {
    let tmp0 = _mm256_add_epi32(_mm256_madd_epi16(p04, pair(ONE, ONE)), round);
    let tmp1 = _mm256_add_epi32(_mm256_madd_epi16(p04, pair(ONE, -ONE)), round);
    let tmp3 = _mm256_madd_epi16(p26, pair(FULL_EVEN_26[0][0], FULL_EVEN_26[0][1]));
    let tmp2 = _mm256_madd_epi16(p26, pair(FULL_EVEN_26[1][0], FULL_EVEN_26[1][1]));
    let e = [
        _mm256_add_epi32(tmp0, tmp3),
        _mm256_add_epi32(tmp1, tmp2),
        _mm256_sub_epi32(tmp1, tmp2),
        _mm256_sub_epi32(tmp0, tmp3),
    ];
    let mut o = [_mm256_setzero_si256(); 4];
    for (o, c) in o.iter_mut().zip(FULL_ODD) {
        *o = _mm256_add_epi32(
            _mm256_madd_epi16(p13, pair(c[0], c[1])),
            _mm256_madd_epi16(p57, pair(c[2], c[3])),
        );
    }
    [
        _mm256_add_epi32(e[0], o[0]),
        _mm256_add_epi32(e[1], o[1]),
        _mm256_add_epi32(e[2], o[2]),
        _mm256_add_epi32(e[3], o[3]),
        _mm256_sub_epi32(e[3], o[3]),
        _mm256_sub_epi32(e[2], o[2]),
        _mm256_sub_epi32(e[1], o[1]),
        _mm256_sub_epi32(e[0], o[0]),
    ]
}

/// One 8-point pass over the vector index (each `i16` lane is an independent column),
/// descaled by `SHIFT` and saturated to `i16`.
#[inline]
#[target_feature(enable = "avx2")]
fn idct8_pass<const SHIFT: i32>(i: &[__m256i; 8], round: __m256i) -> [__m256i; 8] {
    let lo = idct8_pairs(
        _mm256_unpacklo_epi16(i[0], i[4]),
        _mm256_unpacklo_epi16(i[2], i[6]),
        _mm256_unpacklo_epi16(i[1], i[3]),
        _mm256_unpacklo_epi16(i[5], i[7]),
        round,
    );
    let hi = idct8_pairs(
        _mm256_unpackhi_epi16(i[0], i[4]),
        _mm256_unpackhi_epi16(i[2], i[6]),
        _mm256_unpackhi_epi16(i[1], i[3]),
        _mm256_unpackhi_epi16(i[5], i[7]),
        round,
    );
    let mut out = [_mm256_setzero_si256(); 8];
    for k in 0..8 {
        out[k] = _mm256_packs_epi32(
            _mm256_srai_epi32::<SHIFT>(lo[k]),
            _mm256_srai_epi32::<SHIFT>(hi[k]),
        );
    }
    out
}

/// Transposes the 8x8 `i16` matrix in each 128-bit lane.
#[inline]
#[target_feature(enable = "avx2")]
fn transpose8(r: &[__m256i; 8]) -> [__m256i; 8] {
    let t0 = _mm256_unpacklo_epi16(r[0], r[1]);
    let t1 = _mm256_unpackhi_epi16(r[0], r[1]);
    let t2 = _mm256_unpacklo_epi16(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi16(r[2], r[3]);
    let t4 = _mm256_unpacklo_epi16(r[4], r[5]);
    let t5 = _mm256_unpackhi_epi16(r[4], r[5]);
    let t6 = _mm256_unpacklo_epi16(r[6], r[7]);
    let t7 = _mm256_unpackhi_epi16(r[6], r[7]);
    let u0 = _mm256_unpacklo_epi32(t0, t2);
    let u1 = _mm256_unpackhi_epi32(t0, t2);
    let u2 = _mm256_unpacklo_epi32(t1, t3);
    let u3 = _mm256_unpackhi_epi32(t1, t3);
    let u4 = _mm256_unpacklo_epi32(t4, t6);
    let u5 = _mm256_unpackhi_epi32(t4, t6);
    let u6 = _mm256_unpacklo_epi32(t5, t7);
    let u7 = _mm256_unpackhi_epi32(t5, t7);
    [
        _mm256_unpacklo_epi64(u0, u4),
        _mm256_unpackhi_epi64(u0, u4),
        _mm256_unpacklo_epi64(u1, u5),
        _mm256_unpackhi_epi64(u1, u5),
        _mm256_unpacklo_epi64(u2, u6),
        _mm256_unpackhi_epi64(u2, u6),
        _mm256_unpacklo_epi64(u3, u7),
        _mm256_unpackhi_epi64(u3, u7),
    ]
}

/// Two blocks into 8 rows of 16 bytes at `col`.
#[inline]
#[target_feature(enable = "avx2")]
fn full_pair(
    a: &[i16; 64],
    b: &[i16; 64],
    quant: &[__m256i; 8],
    out: &mut [u8],
    stride: usize,
    col: usize,
) {
    let rows_a: [[i16; 8]; 8] = cast(*a);
    let rows_b: [[i16; 8]; 8] = cast(*b);
    let mut rows = [_mm256_setzero_si256(); 8];
    for v in 0..8 {
        let both = _mm256_set_m128i(cast(rows_b[v]), cast(rows_a[v]));
        rows[v] = _mm256_mullo_epi16(both, quant[v]);
    }
    let ws = idct8_pass::<DESCALE1>(&rows, _mm256_set1_epi32(PASS1_ROUND));
    let cols = transpose8(&ws);
    // x[k]: output column k, lanes = rows 0..8 (saturated i16).
    let x = idct8_pass::<DESCALE2>(&cols, _mm256_set1_epi32(PASS2_ROUND));
    // Saturate to i8, shift by 128, then transpose the bytes back to rows.
    let bias = _mm256_set1_epi8(-128);
    let p04 = _mm256_xor_si256(_mm256_packs_epi16(x[0], x[4]), bias);
    let p15 = _mm256_xor_si256(_mm256_packs_epi16(x[1], x[5]), bias);
    let p26 = _mm256_xor_si256(_mm256_packs_epi16(x[2], x[6]), bias);
    let p37 = _mm256_xor_si256(_mm256_packs_epi16(x[3], x[7]), bias);
    let a01 = _mm256_unpacklo_epi8(p04, p15);
    let a45 = _mm256_unpackhi_epi8(p04, p15);
    let a23 = _mm256_unpacklo_epi8(p26, p37);
    let a67 = _mm256_unpackhi_epi8(p26, p37);
    let lo03 = _mm256_unpacklo_epi16(a01, a23);
    let hi03 = _mm256_unpackhi_epi16(a01, a23);
    let lo47 = _mm256_unpacklo_epi16(a45, a67);
    let hi47 = _mm256_unpackhi_epi16(a45, a67);
    // Each: rows y and y + 1 of block a, then of block b; reorder to (a y, b y), (a y+1, b y+1).
    let pairs = [
        _mm256_unpacklo_epi32(lo03, lo47),
        _mm256_unpackhi_epi32(lo03, lo47),
        _mm256_unpacklo_epi32(hi03, hi47),
        _mm256_unpackhi_epi32(hi03, hi47),
    ];
    for (k, p) in pairs.into_iter().enumerate() {
        let bytes: [[u8; 16]; 2] = cast(_mm256_permute4x64_epi64::<0b11_01_10_00>(p));
        for (dy, row) in bytes.iter().enumerate() {
            let at = (2 * k + dy) * stride + col;
            out[at..at + 16].copy_from_slice(row);
        }
    }
}

/// A row of full-scale blocks; the caller has checked that `out` holds them all.
#[target_feature(enable = "avx2")]
pub(super) fn full_row(blocks: &[[i16; 64]], quant: &[i16; 64], out: &mut [u8], stride: usize) {
    let q_rows: [[i16; 8]; 8] = cast(*quant);
    let q = q_rows.map(|r| {
        let r: __m128i = cast(r);
        _mm256_set_m128i(r, r)
    });
    let mut pairs = blocks.chunks_exact(2);
    for (p, two) in pairs.by_ref().enumerate() {
        full_pair(&two[0], &two[1], &q, out, stride, p * 16);
    }
    if let [last] = pairs.remainder() {
        scalar::full_block(last, quant, out, stride, (blocks.len() - 1) * 8);
    }
}

/// Row `v` of the dequantised top-left 4x4 of blocks (a, b) and (c, d): lane 0 holds a then c,
/// lane 1 b then d.
#[inline]
#[target_feature(enable = "avx2")]
fn half_dequantise(blocks: &[[i16; 64]], v: usize, mult: __m256i) -> __m256i {
    let coefs =
        |b: &[i16; 64]| -> [i16; 4] { [b[v * 8], b[v * 8 + 1], b[v * 8 + 2], b[v * 8 + 3]] };
    let scaled = |x: &[i16; 64], y: &[i16; 64]| -> __m256i {
        let both: [[i16; 4]; 2] = [coefs(x), coefs(y)];
        let wide = _mm256_cvtepi16_epi32(cast::<[[i16; 4]; 2], __m128i>(both));
        let product = _mm256_mullo_epi32(wide, mult);
        _mm256_srai_epi32::<SCALED_DEQUANT_SHIFT>(_mm256_add_epi32(
            product,
            _mm256_set1_epi32(1 << (SCALED_DEQUANT_SHIFT - 1)),
        ))
    };
    _mm256_packs_epi32(
        scaled(&blocks[0], &blocks[1]),
        scaled(&blocks[2], &blocks[3]),
    )
}

/// The four 4-point outputs, in `i32`, from interleaved input pairs (0,2) and (1,3). Same sums
/// as `scalar::idct4`.
#[inline]
#[target_feature(enable = "avx2")]
fn idct4_pairs(p02: __m256i, p13: __m256i, round: __m256i) -> [__m256i; 4] {
    let tmp0 = _mm256_add_epi32(_mm256_madd_epi16(p02, pair(ONE, ONE)), round);
    let tmp2 = _mm256_add_epi32(_mm256_madd_epi16(p02, pair(ONE, -ONE)), round);
    let o0 = _mm256_madd_epi16(p13, pair(HALF_ODD[0][0], HALF_ODD[0][1]));
    let o1 = _mm256_madd_epi16(p13, pair(HALF_ODD[1][0], HALF_ODD[1][1]));
    [
        _mm256_add_epi32(tmp0, o0),
        _mm256_add_epi32(tmp2, o1),
        _mm256_sub_epi32(tmp2, o1),
        _mm256_sub_epi32(tmp0, o0),
    ]
}

/// Four blocks into 4 rows of 16 bytes at `col`.
#[inline]
#[target_feature(enable = "avx2")]
fn half_quad(blocks: &[[i16; 64]], mult: &[__m256i; 4], out: &mut [u8], stride: usize, col: usize) {
    let r: [__m256i; 4] = std::array::from_fn(|v| half_dequantise(blocks, v, mult[v]));
    // Column pass: (a, b) from the low halves of each lane, (c, d) from the high halves.
    let round1 = _mm256_set1_epi32(SCALED_PASS1_ROUND);
    let lo = idct4_pairs(
        _mm256_unpacklo_epi16(r[0], r[2]),
        _mm256_unpacklo_epi16(r[1], r[3]),
        round1,
    );
    let hi = idct4_pairs(
        _mm256_unpackhi_epi16(r[0], r[2]),
        _mm256_unpackhi_epi16(r[1], r[3]),
        round1,
    );
    let w: [__m256i; 4] = std::array::from_fn(|y| {
        _mm256_packs_epi32(
            _mm256_srai_epi32::<SCALED_DESCALE1>(lo[y]),
            _mm256_srai_epi32::<SCALED_DESCALE1>(hi[y]),
        )
    });
    // Transpose each 4x4: u0 = columns 0 and 1 of a (lane 0) and b (lane 1), u1 = columns 2
    // and 3; u2, u3 the same of c and d.
    let t0 = _mm256_unpacklo_epi16(w[0], w[1]);
    let t1 = _mm256_unpacklo_epi16(w[2], w[3]);
    let t2 = _mm256_unpackhi_epi16(w[0], w[1]);
    let t3 = _mm256_unpackhi_epi16(w[2], w[3]);
    let u0 = _mm256_unpacklo_epi32(t0, t1);
    let u1 = _mm256_unpackhi_epi32(t0, t1);
    let u2 = _mm256_unpacklo_epi32(t2, t3);
    let u3 = _mm256_unpackhi_epi32(t2, t3);
    // Row pass: pairs (column 0, column 2) and (1, 3); outputs x[k] are output columns, lanes
    // rows 0..4.
    let round2 = _mm256_set1_epi32(PASS2_ROUND);
    let ab = idct4_pairs(
        _mm256_unpacklo_epi16(u0, u1),
        _mm256_unpackhi_epi16(u0, u1),
        round2,
    );
    let cd = idct4_pairs(
        _mm256_unpacklo_epi16(u2, u3),
        _mm256_unpackhi_epi16(u2, u3),
        round2,
    );
    let narrow = |x: [__m256i; 4]| -> __m256i {
        let p01 = _mm256_packs_epi32(
            _mm256_srai_epi32::<DESCALE2>(x[0]),
            _mm256_srai_epi32::<DESCALE2>(x[1]),
        );
        let p23 = _mm256_packs_epi32(
            _mm256_srai_epi32::<DESCALE2>(x[2]),
            _mm256_srai_epi32::<DESCALE2>(x[3]),
        );
        let bytes = _mm256_xor_si256(_mm256_packs_epi16(p01, p23), _mm256_set1_epi8(-128));
        // Column-major 4x4 bytes to row-major, per lane.
        let to_rows = _mm256_setr_epi8(
            0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6,
            10, 14, 3, 7, 11, 15,
        );
        _mm256_shuffle_epi8(bytes, to_rows)
    };
    // Dwords: q_ab = a0 a1 a2 a3 | b0 b1 b2 b3 (row y of a block in each), q_cd likewise.
    let q_ab = narrow(ab);
    let q_cd = narrow(cd);
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    let rows01 = _mm256_permutevar8x32_epi32(_mm256_unpacklo_epi32(q_ab, q_cd), order);
    let rows23 = _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi32(q_ab, q_cd), order);
    for (k, two) in [rows01, rows23].into_iter().enumerate() {
        let bytes: [[u8; 16]; 2] = cast(two);
        for (dy, row) in bytes.iter().enumerate() {
            let at = (2 * k + dy) * stride + col;
            out[at..at + 16].copy_from_slice(row);
        }
    }
}

/// A row of half-scale blocks; the caller has checked that `out` holds them all.
#[target_feature(enable = "avx2")]
pub(super) fn half_row(blocks: &[[i16; 64]], mult: &[i32; 16], out: &mut [u8], stride: usize) {
    let m: [__m256i; 4] = std::array::from_fn(|v| {
        let r = [
            mult[v * 4],
            mult[v * 4 + 1],
            mult[v * 4 + 2],
            mult[v * 4 + 3],
        ];
        cast::<[[i32; 4]; 2], __m256i>([r, r])
    });
    let mut quads = blocks.chunks_exact(4);
    for (q, four) in quads.by_ref().enumerate() {
        half_quad(four, &m, out, stride, q * 16);
    }
    let done = blocks.len() - quads.remainder().len();
    for (i, b) in quads.remainder().iter().enumerate() {
        scalar::half_block(b, mult, out, stride, (done + i) * 4);
    }
}
