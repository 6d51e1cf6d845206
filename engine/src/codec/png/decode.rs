//! PNG decoding with the `png` crate: every colour type and bit depth, palette, tRNS and Adam7,
//! expanded to 8- or 16-bit grey/RGB with or without alpha.

use std::io::Cursor;

use png::{BitDepth, ColorType, DecodeOptions, Transformations};

use super::header::Header;
use crate::codec::Metadata;
use crate::error::Error;
use crate::format::Format;
use crate::pixels::{Layout, PixelBuf, Shape};
use crate::probe::ImageInfo;

/// Memory the decoder may use for its own buffers (rows, decompressed iCCP, chunk data).
/// Text chunks are skipped entirely, which defuses zTXt bombs.
const DECODER_BYTES: usize = 16 * 1024 * 1024;

/// Decodes `input` (probed as `info` and `header`, within limits) into `out`, returning the
/// pixels' shape and the metadata outputs may carry.
pub(crate) fn decode(
    input: &[u8],
    info: &ImageInfo,
    header: &Header,
    out: &mut PixelBuf,
) -> Result<(Shape, Metadata), Error> {
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
    let exif = header.exif(input).map(<[u8]>::to_vec);
    let colour = super::colour_signals(png_info);
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
    let low_bit_grey_trns = match (png_info.color_type, png_info.trns.as_deref()) {
        (ColorType::Grayscale, Some(&[t, ..])) if (png_info.bit_depth as u8) < 8 => {
            Some((t, png_info.bit_depth as u8))
        }
        _ => None,
    };
    let buf = out.reset(len)?;
    // Only the first frame: for APNG that is the default image that non-animating viewers show.
    if png_info.interlaced {
        reader.next_frame(buf).map_err(map_error)?;
    } else {
        // Row by row, stopping after the last one: a file whose image data is complete but whose
        // trailing chunks are cut off decodes, as it does in libpng-based viewers.
        let row_len = buf.len() / height as usize;
        for dst in buf.chunks_exact_mut(row_len) {
            reader.read_row(dst).map_err(map_error)?.ok_or_else(|| {
                Error::corrupt(Format::Png, "image data ends before the last row")
            })?;
        }
        // The checksums of the image data are verified on the way to IEND. Only running out of
        // file after the image data is forgiven.
        match reader.finish() {
            Ok(()) => {}
            Err(png::DecodingError::IoError(e))
                if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
            Err(e) => return Err(map_error(e)),
        }
    }
    if let Some((trns, depth)) = low_bit_grey_trns {
        fix_low_bit_grey_transparency(buf, trns, depth);
    }
    if layout.is_16bit() {
        // PNG stores samples big-endian; the resizer wants native order.
        for pair in buf.chunks_exact_mut(2) {
            let v = u16::from_be_bytes([pair[0], pair[1]]);
            pair.copy_from_slice(&v.to_ne_bytes());
        }
    }
    let shape = Shape {
        width,
        height,
        layout,
    };
    Ok((shape, Metadata { icc, exif, colour }))
}

/// libpng (and so every browser) compares a low-bit-depth grey tRNS value by its low bits only;
/// the `png` crate compares the whole byte, so an out-of-range value such as 0x00FF on a 1-bit
/// image marks nothing transparent. Recompute the alpha of the expanded grey+alpha pixels.
fn fix_low_bit_grey_transparency(buf: &mut [u8], trns: u8, depth: u8) {
    let max = (1u16 << depth) - 1;
    let key = (u16::from(trns) & max) * (255 / max);
    for px in buf.chunks_exact_mut(2) {
        px[1] = if u16::from(px[0]) == key { 0 } else { 0xFF };
    }
}

fn map_error(e: png::DecodingError) -> Error {
    match e {
        png::DecodingError::LimitsExceeded => Error::TooLarge {
            limit: crate::LimitKind::Memory,
            actual: DECODER_BYTES as u64 + 1,
            max: DECODER_BYTES as u64,
        },
        // A parameter error is a misuse of the crate's API by this module: a bug.
        png::DecodingError::Parameter(p) => Error::internal(p.to_string()),
        other => Error::corrupt(Format::Png, other.to_string()),
    }
}
