//! Pixel buffers shared by the stages: a layout tag and an owned, reusable, 2-byte-aligned buffer.

use fast_image_resize::PixelType;

use crate::error::Error;

/// Interleaved sample layout of a decoded or resized image. 16-bit samples are native-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Gray8,
    GrayAlpha8,
    Rgb8,
    Rgba8,
    Gray16,
    GrayAlpha16,
    Rgb16,
    Rgba16,
}

impl Layout {
    /// Samples per pixel.
    pub fn channels(self) -> usize {
        match self {
            Layout::Gray8 | Layout::Gray16 => 1,
            Layout::GrayAlpha8 | Layout::GrayAlpha16 => 2,
            Layout::Rgb8 | Layout::Rgb16 => 3,
            Layout::Rgba8 | Layout::Rgba16 => 4,
        }
    }

    /// Colour samples per pixel (without alpha).
    pub fn colour_channels(self) -> usize {
        if self.channels() >= 3 {
            3
        } else {
            1
        }
    }

    pub fn has_alpha(self) -> bool {
        self.channels().is_multiple_of(2)
    }

    pub fn is_16bit(self) -> bool {
        matches!(
            self,
            Layout::Gray16 | Layout::GrayAlpha16 | Layout::Rgb16 | Layout::Rgba16
        )
    }

    pub fn bytes_per_pixel(self) -> usize {
        self.channels() * if self.is_16bit() { 2 } else { 1 }
    }

    /// The same channels with 8-bit samples.
    pub fn to_8bit(self) -> Layout {
        match self {
            Layout::Gray16 => Layout::Gray8,
            Layout::GrayAlpha16 => Layout::GrayAlpha8,
            Layout::Rgb16 => Layout::Rgb8,
            Layout::Rgba16 => Layout::Rgba8,
            other => other,
        }
    }

    /// The same bit depth without alpha.
    pub fn without_alpha(self) -> Layout {
        match self {
            Layout::GrayAlpha8 => Layout::Gray8,
            Layout::Rgba8 => Layout::Rgb8,
            Layout::GrayAlpha16 => Layout::Gray16,
            Layout::Rgba16 => Layout::Rgb16,
            other => other,
        }
    }

    pub fn pixel_type(self) -> PixelType {
        match self {
            Layout::Gray8 => PixelType::U8,
            Layout::GrayAlpha8 => PixelType::U8x2,
            Layout::Rgb8 => PixelType::U8x3,
            Layout::Rgba8 => PixelType::U8x4,
            Layout::Gray16 => PixelType::U16,
            Layout::GrayAlpha16 => PixelType::U16x2,
            Layout::Rgb16 => PixelType::U16x3,
            Layout::Rgba16 => PixelType::U16x4,
        }
    }

    /// Bytes for `width` x `height` pixels, `None` on overflow.
    pub fn image_bytes(self, width: u32, height: u32) -> Option<usize> {
        (width as usize)
            .checked_mul(height as usize)?
            .checked_mul(self.bytes_per_pixel())
    }
}

/// A reusable pixel buffer. Backed by `u16` words so 16-bit views are always aligned; grown
/// fallibly and never shrunk, so a warm process stops allocating once it has seen its largest
/// image.
#[derive(Debug, Default)]
pub struct PixelBuf {
    words: Vec<u16>,
    len: usize,
}

impl PixelBuf {
    /// Sets the logical length to `len` bytes, growing the allocation (fallibly) if needed. The
    /// contents are unspecified: every stage overwrites the whole buffer, so a warm call does not
    /// pay for clearing tens of megabytes first.
    pub fn reset(&mut self, len: usize) -> Result<&mut [u8], Error> {
        let words = len.div_ceil(2);
        if self.words.len() < words {
            let more = words - self.words.len();
            self.words
                .try_reserve_exact(more)
                .map_err(|e| Error::internal(format!("cannot allocate {len} bytes: {e}")))?;
            self.words.resize(words, 0);
        } else {
            self.words.truncate(words);
        }
        self.len = len;
        Ok(self.bytes_mut())
    }

    pub fn bytes(&self) -> &[u8] {
        &bytemuck::cast_slice(&self.words)[..self.len]
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut bytemuck::cast_slice_mut(&mut self.words)[..self.len]
    }

    /// Bytes held by the allocation (for memory accounting in tests and benches).
    pub fn capacity_bytes(&self) -> usize {
        self.words.capacity() * 2
    }
}

/// A decoded or transformed image: pixels in a [`PixelBuf`] owned elsewhere, plus its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub width: u32,
    pub height: u32,
    pub layout: Layout,
}

impl Shape {
    pub fn bytes(&self) -> usize {
        self.layout
            .image_bytes(self.width, self.height)
            .unwrap_or(usize::MAX)
    }
}

/// Converts `src` into `dst` as 8-bit colour without alpha, for JPEG output:
/// 16-bit samples are rounded to 8 bits and alpha is composited over white (a transparent logo
/// on a white page is the common expectation; black would turn transparent areas into holes).
pub fn flatten_to_8bit_opaque(
    src: &[u8],
    shape: Shape,
    dst: &mut Vec<u8>,
) -> Result<Layout, Error> {
    let layout = shape.layout;
    let channels = layout.channels();
    let colour = layout.colour_channels();
    let out_layout = layout.to_8bit().without_alpha();
    let pixels = shape.width as usize * shape.height as usize;
    dst.clear();
    dst.try_reserve_exact(pixels * colour)
        .map_err(|e| Error::internal(format!("cannot allocate {} bytes: {e}", pixels * colour)))?;
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
    Ok(out_layout)
}
