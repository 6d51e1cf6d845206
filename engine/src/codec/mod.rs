//! Codecs: one room per format. Each format's folder holds everything it needs (header probe,
//! decoder, encoder, error mapping, leniency rules) behind the small interface below, which is
//! all the pipeline sees: it knows no third-party type, no sampling factor and no per-format
//! bytes-per-pixel table.
//!
//! | need | entry |
//! | --- | --- |
//! | probe the header, once, without allocating pixels | [`probe`] (the parsed [`Header`] travels inside [`ImageInfo`]) |
//! | the working memory a decoder needs (one estimate per decoder, both paths) | [`decoder_bytes`] |
//! | interleaved rows into a caller-owned buffer | [`decoded_layout`], [`decode_interleaved`] |
//! | planes instead (or "cannot") | [`plane_estimate`], [`open_planes`] |
//! | metadata: ICC, EXIF, colour signals | [`Metadata`], [`header_metadata`] |
//! | encode from rows or planes | [`encode_pixels`], [`jpeg::encode_planes`] |

pub(crate) mod jpeg;
pub(crate) mod png;

use crate::error::Error;
use crate::format::Format;
use crate::pixels::{flatten_to_8bit_opaque, Layout, PixelBuf, Shape};
use crate::probe::ImageInfo;
use crate::sniff::sniff;

/// What a codec keeps of the header it parsed, so that decoding does not parse it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Header {
    /// A JPEG's frame, sampling and metadata segments.
    Jpeg(jpeg::Header),
    /// A PNG's metadata chunks.
    Png(png::Header),
}

/// Colour signals of a source without an ICC profile (PNG's sRGB, gAMA and cHRM chunks, as
/// their scaled integers), carried to outputs that can hold them so the colours are
/// interpreted the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ColourSignals {
    /// sRGB rendering intent (0 to 3).
    pub srgb_intent: Option<u8>,
    /// Gamma times 100,000.
    pub gamma: Option<u32>,
    /// White, red, green and blue x and y, times 100,000.
    pub chromaticities: Option<[u32; 8]>,
}

/// Metadata a decoder hands out besides the pixels.
#[derive(Debug, Clone, Default)]
pub(crate) struct Metadata {
    /// ICC profile of the source, when it has one.
    pub icc: Option<Vec<u8>>,
    /// EXIF as a TIFF structure (without the `Exif\0\0` prefix), from the same segment the
    /// orientation was read from.
    pub exif: Option<Vec<u8>>,
    /// Colour signals besides a profile.
    pub colour: ColourSignals,
}

/// Settings of one encoded output.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EncodeSettings<'a> {
    /// JPEG quality, 1 to 100.
    pub quality: u8,
    /// Progressive JPEG.
    pub progressive: bool,
    /// The profile to embed when it describes the output (and fits the format).
    pub icc: Option<&'a [u8]>,
    /// TIFF-structured EXIF to embed (orientation already reset), when it fits the format.
    pub exif: Option<&'a [u8]>,
    /// Colour signals for formats that carry them (PNG), used when no profile is written.
    pub colour: &'a ColourSignals,
}

/// The geometry of one plane a codec hands out row by row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlaneGeometry {
    /// Visible samples a row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Bytes from one row to the next in the rows handed out.
    pub stride: usize,
    /// Rows handed out at most per call.
    pub push_rows: u32,
}

/// Reads the header of any supported format, once: the format from the magic bytes, then the
/// codec's own header walk.
pub(crate) fn probe(input: &[u8]) -> Result<ImageInfo, Error> {
    match sniff(input)? {
        Format::Jpeg => jpeg::probe(input),
        Format::Png => png::probe(input),
    }
}

/// The interleaved layout a whole decode gives.
pub(crate) fn decoded_layout(info: &ImageInfo) -> Layout {
    match &info.header {
        Header::Jpeg(_) => jpeg::decoded_layout(info),
        Header::Png(_) => png::decoded_layout(info),
    }
}

/// Memory an interleaved decode holds besides the image it writes.
pub(crate) fn decoder_bytes(info: &ImageInfo) -> u64 {
    match &info.header {
        Header::Jpeg(h) => jpeg::decoder_bytes(info, h),
        Header::Png(_) => png::decoder_bytes(info),
    }
}

/// Decodes the whole image into `out` (grown fallibly; the caller has checked the limits).
pub(crate) fn decode_interleaved(
    input: &[u8],
    info: &ImageInfo,
    out: &mut PixelBuf,
) -> Result<(Shape, Metadata), Error> {
    match &info.header {
        Header::Jpeg(h) => {
            let shape = jpeg::decode_interleaved(input, info, h, out)?;
            Ok((shape, header_metadata(input, info)))
        }
        Header::Png(h) => png::decode(input, info, h, out),
    }
}

/// Metadata the header alone gives (JPEG: every segment is in the header; PNG: the eXIf chunk,
/// while the profile needs the decoder to inflate it).
pub(crate) fn header_metadata(input: &[u8], info: &ImageInfo) -> Metadata {
    match &info.header {
        Header::Jpeg(h) => Metadata {
            icc: h.icc(input),
            exif: h.exif(input).map(<[u8]>::to_vec),
            colour: ColourSignals::default(),
        },
        Header::Png(h) => Metadata {
            exif: h.exif(input).map(<[u8]>::to_vec),
            ..Metadata::default()
        },
    }
}

/// The YCbCr planes the codec can hand out for this image, estimated from the header, or
/// `None` when it cannot (not a JPEG, not three components, unusual sampling).
pub(crate) fn plane_estimate(info: &ImageInfo) -> Option<[PlaneGeometry; 3]> {
    match &info.header {
        Header::Jpeg(h) if jpeg::has_planes(info, h) => Some(jpeg::estimated_planes(info, h)),
        _ => None,
    }
}

/// Opens a plane reader, or `Ok(None)` when the image turns out not to be YCbCr (only the
/// decoder knows, from the colour markers): then, and only then, the general path takes it.
pub(crate) fn open_planes<'a>(
    input: &'a [u8],
    info: &'a ImageInfo,
) -> Result<Option<jpeg::PlaneReader<'a>>, Error> {
    match &info.header {
        Header::Jpeg(h) if jpeg::has_planes(info, h) => jpeg::PlaneReader::open(input, info, h),
        _ => Ok(None),
    }
}

/// Encodes interleaved pixels of `shape` as `format` into `out`. JPEG takes 8-bit grey or RGB:
/// anything else is flattened into `scratch` first (16 bits rounded, alpha over white). PNG
/// keeps the layout (its 16-bit samples are swapped to big-endian in place).
pub(crate) fn encode_pixels(
    format: Format,
    pixels: &mut [u8],
    shape: Shape,
    settings: &EncodeSettings<'_>,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    match format {
        Format::Jpeg if matches!(shape.layout, Layout::Gray8 | Layout::Rgb8) => {
            jpeg::encode_pixels(pixels, shape, settings, out)
        }
        Format::Jpeg => {
            let layout = flatten_to_8bit_opaque(pixels, shape, scratch)?;
            jpeg::encode_pixels(scratch, Shape { layout, ..shape }, settings, out)
        }
        Format::Png => png::encode(pixels, shape, settings, out),
    }
}

/// The largest side `format` can store.
pub(crate) fn max_side(format: Format) -> u32 {
    match format {
        Format::Jpeg => jpeg::MAX_SIDE,
        Format::Png => i32::MAX as u32,
    }
}
