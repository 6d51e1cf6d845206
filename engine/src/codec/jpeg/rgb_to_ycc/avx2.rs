//! The AVX2 colour conversion: 16 pixels an iteration. `pshufb` gathers each channel from the
//! three 16-byte thirds of 48 bytes of RGB; the matrix runs as `pmaddwd` pairs in exact 32-bit
//! lanes (G's 0.587 split as 0.337 + 0.25, and the 0.5 terms as shifts, so every constant fits
//! 16 bits), giving the scalar twin's integers.

use std::arch::x86_64::*;

use super::consts::*;

/// Where channel `ch` of pixel j sits in third `third` of 48 bytes (0x80: not in this third,
/// `pshufb` writes zero).
const fn gather(ch: usize, third: usize) -> [u8; 16] {
    let mut m = [0x80u8; 16];
    let mut j = 0;
    while j < 16 {
        let at = 3 * j + ch;
        if at / 16 == third {
            m[j] = (at % 16) as u8;
        }
        j += 1;
    }
    m
}

const GATHER: [[[u8; 16]; 3]; 3] = [
    [gather(0, 0), gather(0, 1), gather(0, 2)],
    [gather(1, 0), gather(1, 1), gather(1, 2)],
    [gather(2, 0), gather(2, 1), gather(2, 2)],
];

#[target_feature(enable = "avx2")]
pub(super) fn rgb_row(rgb: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
    // One call site of the conversion, so that it is inlined: a last partial group runs
    // padded and keeps only its pixels.
    let groups = rgb
        .chunks(48)
        .zip(y.chunks_mut(16))
        .zip(cb.chunks_mut(16))
        .zip(cr.chunks_mut(16));
    for (((px, y), cb), cr) in groups {
        let mut bytes = [0u8; 48];
        // Fixed-size copies for whole groups; only the last one copies a variable length.
        match <&[u8; 48]>::try_from(px) {
            Ok(whole) => bytes = *whole,
            Err(_) => bytes[..px.len()].copy_from_slice(px),
        }
        let planes = convert16(bytes);
        for (plane, out) in planes.iter().zip([y, cb, cr]) {
            match <&mut [u8; 16]>::try_from(&mut *out) {
                Ok(whole) => *whole = *plane,
                Err(_) => out.copy_from_slice(&plane[..out.len()]),
            }
        }
    }
}

/// One channel of 16 pixels in 16-bit lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn channel(thirds: [__m128i; 3], ch: usize) -> __m256i {
    let m: [__m128i; 3] = bytemuck::cast(GATHER[ch]);
    let v = _mm_or_si128(
        _mm_or_si128(
            _mm_shuffle_epi8(thirds[0], m[0]),
            _mm_shuffle_epi8(thirds[1], m[1]),
        ),
        _mm_shuffle_epi8(thirds[2], m[2]),
    );
    _mm256_cvtepu8_epi16(v)
}

/// A pair of 16-bit constants for `pmaddwd`.
#[target_feature(enable = "avx2")]
#[inline]
fn pair(a: i32, b: i32) -> __m256i {
    _mm256_set1_epi32((a & 0xffff) | (b << 16))
}

/// `x << 15` of each 16-bit lane as 32-bit lanes, low and high halves (the 0.5 terms).
#[target_feature(enable = "avx2")]
#[inline]
fn half(x: __m256i) -> (__m256i, __m256i) {
    let zero = _mm256_setzero_si256();
    (
        _mm256_srli_epi32::<1>(_mm256_unpacklo_epi16(zero, x)),
        _mm256_srli_epi32::<1>(_mm256_unpackhi_epi16(zero, x)),
    )
}

