//! Dequantisation and inverse DCT of rows of JPEG blocks into 8-bit samples, at full scale or
//! shrunk in the DCT domain (8x8, 4x4, 2x2 or 1x1 samples per block).
//!
//! **Full scale** is libjpeg's accurate integer IDCT ("islow": 13-bit constants, columns then
//! rows, 2 extra bits between the passes), so a decode equals libjpeg-turbo's `JDCT_ISLOW`
//! output, the one Pillow and sharp produce, on every valid file.
//!
//! **Scaled** transforms read only the lowest frequencies and sample the band-limited signal they
//! describe at the centres of the 2x2, 4x4 or 8x8 groups of full-scale samples: a pure 4-point
//! (2-point) IDCT in the same fixed point. That is sharper than averaging the full output
//! (libjpeg's `jidctred` is close to a box filter); [`FrequencyGains`] folded into the
//! dequantisation multipliers shape the response at no cost per sample.
//!
//! Every kernel computes the integers [`scalar`] defines: `i16` dequantised values, products
//! summed in pairs in `i32` (one `madd` lane), a rounded descale after each pass saturated to
//! `i16`, then a clamp to `0..=255`. So SIMD and scalar agree bit for bit on any input, and
//! corrupt coefficients give deterministic garbage, never undefined behaviour or a panic.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "aarch64")]
mod neon;
mod scalar;

#[cfg(test)]
mod measure;
#[cfg(test)]
mod tests;

use crate::simd::SimdPath;

/// The DCT-domain scale of a decode: each 8x8 block becomes 8x8, 4x4, 2x2 or 1x1 samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scale {
    Full,
    Half,
    Quarter,
    Eighth,
}

impl Scale {
    pub(crate) const ALL: [Scale; 4] = [Scale::Full, Scale::Half, Scale::Quarter, Scale::Eighth];

    /// Samples per block side: 8, 4, 2, 1.
    pub(crate) fn block_px(self) -> usize {
        match self {
            Scale::Full => 8,
            Scale::Half => 4,
            Scale::Quarter => 2,
            Scale::Eighth => 1,
        }
    }

    /// Coefficients per block side the transform reads (8, 4, 2, 1): the rest may be skipped by
    /// the entropy decoder.
    pub(crate) fn coefficients(self) -> usize {
        self.block_px()
    }
}

/// `1.0` in the transforms' 13-bit fixed point.
const ONE: i32 = 1 << 13;
/// Descale after the column pass: keep 2 fraction bits (libjpeg's `CONST_BITS - PASS1_BITS`).
const DESCALE1: i32 = 11;
/// Descale after the row pass: the constants' 13 bits, the 2 pass-1 bits and the 8 of two
/// `sqrt(8)` transform gains.
const DESCALE2: i32 = 18;
/// Rounding of the first descale, added to the DC term of the column pass.
const PASS1_ROUND: i32 = 1 << (DESCALE1 - 1);
/// Rounding of the final descale, added to the DC term of the row pass.
const PASS2_ROUND: i32 = 1 << (DESCALE2 - 1);

// libjpeg's 13-bit constants, `round(x * 2^13)`.
const FIX_0_298631336: i32 = 2446;
const FIX_0_390180644: i32 = 3196;
const FIX_0_541196100: i32 = 4433;
const FIX_0_765366865: i32 = 6270;
const FIX_0_899976223: i32 = 7373;
const FIX_1_175875602: i32 = 9633;
const FIX_1_501321110: i32 = 12299;
const FIX_1_847759065: i32 = 15137;
const FIX_1_961570560: i32 = 16069;
const FIX_2_053119869: i32 = 16819;
const FIX_2_562915447: i32 = 20995;
const FIX_3_072711026: i32 = 25172;

/// Even part of the 8-point transform from inputs 2 and 6: `tmp3 = in2 * k[0][0] + in6 *
/// k[0][1]`, `tmp2 = in2 * k[1][0] + in6 * k[1][1]`, libjpeg's rotation expanded into pairs.
const FULL_EVEN_26: [[i32; 2]; 2] = [
    [FIX_0_541196100 + FIX_0_765366865, FIX_0_541196100],
    [FIX_0_541196100, FIX_0_541196100 - FIX_1_847759065],
];

