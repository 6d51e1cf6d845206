//! Decode: encoded bytes into interleaved pixels in a caller-owned buffer.

pub mod jpeg;
pub mod png;

use crate::pixels::Shape;

/// Colour signalling of a PNG that has no ICC profile, carried to PNG outputs so the colours
/// are interpreted the same way.
#[derive(Debug, Clone, Default)]
pub struct PngColour {
    pub srgb: Option<::png::SrgbRenderingIntent>,
    pub gamma: Option<::png::ScaledFloat>,
    pub chromaticities: Option<::png::SourceChromaticities>,
}

/// What decoding produced besides the pixels themselves.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub shape: Shape,
    /// ICC profile of the source, when it has one.
    pub icc: Option<Vec<u8>>,
    /// EXIF as a TIFF structure (without the `Exif\0\0` prefix).
    pub exif: Option<Vec<u8>>,
    /// PNG colour chunks (PNG sources only).
    pub png_colour: PngColour,
}
