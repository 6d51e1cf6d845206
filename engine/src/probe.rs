//! Probe: what an image is, from its header alone, without decoding or allocating pixels.
//!
//! The limits are checked against what the probe reports, so this parser must never trust a
//! length it has not bounds-checked and must never allocate in proportion to the input.

use crate::error::Error;
use crate::metadata::exif;
use crate::sniff::{sniff, Format, PNG_SIGNATURE};

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
    /// JPEG only: bytes of DCT coefficients a progressive decode must hold for the whole image.
    pub(crate) coefficient_bytes: u64,
    /// JPEG only: junk bytes between header segments were skipped.
    pub(crate) header_junk: bool,
    /// JPEG only: pixel rows per MCU row (8 x the largest vertical sampling factor).
    pub(crate) mcu_rows: u32,
    /// JPEG only: (horizontal, vertical) sampling factors of each component, in SOF order.
    pub(crate) sampling: [(u8, u8); 4],
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
    match sniff(input)? {
        Format::Jpeg => probe_jpeg(input),
        Format::Png => probe_png(input),
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Walks the JPEG marker segments before the first scan, calling `segment(marker, body)` for
/// each, and returns the offset of the SOS marker and whether junk bytes had to be skipped.
///
/// Like libjpeg, bytes between segments that are not a marker (including a stuffed `FF 00`) are
/// skipped as "extraneous data" rather than rejected: some cameras and editors write them, and
/// every viewer shows those files.
pub(crate) fn walk_jpeg_header(
    input: &[u8],
    mut segment: impl FnMut(u8, &[u8]) -> Result<(), Error>,
) -> Result<(usize, bool), Error> {
    let corrupt = |m: &str| Error::corrupt(Format::Jpeg, m);
    let mut pos = 2;
    let mut junk = false;
    loop {
        // Skip to the next 0xFF, then over fill bytes, to the marker code.
        while pos < input.len() && input[pos] != 0xFF {
            pos += 1;
            junk = true;
        }
        while input.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = input.get(pos + 1) else {
            return Err(corrupt("file ends before the image data (no SOS)"));
        };
        let at = pos;
        pos += 2;
        match marker {
            0x00 => {
                junk = true;
                continue;
            }
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 => return Err(corrupt("second SOI marker in the header")),
            0xD9 => return Err(corrupt("end of image before any scan")),
            _ => {}
        }
        let len = be16(input, pos).ok_or_else(|| corrupt("truncated marker segment"))? as usize;
        if len < 2 {
            return Err(corrupt("marker segment length below 2"));
        }
        let body = input
            .get(pos + 2..pos + len)
            .ok_or_else(|| corrupt("marker segment runs past the end of the file"))?;
        if marker == 0xDA {
            return Ok((at, junk));
        }
        segment(marker, body)?;
        pos += len;
    }
}

/// A copy of a JPEG whose header had junk between segments, with the junk removed, for the
/// strict decoder. Only such rare files pay for the copy.
pub(crate) fn jpeg_without_header_junk(input: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    out.try_reserve_exact(input.len())
        .map_err(|e| Error::internal(format!("copy of input: {e}")))?;
    out.extend_from_slice(&input[..2]);
    let (sos, _) = walk_jpeg_header(input, |marker, body| {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(body);
        Ok(())
    })?;
    out.extend_from_slice(&input[sos..]);
    Ok(out)
}

fn probe_jpeg(input: &[u8]) -> Result<ImageInfo, Error> {
    let mut orientation = 1;
    let mut icc_len = 0usize;
    let mut frame: Option<ImageInfo> = None;
    let (_, junk) = walk_jpeg_header(input, |marker, body| {
        match marker {
            // The first Exif segment rules; later ones (thumbnails' own, MPF) are ignored.
            0xE1 if body.starts_with(b"Exif\0\0") && orientation == 1 => {
                orientation = exif::orientation(exif::tiff_body(body));
            }
            0xE2 if body.starts_with(b"ICC_PROFILE\0") && body.len() > 14 => {
                icc_len += body.len() - 14;
            }
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if frame.is_some() {
                    return Err(Error::corrupt(
                        Format::Jpeg,
                        "more than one frame header (SOF)",
                    ));
                }
                frame = Some(parse_sof(marker, body)?);
            }
            _ => {}
        }
        Ok(())
    })?;
    let mut info = frame
        .ok_or_else(|| Error::corrupt(Format::Jpeg, "scan (SOS) before the frame header (SOF)"))?;
    info.orientation = orientation;
    info.icc_profile_len = icc_len;
    info.header_junk = junk;
    Ok(info)
}

