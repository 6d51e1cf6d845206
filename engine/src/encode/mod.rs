//! Encode: pixels into JPEG or PNG bytes, with the colour profile that describes them.

pub mod jpeg;
pub mod png;

use crate::pixels::{Layout, Shape};

/// Converts `src` in place-free fashion to 8-bit colour without alpha, for JPEG output:
/// 16-bit samples are rounded to 8 bits and alpha is composited over white (a transparent logo
/// on a white page is the common expectation; black would turn transparent areas into holes).
pub fn flatten_to_8bit_opaque(src: &[u8], shape: Shape, dst: &mut Vec<u8>) -> Layout {
    let layout = shape.layout;
    let channels = layout.channels();
    let colour = layout.colour_channels();
    let out_layout = layout.to_8bit().without_alpha();
    let pixels = shape.width as usize * shape.height as usize;
    dst.clear();
    dst.reserve_exact(pixels * colour);
    let sample = |px: &[u8], i: usize| -> u32 {
        if layout.is_16bit() {
            let v = u16::from_ne_bytes([px[2 * i], px[2 * i + 1]]);
            // Round to nearest: v * 255 / 65535.
            (u32::from(v) * 255 + 32767) / 65535
        } else {
            u32::from(px[i])
        }
    };
    for px in src.chunks_exact(layout.bytes_per_pixel()).take(pixels) {
        let alpha = if layout.has_alpha() {
            sample(px, channels - 1)
        } else {
            255
        };
        for c in 0..colour {
            let v = sample(px, c);
            let blended = (v * alpha + 255 * (255 - alpha) + 127) / 255;
            dst.push(blended as u8);
        }
    }
    out_layout
}
