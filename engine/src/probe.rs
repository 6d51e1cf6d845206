//! Probe: what an image is, from its header alone, without decoding or allocating pixels.
//!
//! The limits are checked against what the probe reports. The codec's parsed header travels
//! inside [`ImageInfo`], so the engine parses a header once, however many stages need it.

use crate::codec;
use crate::error::Error;
use crate::format::Format;

/// What the header says about an image.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageInfo {
    /// The container format.
    pub format: Format,
    /// Stored width in pixels (before EXIF orientation).
    pub width: u32,
    /// Stored height in pixels (before EXIF orientation).
    pub height: u32,
    /// EXIF orientation, 1..=8 (1 when absent or invalid).
    pub orientation: u8,
    /// Colour components as stored (JPEG: 1, 3 or 4; PNG: 1 to 4 after palette/tRNS expansion).
    pub components: u8,
    /// Bits per sample as stored (PNG palette images report their index depth).
    pub bit_depth: u8,
    /// Progressive JPEG or interlaced (Adam7) PNG.
    pub progressive: bool,
    /// Whether the decoded pixels carry alpha (PNG alpha colour types or tRNS).
    pub has_alpha: bool,
    /// Size of the embedded ICC profile in bytes (compressed size for PNG), 0 when none.
    pub icc_profile_len: usize,
    /// What the codec parsed, for the decoder.
    pub(crate) header: codec::Header,
}

impl ImageInfo {
    /// The size as displayed: width and height swapped for orientations 5 to 8.
    pub fn display_size(&self) -> (u32, u32) {
        if self.orientation >= 5 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }

    /// Stored pixel count.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// Reads the header of a JPEG or PNG. Errors are the same kinds the decoder would give, found
/// without touching pixel data.
pub fn probe(input: &[u8]) -> Result<ImageInfo, Error> {
    codec::probe(input)
}