fn parse_sof(marker: u8, body: &[u8]) -> Result<ImageInfo, Error> {
    let corrupt = |m: &str| Error::corrupt(Format::Jpeg, m);
    let kind = match marker {
        0xC0 | 0xC1 => None,
        0xC2 => None,
        0xC3 => Some("lossless JPEG (SOF3)"),
        0xC5..=0xC7 => Some("hierarchical JPEG"),
        0xC9..=0xCB | 0xCD..=0xCF => Some("arithmetic-coded JPEG"),
        _ => Some("unknown JPEG frame type"),
    };
    if let Some(what) = kind {
        return Err(Error::unsupported(what));
    }
    if body.len() < 6 {
        return Err(corrupt("frame header (SOF) too short"));
    }
    let precision = body[0];
    let height = u32::from(be16(body, 1).unwrap_or(0));
    let width = u32::from(be16(body, 3).unwrap_or(0));
    let components = body[5];
    if precision != 8 {
        return Err(Error::unsupported(format!("{precision}-bit JPEG")));
    }
    if width == 0 || height == 0 {
        return Err(corrupt(&format!(
            "frame header declares {width}x{height} pixels"
        )));
    }
    if !matches!(components, 1 | 3 | 4) {
        return Err(Error::unsupported(format!(
            "JPEG with {components} components"
        )));
    }
    let specs = body
        .get(6..6 + 3 * components as usize)
        .ok_or_else(|| corrupt("frame header (SOF) too short for its components"))?;
    let factors: Vec<(u64, u64)> = specs
        .chunks_exact(3)
        .map(|c| (u64::from(c[1] >> 4), u64::from(c[1] & 15)))
        .collect();
    if factors
        .iter()
        .any(|&(h, v)| !(1..=4).contains(&h) || !(1..=4).contains(&v))
    {
        return Err(corrupt("sampling factor outside 1..=4"));
    }
    let mut sampling = [(1u8, 1u8); 4];
    for (slot, &(h, v)) in sampling.iter_mut().zip(&factors) {
        *slot = (h as u8, v as u8);
    }
    let hmax = factors.iter().map(|f| f.0).max().unwrap_or(1);
    let vmax = factors.iter().map(|f| f.1).max().unwrap_or(1);
    // Each component is stored in whole 8x8 blocks covering its (sub-sampled) size, padded to
    // whole MCUs; two bytes a coefficient.
    let mcu_w = (u64::from(width)).div_ceil(8 * hmax);
    let mcu_h = (u64::from(height)).div_ceil(8 * vmax);
    let coefficient_bytes = factors
        .iter()
        .map(|&(h, v)| mcu_w * h * mcu_h * v * 64 * 2)
        .sum();
    Ok(ImageInfo {
        format: Format::Jpeg,
        width,
        height,
        orientation: 1,
        components,
        bit_depth: 8,
        progressive: marker == 0xC2,
        has_alpha: false,
        icc_profile_len: 0,
        coefficient_bytes,
        header_junk: false,
        mcu_rows: 8 * vmax as u32,
        sampling,
    })
}

