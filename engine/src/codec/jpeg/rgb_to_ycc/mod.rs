//! Colour conversion and chroma downsampling for RGB input to the encoder: JFIF's full-range
//! BT.601 matrix in libjpeg's 16-bit fixed point (jccolor.c's rounding) and jcsample.c's
//! box filters with their alternating bias, so the planes equal libjpeg's.
//!
//! The matrix is computed in exact 32-bit integers on every path (products of 8-bit samples and
//! 16-bit constants never overflow), so any grouping of the sums gives the same bytes.

use crate::simd::SimdPath;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "aarch64")]
mod neon;
mod scalar;
#[cfg(test)]
mod tests;

/// The matrix in 16-bit fixed point, round(c * 2^16), and libjpeg's offsets.
pub(super) mod consts {
    pub(crate) const SCALE_BITS: u32 = 16;
    pub(crate) const Y_R: i32 = 19595;
    pub(crate) const Y_G: i32 = 38470;
    pub(crate) const Y_B: i32 = 7471;
    pub(crate) const CB_R: i32 = -11059;
    pub(crate) const CB_G: i32 = -21709;
    pub(crate) const CB_B: i32 = 32768;
    pub(crate) const CR_R: i32 = 32768;
    pub(crate) const CR_G: i32 = -27439;
    pub(crate) const CR_B: i32 = -5329;
    /// Y rounds to nearest.
    pub(crate) const Y_ROUND: i32 = 1 << (SCALE_BITS - 1);
    /// Cb and Cr add 128 and round with one half less a unit, so 255 cannot round up to 256.
    pub(crate) const CHROMA_OFFSET: i32 = (128 << SCALE_BITS) + (1 << (SCALE_BITS - 1)) - 1;
}

/// One row of interleaved 8-bit RGB (3 bytes a pixel) into Y, Cb and Cr with JFIF's full-range
/// BT.601 matrix in libjpeg's 16-bit fixed point (jccolor.c's rounding), so outputs equal
/// libjpeg's. Converts as many pixels as `rgb` and all three outputs hold.
pub(crate) fn rgb_row(path: SimdPath, rgb: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
    let n = (rgb.len() / 3).min(y.len()).min(cb.len()).min(cr.len());
    let (rgb, y, cb, cr) = (&rgb[..3 * n], &mut y[..n], &mut cb[..n], &mut cr[..n]);
    match path {
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx2 if path.is_supported() => {
            #[allow(unsafe_code)]
            // SAFETY: `is_supported` has just detected AVX2 on this CPU at run time.
            unsafe {
                avx2::rgb_row(rgb, y, cb, cr)
            }
        }
        #[cfg(target_arch = "aarch64")]
        SimdPath::Neon if path.is_supported() => {
            #[allow(unsafe_code)]
            // SAFETY: `is_supported` has just detected NEON on this CPU at run time.
            unsafe {
                neon::rgb_row(rgb, y, cb, cr)
            }
        }
        _ => scalar::rgb_row(rgb, y, cb, cr),
    }
}

/// 2x2 average of two full-resolution chroma rows into one half-width row (an odd last column
/// averages with itself), with libjpeg's alternating 1,2 bias (jcsample h2v2), for 4:2:0 output
/// of RGB input. Writes `min(out.len(), ceil(w / 2))` samples, `w` the shorter row's length.
pub(crate) fn downsample_2x2_row(path: SimdPath, row0: &[u8], row1: &[u8], out: &mut [u8]) {
    match path {
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx2 if path.is_supported() => {
            #[allow(unsafe_code)]
            // SAFETY: `is_supported` has just detected AVX2 on this CPU at run time.
            unsafe {
                avx2::downsample_2x2_row(row0, row1, out)
            }
        }
        #[cfg(target_arch = "aarch64")]
        SimdPath::Neon if path.is_supported() => {
            #[allow(unsafe_code)]
            // SAFETY: `is_supported` has just detected NEON on this CPU at run time.
            unsafe {
                neon::downsample_2x2_row(row0, row1, out)
            }
        }
        _ => scalar::downsample_2x2_row(row0, row1, out),
    }
}

/// Horizontal-only 2x1 average (4:2:2), libjpeg's alternating 0,1 bias. Writes
/// `min(out.len(), ceil(row.len() / 2))` samples.
pub(crate) fn downsample_2x1_row(path: SimdPath, row: &[u8], out: &mut [u8]) {
    match path {
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx2 if path.is_supported() => {
            #[allow(unsafe_code)]
            // SAFETY: `is_supported` has just detected AVX2 on this CPU at run time.
            unsafe {
                avx2::downsample_2x1_row(row, out)
            }
        }
        #[cfg(target_arch = "aarch64")]
        SimdPath::Neon if path.is_supported() => {
            #[allow(unsafe_code)]
            // SAFETY: `is_supported` has just detected NEON on this CPU at run time.
            unsafe {
                neon::downsample_2x1_row(row, out)
            }
        }
        _ => scalar::downsample_2x1_row(row, out),
    }
}