/// Odd part of the 8-point transform: output `k` pairs with even term `k` (`out[k] = even[k] +
/// odd[k]`, `out[7 - k] = even[k] - odd[k]`) and is `in1 * c[0] + in3 * c[1] + in5 * c[2] + in7
/// * c[3]`: libjpeg's shared `z1..z5` products expanded so each output is two `madd` pairs. The
/// largest row sums to 29,693, so with `|in| <= 32,768` an odd term stays below 9.8e8 and an
/// even one below 1.04e9: their sum, rounding included, is below `2^31`.
const FULL_ODD: [[i32; 4]; 4] = [
    [
        FIX_1_501321110 - FIX_0_899976223 - FIX_0_390180644 + FIX_1_175875602,
        FIX_1_175875602,
        FIX_1_175875602 - FIX_0_390180644,
        FIX_1_175875602 - FIX_0_899976223,
    ],
    [
        FIX_1_175875602,
        FIX_3_072711026 - FIX_2_562915447 - FIX_1_961570560 + FIX_1_175875602,
        FIX_1_175875602 - FIX_2_562915447,
        FIX_1_175875602 - FIX_1_961570560,
    ],
    [
        FIX_1_175875602 - FIX_0_390180644,
        FIX_1_175875602 - FIX_2_562915447,
        FIX_2_053119869 - FIX_2_562915447 - FIX_0_390180644 + FIX_1_175875602,
        FIX_1_175875602,
    ],
    [
        FIX_1_175875602 - FIX_0_899976223,
        FIX_1_175875602 - FIX_1_961570560,
        FIX_1_175875602,
        FIX_0_298631336 - FIX_0_899976223 - FIX_1_961570560 + FIX_1_175875602,
    ],
];

/// Odd part of the 4-point transform: `sqrt(2) cos(pi/8)` and `sqrt(2) cos(3pi/8)`. Output 0
/// is `in1 * k[0][0] + in3 * k[0][1]`, output 1 `in1 * k[1][0] + in3 * k[1][1]`; outputs 3 and 2
/// subtract them. The even part needs no multiply: `sqrt(2) cos(pi/4) = 1`.
const HALF_ODD: [[i32; 2]; 2] = [
    [FIX_0_541196100 + FIX_0_765366865, FIX_0_541196100],
    [FIX_0_541196100, -(FIX_0_541196100 + FIX_0_765366865)],
];

/// Fraction bits of the scaled transforms' dequantisation multipliers.
const GAIN_BITS: i32 = 12;
/// Fraction bits the scaled transforms keep in their dequantised `i16` coefficients, so a gain
/// does not round them to integers: a valid 8-bit file's dequantised coefficients stay below
/// 1,024 plus half a quantiser, 8 times that is far from `i16::MAX`.
const SCALED_FRACTION_BITS: i32 = 3;
/// Dequantisation shift of the scaled transforms.
const SCALED_DEQUANT_SHIFT: i32 = GAIN_BITS - SCALED_FRACTION_BITS;
/// Descale after the scaled transforms' column pass: also drops the coefficients' fraction.
const SCALED_DESCALE1: i32 = DESCALE1 + SCALED_FRACTION_BITS;
/// Rounding of [`SCALED_DESCALE1`].
const SCALED_PASS1_ROUND: i32 = 1 << (SCALED_DESCALE1 - 1);

/// A gain per horizontal or vertical frequency (DC first) applied to a scaled transform, in
/// 12-bit fixed point: the 2-D gain of coefficient `(u, v)` is `gain[u] * gain[v]`. It is folded
/// into the dequantisation multipliers of [`IdctTable`], so it costs nothing per sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrequencyGains(pub(crate) [u16; 4]);

impl FrequencyGains {
    /// No shaping: the pure low-frequency IDCT, samples of the band-limited block.
    pub(crate) const FLAT: FrequencyGains = FrequencyGains([4096; 4]);

    /// The response of a float Lanczos3 halving at the frequencies a half-scale block keeps:
    /// `sum_k w(k) cos(2 pi u (k - 1/2) / 16) / sum_k w(k)`, `w(k) = L3((k - 1/2) / 2)` for
    /// `k = -5..=6`, i.e. 1.0, 1.0037, 1.0117, 0.8819. Against a float Lanczos3 halving of the
    /// full-scale decode it cuts the mean absolute error by about a fifth (1.5 to 2 dB PSNR)
    /// over flat gains and beats a box filter's `cos(u pi / 16)` on every photo measured
    /// (`measure::half_scale_gains_against_a_float_lanczos3_halving`).
    pub(crate) const LANCZOS3_HALF: FrequencyGains = FrequencyGains([4096, 4111, 4144, 3612]);

    /// The default of a scale: Lanczos3's response at half scale, where the output is final
    /// (an exact 2x halving runs no filter after the IDCT); flat at 1/4 and 1/8, which a
    /// resampling filter follows.
    pub(crate) fn default_for(scale: Scale) -> FrequencyGains {
        match scale {
            Scale::Half => FrequencyGains::LANCZOS3_HALF,
            Scale::Full | Scale::Quarter | Scale::Eighth => FrequencyGains::FLAT,
        }
    }
}

