//! JPEG encoding with jpeg-encoder: 4:2:0 YCbCr (or greyscale), optional progressive, ICC
//! profile and (when asked) EXIF, from interleaved pixels or from planes.
//!
//! Huffman tables are the standard ones, not optimised per image: optimising makes jpeg-encoder
//! hold every block of the image and write one scan per component, and such non-interleaved
//! baseline files are misdecoded by some decoders in use (zune-jpeg 0.5.15, which image-rs 0.25
//! ships, among them). Interleaved output streams through the encoder row by row; it costs a few
//! percent of file size.

use jpeg_encoder::{ColorType, Encoder, ImageBuffer, JpegColorType, SamplingFactor};

use crate::codec::EncodeSettings;
use crate::error::Error;
use crate::metadata::icc;
use crate::pixels::{Layout, Shape};

/// Largest EXIF block an APP1 segment can hold after the `Exif\0\0` prefix.
const MAX_EXIF: usize = 65_527;

/// Largest ICC profile a JPEG can carry: 255 APP2 chunks of 65,519 bytes.
const MAX_ICC: usize = 255 * 65_519;

/// Largest side a JPEG frame header can state.
pub(crate) const MAX_SIDE: u32 = 65_535;

/// The side lengths as the frame header states them. Callers plan outputs within
/// [`MAX_SIDE`]; a larger one is the request's doing (limits raised past what JPEG can hold),
/// so it is `unsupported`, never an internal fault.
fn frame_size(width: u32, height: u32) -> Result<(u16, u16), Error> {
    let side = |n: u32| {
        u16::try_from(n).map_err(|_| {
            Error::unsupported(format!(
                "a {width}x{height} JPEG: a JPEG side is at most {MAX_SIDE} px"
            ))
        })
    };
    Ok((side(width)?, side(height)?))
}

/// An encoder writing into `out` (cleared) with the settings of this output: quality, 4:2:0,
/// progressive or not, and the ICC profile (when it describes `colour_channels` and fits) and
/// EXIF (when it fits one segment) to embed; metadata that does not fit is dropped, not failed
/// on. Shared by the pixel and plane entries so both write the same kind of file.
fn configured<'o>(
    out: &'o mut Vec<u8>,
    settings: &EncodeSettings<'_>,
    colour_channels: usize,
) -> Result<Encoder<&'o mut Vec<u8>>, Error> {
    out.clear();
    let mut encoder = Encoder::new(out, settings.quality.clamp(1, 100));
    encoder.set_sampling_factor(SamplingFactor::R_4_2_0);
    encoder.set_progressive(settings.progressive);
    if let Some(profile) = settings
        .icc
        .filter(|p| icc::fits(p, colour_channels) && p.len() <= MAX_ICC)
    {
        encoder
            .add_icc_profile(profile)
            .map_err(|e| Error::internal(format!("ICC: {e}")))?;
    }
    if let Some(exif) = settings.exif.filter(|e| e.len() <= MAX_EXIF) {
        encoder
            .add_exif_metadata(exif)
            .map_err(|e| Error::internal(format!("EXIF: {e}")))?;
    }
    Ok(encoder)
}

/// Encodes 8-bit grey or RGB pixels.
pub(crate) fn encode_pixels(
    pixels: &[u8],
    shape: Shape,
    settings: &EncodeSettings<'_>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let colour = match shape.layout {
        Layout::Gray8 => ColorType::Luma,
        Layout::Rgb8 => ColorType::Rgb,
        other => return Err(Error::internal(format!("JPEG encoder given {other:?}"))),
    };
    let (w, h) = frame_size(shape.width, shape.height)?;
    let encoder = configured(out, settings, shape.layout.colour_channels())?;
    encoder
        .encode(pixels, w, h, colour)
        .map_err(|e| Error::internal(format!("JPEG encode: {e}")))
}

/// Encodes full-size Y and half-size (4:2:0) Cb and Cr planes, each stored without padding.
pub(crate) fn encode_planes(
    [y, cb, cr]: [&[u8]; 3],
    (width, height): (u32, u32),
    chroma_width: u32,
    settings: &EncodeSettings<'_>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let (w, h) = frame_size(width, height)?;
    let image = PlanarImage {
        y,
        cb,
        cr,
        width: w,
        height: h,
        chroma_width: chroma_width as usize,
    };
    let encoder = configured(out, settings, 3)?;
    encoder
        .encode_image(image)
        .map_err(|e| Error::internal(format!("JPEG encode: {e}")))
}

/// Full-resolution Y with half-resolution Cb and Cr, presented to the encoder row by row. The
/// encoder averages each 2x2 block of chroma to subsample it; every chroma sample is handed over
/// four times, so the average is the sample itself.
struct PlanarImage<'a> {
    y: &'a [u8],
    cb: &'a [u8],
    cr: &'a [u8],
    width: u16,
    height: u16,
    chroma_width: usize,
}

impl ImageBuffer for PlanarImage<'_> {
    fn get_jpeg_color_type(&self) -> JpegColorType {
        JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.width
    }

    fn height(&self) -> u16 {
        self.height
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let (w, y) = (usize::from(self.width), usize::from(y));
        buffers[0].extend_from_slice(&self.y[y * w..(y + 1) * w]);
        let row = (y / 2) * self.chroma_width;
        for (plane, buffer) in [self.cb, self.cr].into_iter().zip(&mut buffers[1..3]) {
            let samples = &plane[row..row + self.chroma_width];
            // Pairs first, then the odd last column: a loop without a length cut vectorizes.
            let start = buffer.len();
            buffer.resize(start + w, 0);
            let (pairs, last) = buffer[start..].split_at_mut(w & !1);
            for (pair, &c) in pairs.chunks_exact_mut(2).zip(samples) {
                pair[0] = c;
                pair[1] = c;
            }
            if let (Some(px), Some(&c)) = (last.first_mut(), samples.get(w / 2)) {
                *px = c;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::ColourSignals;
    use crate::error::ErrorKind;

    /// A side over 65,535 (limits raised past what JPEG can state) is the request's doing:
    /// `unsupported`, which the Lambda does not retry.
    #[test]
    fn oversized_output_is_unsupported_not_internal() {
        let settings = EncodeSettings {
            quality: 80,
            progressive: false,
            icc: None,
            exif: None,
            colour: &ColourSignals::default(),
        };
        let shape = Shape {
            width: 70_000,
            height: 1,
            layout: Layout::Gray8,
        };
        let err = encode_pixels(&vec![0; 70_000], shape, &settings, &mut Vec::new())
            .expect_err("too wide");
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    }

    /// An RGB profile larger than a JPEG can carry is dropped; the image is still written.
    #[test]
    fn an_icc_profile_too_large_for_jpeg_is_dropped() {
        let mut profile = vec![0u8; MAX_ICC + 1];
        profile[16..20].copy_from_slice(b"RGB ");
        let settings = EncodeSettings {
            quality: 80,
            progressive: false,
            icc: Some(&profile),
            exif: None,
            colour: &ColourSignals::default(),
        };
        let shape = Shape {
            width: 8,
            height: 8,
            layout: Layout::Rgb8,
        };
        let mut out = Vec::new();
        encode_pixels(&[128; 192], shape, &settings, &mut out).expect("written without it");
        assert!(out.len() < 4096, "profile dropped: {} bytes", out.len());
    }
}