fn probe_png(input: &[u8]) -> Result<ImageInfo, Error> {
    let corrupt = |m: &str| Error::corrupt(Format::Png, m);
    let mut pos = PNG_SIGNATURE.len();
    let ihdr_len = be32(input, pos).ok_or_else(|| corrupt("file ends before IHDR"))?;
    if input.get(pos + 4..pos + 8) != Some(b"IHDR") || ihdr_len != 13 {
        return Err(corrupt("first chunk is not a 13-byte IHDR"));
    }
    let h = input
        .get(pos + 8..pos + 21)
        .ok_or_else(|| corrupt("truncated IHDR"))?;
    let width = be32(h, 0).unwrap_or(0);
    let height = be32(h, 4).unwrap_or(0);
    let (bit_depth, colour_type, compression, filter, interlace) =
        (h[8], h[9], h[10], h[11], h[12]);
    if width == 0 || height == 0 || width > i32::MAX as u32 || height > i32::MAX as u32 {
        return Err(corrupt(&format!("IHDR declares {width}x{height} pixels")));
    }
    let components = match (colour_type, bit_depth) {
        (0, 1 | 2 | 4 | 8 | 16) => 1,
        (2, 8 | 16) => 3,
        (3, 1 | 2 | 4 | 8) => 3,
        (4, 8 | 16) => 2,
        (6, 8 | 16) => 4,
        _ => {
            return Err(corrupt(&format!(
                "invalid colour type {colour_type} with bit depth {bit_depth}"
            )))
        }
    };
    if compression != 0 || filter != 0 || interlace > 1 {
        return Err(corrupt(
            "unknown compression, filter or interlace method in IHDR",
        ));
    }
    let mut info = ImageInfo {
        format: Format::Png,
        width,
        height,
        orientation: 1,
        components,
        bit_depth,
        progressive: interlace == 1,
        has_alpha: matches!(colour_type, 4 | 6),
        icc_profile_len: 0,
        coefficient_bytes: 0,
        header_junk: false,
        mcu_rows: 0,
        sampling: [(1, 1); 4],
    };
    pos += 8 + 13 + 4;
    // Ancillary chunks before the image data; a broken chunk list here is left to the decoder,
    // which reports it with more context.
    while let (Some(len), Some(kind)) = (be32(input, pos), input.get(pos + 4..pos + 8)) {
        let len = len as usize;
        let Some(body) = input.get(pos + 8..(pos + 8).saturating_add(len)) else {
            break;
        };
        match kind {
            b"IDAT" | b"IEND" => break,
            b"tRNS" => {
                info.has_alpha = true;
                if colour_type == 0 {
                    info.components = 2;
                } else {
                    info.components = 4;
                }
            }
            b"iCCP" => info.icc_profile_len = len,
            b"eXIf" => info.orientation = exif::orientation(exif::tiff_body(body)),
            _ => {}
        }
        pos = pos + 12 + len;
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn jpeg_header(width: u16, height: u16, sof: u8, precision: u8) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8, 0xFF, sof, 0, 17, precision];
        j.extend_from_slice(&height.to_be_bytes());
        j.extend_from_slice(&width.to_be_bytes());
        j.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        j.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
        j
    }

    #[test]
    fn jpeg_dimensions_from_sof() {
        let info = probe(&jpeg_header(65500, 65500, 0xC0, 8)).expect("probe");
        assert_eq!(
            (info.width, info.height, info.components),
            (65500, 65500, 3)
        );
        assert!(!info.progressive);
        let info = probe(&jpeg_header(640, 480, 0xC2, 8)).expect("probe");
        assert!(info.progressive);
        // 4:2:0 at 640x480: Y 640x480, Cb and Cr 320x240, two bytes a coefficient.
        assert_eq!(info.coefficient_bytes, (640 * 480 + 2 * 320 * 240) * 2);
    }

    #[test]
    fn jpeg_unsupported_kinds() {
        for (sof, precision) in [(0xC3, 8), (0xC9, 8), (0xCA, 8), (0xC1, 12)] {
            let err = probe(&jpeg_header(8, 8, sof, precision)).expect_err("unsupported");
            assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        }
    }

    #[test]
    fn jpeg_zero_height_is_corrupt() {
        let err = probe(&jpeg_header(8, 0, 0xC0, 8)).expect_err("corrupt");
        assert_eq!(err.kind(), ErrorKind::Corrupt);
    }

    #[test]
    fn truncated_headers_are_corrupt() {
        let full = jpeg_header(8, 8, 0xC0, 8);
        for cut in 4..full.len() - 4 {
            let err = probe(&full[..cut]).expect_err("truncated");
            assert_eq!(err.kind(), ErrorKind::Corrupt, "cut at {cut}: {err}");
        }
    }
}
