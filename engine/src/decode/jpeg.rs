//! JPEG decoding with zune-jpeg (SIMD IDCT and colour conversion chosen at run time).

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::errors::DecodeErrors;
use zune_jpeg::JpegDecoder;

use super::{Decoded, PngColour};
use crate::error::Error;
use crate::metadata::exif;
use crate::pixels::{Layout, PixelBuf, Shape};
use crate::probe::ImageInfo;
use crate::sniff::Format;

/// Progressive files may carry any number of scans; each rescans the whole coefficient buffer.
/// Real encoders write at most a few dozen (libjpeg's default script has 10), so beyond this the
/// file is a CPU bomb, refused before the work.
pub const MAX_SCANS: usize = 128;

/// Decodes `input` (already probed as `info`, within limits) into `out`.
///
/// Strict mode is on: a file that ends mid-scan or whose entropy data is broken is an error, not
/// a grey-padded picture, because a partial image written to the output bucket would look like
/// success.
pub fn decode(input: &[u8], info: &ImageInfo, out: &mut PixelBuf) -> Result<Decoded, Error> {
    let options = strict_options(info);
    let cleaned;
    let input = if info.header_junk {
        cleaned = crate::probe::jpeg_without_header_junk(input)?;
        &cleaned[..]
    } else {
        input
    };
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(input), options);
    decoder.decode_headers().map_err(map_error)?;
    let (layout, colorspace) = match decoder.input_colorspace() {
        Some(ColorSpace::Luma) => (Layout::Gray8, ColorSpace::Luma),
        _ => (Layout::Rgb8, ColorSpace::RGB),
    };
    decoder.set_options(options.jpeg_set_out_colorspace(colorspace));
    let header = decoder
        .info()
        .ok_or_else(|| Error::internal("JPEG headers not decoded"))?;
    let (width, height) = (u32::from(header.width), u32::from(header.height));
    if (width, height) != (info.width, info.height) {
        return Err(Error::corrupt(
            Format::Jpeg,
            "frame size changed between headers",
        ));
    }
    let len = layout
        .image_bytes(width, height)
        .ok_or_else(|| Error::internal("JPEG buffer size overflows"))?;
    if let Err(e) = decoder.decode_into(out.reset(len)?) {
        // A file that lacks only its EOI marker runs the strict bit reader dry inside the last
        // row of MCUs, because it reads ahead. Viewers show such files whole, so when the data
        // lasted into the final MCU row, decode again leniently. A file cut any earlier is
        // truncated: an error, never a grey-padded picture.
        let done = decoder.decoded_scanlines().unwrap_or(0) as u32;
        let in_last_mcu_row = !info.progressive && done + info.mcu_rows + 2 >= height;
        if !in_last_mcu_row || input.ends_with(&[0xFF, 0xD9]) {
            return Err(map_error(e));
        }
        let mut lenient = JpegDecoder::new_with_options(
            ZCursor::new(input),
            options
                .set_strict_mode(false)
                .jpeg_set_out_colorspace(colorspace),
        );
        lenient.decode_into(out.bytes_mut()).map_err(map_error)?;
    }
    let (icc, exif) = metadata(&decoder);
    Ok(Decoded {
        shape: Shape {
            width,
            height,
            layout,
        },
        icc,
        exif,
        png_colour: PngColour::default(),
    })
}

/// Decoder options shared by both JPEG paths: strict (see [`decode`]), sized to the probed
/// header, and with the scan count bounded.
pub fn strict_options(info: &ImageInfo) -> DecoderOptions {
    DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(info.width as usize)
        .set_max_height(info.height as usize)
        .jpeg_set_max_scans(MAX_SCANS)
}

/// The ICC profile and the EXIF block (as TIFF, without its `Exif\0\0` prefix) of a decoder
/// whose headers are read.
pub fn metadata<T: zune_core::bytestream::ZByteReaderTrait>(
    decoder: &JpegDecoder<T>,
) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let icc = decoder.icc_profile().filter(|p| !p.is_empty());
    let exif = decoder.exif().map(|e| exif::tiff_body(e).to_vec());
    (icc, exif)
}

fn map_error(e: DecodeErrors) -> Error {
    match e {
        DecodeErrors::Unsupported(scheme) => Error::unsupported(format!("JPEG {scheme:?}")),
        DecodeErrors::LargeDimensions(n) => {
            Error::unsupported(format!("JPEG dimension {n} over the decoder's maximum"))
        }
        DecodeErrors::TooSmallOutput(..) => Error::internal(e.to_string()),
        other => Error::corrupt(Format::Jpeg, other.to_string()),
    }
}
