//! PNG decoding with the `png` crate: every colour type and bit depth, palette, tRNS and Adam7,
//! expanded to 8- or 16-bit grey/RGB with or without alpha.

use std::io::Cursor;

use png::{BitDepth, ColorType, DecodeOptions, Transformations};

use super::{Decoded, PngColour};
use crate::error::Error;
use crate::metadata::exif;
use crate::pixels::{Layout, PixelBuf, Shape};
use crate::probe::ImageInfo;
use crate::sniff::Format;

/// Memory the decoder may use for its own buffers (rows, decompressed iCCP, chunk data).
/// Text chunks are skipped entirely, which defuses zTXt bombs.
const DECODER_BYTES: usize = 16 * 1024 * 1024;

pub fn decode(input: &[u8], info: &ImageInfo, out: &mut PixelBuf) -> Result<Decoded, Error> {
    let mut options = DecodeOptions::default();
    options.set_ignore_text_chunk(true);
    // Like libpng: a damaged ancillary chunk (colour hints, text) is dropped, a damaged critical
    // chunk is an error, and the zlib checksum of the image data is verified.
    options.set_skip_ancillary_crc_failures(true);
    options.set_ignore_adler32(false);
    let mut decoder = png::Decoder::new_with_options(Cursor::new(input), options);
    decoder.set_limits(png::Limits {
        bytes: DECODER_BYTES,
    });
    decoder.set_transformations(Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(map_error)?;
    let (colour, depth) = reader.output_color_type();
    let layout = match (colour, depth) {
        (ColorType::Grayscale, BitDepth::Sixteen) => Layout::Gray16,
        (ColorType::Grayscale, _) => Layout::Gray8,
        (ColorType::GrayscaleAlpha, BitDepth::Sixteen) => Layout::GrayAlpha16,
        (ColorType::GrayscaleAlpha, _) => Layout::GrayAlpha8,
        (ColorType::Rgb, BitDepth::Sixteen) => Layout::Rgb16,
        (ColorType::Rgb, _) => Layout::Rgb8,
        (ColorType::Rgba, BitDepth::Sixteen) => Layout::Rgba16,
        (ColorType::Rgba, _) => Layout::Rgba8,
        (ColorType::Indexed, _) => return Err(Error::internal("palette not expanded")),
    };
    let png_info = reader.info();
    let (width, height) = (png_info.width, png_info.height);
    if (width, height) != (info.width, info.height) {
        return Err(Error::corrupt(Format::Png, "IHDR changed between reads"));
    }
    let icc = png_info
        .icc_profile
        .as_ref()
        .map(|p| p.to_vec())
        .filter(|p| !p.is_empty());
    let exif = png_info
        .exif_metadata
        .as_ref()
        .map(|e| exif::tiff_body(e).to_vec());
    let png_colour = PngColour {
        srgb: png_info.srgb,
        gamma: png_info.gamma(),
        chromaticities: png_info.chromaticities(),
    };
    let len = layout
        .image_bytes(width, height)
        .ok_or_else(|| Error::internal("PNG buffer size overflows"))?;
    let expected = reader
        .output_buffer_size()
        .ok_or_else(|| Error::internal("PNG buffer size overflows"))?;
    if expected != len {
        return Err(Error::internal(format!(
            "PNG buffer size {expected}, expected {len}"
        )));
    }
    let buf = out.reset(len)?;
    // Only the first frame: for APNG that is the default image that non-animating viewers show.
    reader.next_frame(buf).map_err(map_error)?;
    if layout.is_16bit() {
        // PNG stores samples big-endian; the resizer wants native order.
        for pair in buf.chunks_exact_mut(2) {
            let v = u16::from_be_bytes([pair[0], pair[1]]);
            pair.copy_from_slice(&v.to_ne_bytes());
        }
    }
    Ok(Decoded {
        shape: Shape {
            width,
            height,
            layout,
        },
        icc,
        exif,
        png_colour,
    })
}

fn map_error(e: png::DecodingError) -> Error {
    match e {
        png::DecodingError::LimitsExceeded => Error::TooLarge {
            limit: crate::LimitKind::Memory,
            actual: DECODER_BYTES as u64 + 1,
            max: DECODER_BYTES as u64,
        },
        png::DecodingError::Parameter(p) => Error::internal(p.to_string()),
        other => Error::corrupt(Format::Png, other.to_string()),
    }
}