/// Dequantisation multipliers of one component at one scale, prepared once per frame. May fold
/// the transform's own constant factors and per-frequency gains into the table.
#[derive(Debug, Clone)]
pub(crate) struct IdctTable {
    scale: Scale,
    /// Full scale: the quantisers as `i16` bit patterns (products wrap, as 16-bit lanes do;
    /// every valid file's dequantised coefficients fit).
    quant: [i16; 64],
    /// Scaled transforms: `quant * gain` with [`GAIN_BITS`] fraction bits, the top-left 4x4
    /// row-major.
    mult: [i32; 16],
}

impl IdctTable {
    /// The table of `quant` (natural, row-major order) for `scale`, with the scale's default
    /// gains.
    pub(crate) fn new(quant: &[u16; 64], scale: Scale) -> IdctTable {
        IdctTable::with_gains(quant, scale, FrequencyGains::default_for(scale))
    }

    /// The table with explicit per-frequency gains (ignored at full scale, which stays
    /// libjpeg's transform).
    pub(crate) fn with_gains(quant: &[u16; 64], scale: Scale, gains: FrequencyGains) -> IdctTable {
        let mut mult = [0i32; 16];
        for v in 0..4 {
            for u in 0..4 {
                let q = u64::from(quant[v * 8 + u]);
                let g = u64::from(gains.0[u]) * u64::from(gains.0[v]);
                // Q24 gain to Q12 multiplier; at most 65535 * 2^16 * 2^16 >> 12 < 2^47 before
                // the clamp, which only a gain above 2.0 could reach.
                let m = (q * g + (1 << 11)) >> 12;
                mult[v * 4 + u] = m.min(i32::MAX as u64) as i32;
            }
        }
        IdctTable {
            scale,
            quant: quant.map(|q| q as i16),
            mult,
        }
    }

    /// The scale this table was built for.
    pub(crate) fn scale(&self) -> Scale {
        self.scale
    }
}

/// How many of `count` blocks of `block_px` samples fit in `out` at `stride`.
fn blocks_that_fit(count: usize, block_px: usize, out_len: usize, stride: usize) -> usize {
    let Some(last_row) = (block_px - 1).checked_mul(stride) else {
        return 0;
    };
    let Some(room) = out_len.checked_sub(last_row) else {
        return 0;
    };
    count.min(stride / block_px).min(room / block_px)
}

/// Inverse-transforms `blocks.len()` horizontally adjacent blocks (quantised coefficients,
/// natural order, not dequantised; only the top-left `scale.coefficients()` square is read for
/// scaled transforms) into `out`: block i's samples are `block_px` rows of `block_px` bytes at
/// column `i * block_px`, rows `stride` bytes apart. Level shift +128 and clamping to 0..=255
/// included. `out.len() >= (block_px - 1) * stride + blocks.len() * block_px`, `stride >=
/// blocks.len() * block_px`; blocks that do not fit are skipped (never an out-of-bounds index).
/// A table built for another scale writes nothing.
pub(crate) fn inverse_row(
    path: SimdPath,
    scale: Scale,
    blocks: &[[i16; 64]],
    table: &IdctTable,
    out: &mut [u8],
    stride: usize,
) {
    debug_assert_eq!(table.scale, scale, "IDCT table built for another scale");
    if table.scale != scale {
        return;
    }
    let fit = blocks_that_fit(blocks.len(), scale.block_px(), out.len(), stride);
    let blocks = &blocks[..fit];
    if blocks.is_empty() {
        return;
    }
    match (path, scale) {
        #[cfg(target_arch = "x86_64")]
        (SimdPath::Avx2, Scale::Full) if path.is_supported() => {
            // SAFETY: `is_supported` has just detected AVX2 on this CPU.
            #[allow(unsafe_code)]
            unsafe {
                avx2::full_row(blocks, &table.quant, out, stride)
            }
        }
        #[cfg(target_arch = "x86_64")]
        (SimdPath::Avx2, Scale::Half) if path.is_supported() => {
            // SAFETY: `is_supported` has just detected AVX2 on this CPU.
            #[allow(unsafe_code)]
            unsafe {
                avx2::half_row(blocks, &table.mult, out, stride)
            }
        }
        #[cfg(target_arch = "aarch64")]
        (SimdPath::Neon, Scale::Full) if path.is_supported() => {
            // SAFETY: `is_supported` has just detected NEON on this CPU.
            #[allow(unsafe_code)]
            unsafe {
                neon::full_row(blocks, &table.quant, out, stride)
            }
        }
        #[cfg(target_arch = "aarch64")]
        (SimdPath::Neon, Scale::Half) if path.is_supported() => {
            // SAFETY: `is_supported` has just detected NEON on this CPU.
            #[allow(unsafe_code)]
            unsafe {
                neon::half_row(blocks, &table.mult, out, stride)
            }
        }
        // SSE4.1, quarter and eighth scale, and paths this CPU lacks: the scalar twin.
        _ => scalar::row(scale, blocks, &table.quant, &table.mult, out, stride),
    }
}
