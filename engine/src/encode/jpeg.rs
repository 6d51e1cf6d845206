//! JPEG encoding with jpeg-encoder: 4:2:0 YCbCr (or greyscale), optional progressive, ICC
//! profile and (when asked) EXIF.
//!
//! Huffman tables are the standard ones, not optimised per image: optimising makes jpeg-encoder
//! hold every block of the image and write one scan per component, and such non-interleaved
//! baseline files are misdecoded by some decoders in use (zune-jpeg 0.5.15, which image-rs 0.25
//! ships, among them). Interleaved output streams through the encoder row by row; it costs a few
//! percent of file size.

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

use crate::error::Error;
use crate::metadata::icc;
use crate::pixels::{Layout, Shape};

/// Settings of one JPEG output.
#[derive(Debug, Clone, Copy)]
pub struct JpegSettings<'a> {
    pub quality: u8,
    pub progressive: bool,
    pub icc: Option<&'a [u8]>,
    /// TIFF-structured EXIF to embed (orientation already reset).
    pub exif: Option<&'a [u8]>,
}

/// Largest EXIF block an APP1 segment can hold after the `Exif\0\0` prefix.
const MAX_EXIF: usize = 65_527;

/// Whether an EXIF block fits one APP1 segment (larger ones are dropped, not truncated).
pub fn exif_fits(exif: &[u8]) -> bool {
    exif.len() <= MAX_EXIF
}

/// An encoder writing into `out` (cleared) with the settings of this output: quality, 4:2:0,
/// progressive or not, and the ICC profile (when it fits `colour_channels`) and EXIF to embed.
/// Shared by the RGB path and the planar path so both write the same kind of file.
pub fn configured<'o>(
    out: &'o mut Vec<u8>,
    settings: JpegSettings<'_>,
    colour_channels: usize,
) -> Result<Encoder<&'o mut Vec<u8>>, Error> {
    out.clear();
    let mut encoder = Encoder::new(out, settings.quality.clamp(1, 100));
    encoder.set_sampling_factor(SamplingFactor::R_4_2_0);
    encoder.set_progressive(settings.progressive);
    if let Some(profile) = settings.icc.filter(|p| icc::fits(p, colour_channels)) {
        encoder
            .add_icc_profile(profile)
            .map_err(|e| Error::internal(format!("ICC: {e}")))?;
    }
    if let Some(exif) = settings.exif.filter(|e| exif_fits(e)) {
        encoder
            .add_exif_metadata(exif)
            .map_err(|e| Error::internal(format!("EXIF: {e}")))?;
    }
    Ok(encoder)
}

/// Encodes 8-bit grey or RGB pixels.
pub fn encode(
    pixels: &[u8],
    shape: Shape,
    settings: JpegSettings<'_>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let colour = match shape.layout {
        Layout::Gray8 => ColorType::Luma,
        Layout::Rgb8 => ColorType::Rgb,
        other => return Err(Error::internal(format!("JPEG encoder given {other:?}"))),
    };
    let (w, h) = (
        u16::try_from(shape.width).map_err(|_| Error::internal("JPEG output wider than 65535"))?,
        u16::try_from(shape.height)
            .map_err(|_| Error::internal("JPEG output taller than 65535"))?,
    );
    let encoder = configured(out, settings, shape.layout.colour_channels())?;
    encoder
        .encode(pixels, w, h, colour)
        .map_err(|e| Error::internal(format!("JPEG encode: {e}")))
}
