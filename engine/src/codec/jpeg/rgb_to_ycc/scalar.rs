//! The portable colour conversion and downsampling, and the twin the SIMD kernels must equal.

use super::consts::*;

/// Converts `y.len()` pixels; the caller has made all lengths agree.
pub(super) fn rgb_row(rgb: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        let [yy, b, r] = pixel(px[0], px[1], px[2]);
        y[i] = yy;
        cb[i] = b;
        cr[i] = r;
    }
}

/// One pixel's Y, Cb and Cr.
#[inline(always)]
pub(super) fn pixel(r: u8, g: u8, b: u8) -> [u8; 3] {
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    let y = (Y_R * r + Y_G * g + Y_B * b + Y_ROUND) >> SCALE_BITS;
    let cb = (CB_R * r + CB_G * g + CB_B * b + CHROMA_OFFSET) >> SCALE_BITS;
    let cr = (CR_R * r + CR_G * g + CR_B * b + CHROMA_OFFSET) >> SCALE_BITS;
    [y as u8, cb as u8, cr as u8]
}

pub(super) fn downsample_2x2_row(row0: &[u8], row1: &[u8], out: &mut [u8]) {
    let w = row0.len().min(row1.len());
    for (i, o) in out.iter_mut().take(w.div_ceil(2)).enumerate() {
        let (a, b) = (2 * i, (2 * i + 1).min(w - 1));
        let sum = u16::from(row0[a]) + u16::from(row0[b]) + u16::from(row1[a]) + u16::from(row1[b]);
        // Bias 1 on even outputs and 2 on odd ones, so rounding does not drift one way.
        let bias = 1 + (i as u16 & 1);
        *o = ((sum + bias) >> 2) as u8;
    }
}

pub(super) fn downsample_2x1_row(row: &[u8], out: &mut [u8]) {
    let w = row.len();
    for (i, o) in out.iter_mut().take(w.div_ceil(2)).enumerate() {
        let (a, b) = (2 * i, (2 * i + 1).min(w - 1));
        let bias = i as u16 & 1;
        *o = ((u16::from(row[a]) + u16::from(row[b]) + bias) >> 1) as u8;
    }
}
