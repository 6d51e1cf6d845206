//! The PNG header: IHDR and the ancillary chunks before the image data, read without
//! inflating anything.

use std::ops::Range;

use crate::error::Error;
use crate::format::Format;
use crate::metadata::exif;
use crate::probe::ImageInfo;
use crate::sniff::PNG_SIGNATURE;

/// What the PNG codec keeps of a parsed header, besides the public [`ImageInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Header {
    /// The body of the first eXIf chunk before the image data: the orientation is read from it
    /// and it is the block kept, so both come from the same chunk.
    exif: Option<Range<usize>>,
}

impl Header {
    /// The EXIF block (TIFF structure) the orientation was read from.
    pub fn exif<'a>(&self, input: &'a [u8]) -> Option<&'a [u8]> {
        self.exif
            .clone()
            .and_then(|r| input.get(r))
            .map(exif::tiff_body)
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Reads the header of a PNG. Errors are the same kinds the decoder would give.
pub(crate) fn probe(input: &[u8]) -> Result<ImageInfo, Error> {
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
        header: crate::codec::Header::Png(Header::default()),
    };
    let mut exif_range = None;
    pos += 8 + 13 + 4;
    // Ancillary chunks before the image data; a broken chunk list here is left to the decoder,
    // which reports it with more context.
    while let (Some(len), Some(kind)) = (be32(input, pos), input.get(pos + 4..pos + 8)) {
        let len = len as usize;
        let start = pos + 8;
        let Some(body) = input.get(start..start.saturating_add(len)) else {
            break;
        };
        match kind {
            b"IDAT" | b"IEND" => break,
            b"tRNS" => {
                info.has_alpha = true;
                info.components = if colour_type == 0 { 2 } else { 4 };
            }
            b"iCCP" => info.icc_profile_len = len,
            b"eXIf" if exif_range.is_none() => {
                info.orientation = exif::orientation(exif::tiff_body(body));
                exif_range = Some(start..start + len);
            }
            _ => {}
        }
        pos = start + len + 4;
    }
    info.header = crate::codec::Header::Png(Header { exif: exif_range });
    Ok(info)
}