#[target_feature(enable = "avx2")]
#[inline]
fn convert16(bytes: [u8; 48]) -> [[u8; 16]; 3] {
    let thirds: [__m128i; 3] = bytemuck::cast(bytes);
    let (r, g, b) = (channel(thirds, 0), channel(thirds, 1), channel(thirds, 2));
    let rg = [_mm256_unpacklo_epi16(r, g), _mm256_unpackhi_epi16(r, g)];
    let bg = [_mm256_unpacklo_epi16(b, g), _mm256_unpackhi_epi16(b, g)];
    let (b_half, r_half) = (half(b), half(r));
    let (b_half, r_half) = ([b_half.0, b_half.1], [r_half.0, r_half.1]);

    // G * 0.587 = G * 0.337 + G * 0.25: both fit 16 bits where 0.587 does not.
    let y_rg = pair(Y_R, Y_G - (1 << 14));
    let y_bg = pair(Y_B, 1 << 14);
    let cb_rg = pair(CB_R, CB_G);
    let cr_bg = pair(CR_B, CR_G);
    let y_round = _mm256_set1_epi32(Y_ROUND);
    let offset = _mm256_set1_epi32(CHROMA_OFFSET);

    let mut y = [_mm256_setzero_si256(); 2];
    let mut cb = y;
    let mut cr = y;
    for h in 0..2 {
        let yy = _mm256_add_epi32(
            _mm256_madd_epi16(rg[h], y_rg),
            _mm256_madd_epi16(bg[h], y_bg),
        );
        y[h] = _mm256_srli_epi32::<{ SCALE_BITS as i32 }>(_mm256_add_epi32(yy, y_round));
        let c = _mm256_add_epi32(_mm256_madd_epi16(rg[h], cb_rg), b_half[h]);
        cb[h] = _mm256_srli_epi32::<{ SCALE_BITS as i32 }>(_mm256_add_epi32(c, offset));
        let c = _mm256_add_epi32(_mm256_madd_epi16(bg[h], cr_bg), r_half[h]);
        cr[h] = _mm256_srli_epi32::<{ SCALE_BITS as i32 }>(_mm256_add_epi32(c, offset));
    }
    let y = _mm256_packs_epi32(y[0], y[1]);
    let cb = _mm256_packs_epi32(cb[0], cb[1]);
    let cr = _mm256_packs_epi32(cr[0], cr[1]);
    // packuswb works within 128-bit halves: [Y0-7 Cb0-7 | Y8-15 Cb8-15], put in order.
    let ycb = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi16(y, cb));
    let crcr = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi16(cr, cr));
    let [y, cb]: [[u8; 16]; 2] = bytemuck::cast(ycb);
    let [cr, _]: [[u8; 16]; 2] = bytemuck::cast(crcr);
    [y, cb, cr]
}

/// 16 outputs of libjpeg's alternating bias, `even, odd` repeated, in 16-bit lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn bias(even: i16, odd: i16) -> __m256i {
    _mm256_set1_epi32(i32::from(even) | (i32::from(odd) << 16))
}

/// Sums of adjacent byte pairs of 32 bytes, in 16-bit lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn pair_sums(bytes: &[u8]) -> __m256i {
    let mut b = [0u8; 32];
    b.copy_from_slice(bytes);
    _mm256_maddubs_epi16(bytemuck::cast(b), _mm256_set1_epi8(1))
}

/// 16 bytes of 16-bit lanes that fit a byte, in order.
#[target_feature(enable = "avx2")]
#[inline]
fn to_bytes(v: __m256i) -> [u8; 16] {
    let packed = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi16(v, v));
    bytemuck::cast(_mm256_castsi256_si128(packed))
}

/// 16 outputs from each 32 columns (`pmaddubsw` by ones sums the pairs); the rest, fewer than
/// 16 outputs, by the scalar twin, whose bias parity matches since 16 is even.
#[target_feature(enable = "avx2")]
pub(super) fn downsample_2x2_row(row0: &[u8], row1: &[u8], out: &mut [u8]) {
    let whole = (row0.len() / 32).min(row1.len() / 32).min(out.len() / 16);
    let chunks = row0
        .chunks_exact(32)
        .zip(row1.chunks_exact(32))
        .zip(out.chunks_exact_mut(16))
        .take(whole);
    for ((a, b), o) in chunks {
        let s = _mm256_add_epi16(pair_sums(a), pair_sums(b));
        let s = _mm256_srli_epi16::<2>(_mm256_add_epi16(s, bias(1, 2)));
        o.copy_from_slice(&to_bytes(s));
    }
    super::scalar::downsample_2x2_row(
        &row0[32 * whole..],
        &row1[32 * whole..],
        &mut out[16 * whole..],
    );
}

/// As [`downsample_2x2_row`], one row.
#[target_feature(enable = "avx2")]
pub(super) fn downsample_2x1_row(row: &[u8], out: &mut [u8]) {
    let whole = (row.len() / 32).min(out.len() / 16);
    for (a, o) in row
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(16))
        .take(whole)
    {
        let s = _mm256_srli_epi16::<1>(_mm256_add_epi16(pair_sums(a), bias(0, 1)));
        o.copy_from_slice(&to_bytes(s));
    }
    super::scalar::downsample_2x1_row(&row[32 * whole..], &mut out[16 * whole..]);
}
