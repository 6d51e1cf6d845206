//! PNG encoding with the `png` crate: the decoded colour type and bit depth are kept, the ICC
//! profile (or the sRGB/gAMA/cHRM chunks) travel along, compression is the fast preset.

use png::{BitDepth, ColorType, Compression, Encoder};

use crate::codec::EncodeSettings;
use crate::error::Error;
use crate::metadata::icc;
use crate::pixels::{Layout, Shape};

/// Encodes `pixels` (16-bit samples in native order; they are swapped to PNG's big-endian in
/// place, which is why the buffer is mutable).
pub(crate) fn encode(
    pixels: &mut [u8],
    shape: Shape,
    settings: &EncodeSettings<'_>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let (colour, depth) = match shape.layout {
        Layout::Gray8 => (ColorType::Grayscale, BitDepth::Eight),
        Layout::GrayAlpha8 => (ColorType::GrayscaleAlpha, BitDepth::Eight),
        Layout::Rgb8 => (ColorType::Rgb, BitDepth::Eight),
        Layout::Rgba8 => (ColorType::Rgba, BitDepth::Eight),
        Layout::Gray16 => (ColorType::Grayscale, BitDepth::Sixteen),
        Layout::GrayAlpha16 => (ColorType::GrayscaleAlpha, BitDepth::Sixteen),
        Layout::Rgb16 => (ColorType::Rgb, BitDepth::Sixteen),
        Layout::Rgba16 => (ColorType::Rgba, BitDepth::Sixteen),
    };
    if shape.layout.is_16bit() {
        for pair in pixels.chunks_exact_mut(2) {
            let v = u16::from_ne_bytes([pair[0], pair[1]]);
            pair.copy_from_slice(&v.to_be_bytes());
        }
    }
    let map = |e: png::EncodingError| Error::internal(format!("PNG encode: {e}"));
    out.clear();
    let mut info = png::Info::with_size(shape.width, shape.height);
    info.color_type = colour;
    info.bit_depth = depth;
    let profile = settings
        .icc
        .filter(|p| icc::fits(p, shape.layout.colour_channels()));
    if let Some(p) = profile {
        info.icc_profile = Some(p.to_vec().into());
    } else {
        // Without a profile, the source's simpler colour chunks say how to read the samples.
        super::set_colour_signals(&mut info, settings.colour);
    }
    if let Some(exif) = settings.exif {
        info.exif_metadata = Some(exif.to_vec().into());
    }
    let mut encoder = Encoder::with_info(&mut *out, info).map_err(map)?;
    encoder.set_compression(Compression::Fast);
    let mut writer = encoder.write_header().map_err(map)?;
    writer.write_image_data(pixels).map_err(map)?;
    writer.finish().map_err(map)
}
