//! The JPEG header: the marker segments before the first scan, walked once, without allocating
//! anything in proportion to the image.
//!
//! Limits are checked against what this parser reports, so it must never trust a length it has
//! not bounds-checked. Metadata is recorded as ranges of the input (the first Exif segment, the
//! ICC chunks), so the orientation the pixels follow and the EXIF block written out come from the
//! same segment, and nothing is copied until an output asks for it.

use std::ops::Range;

use crate::error::Error;
use crate::format::Format;
use crate::metadata::exif;
use crate::probe::ImageInfo;

/// ICC chunks beyond this are not recorded: a profile has at most 255 (the sequence number is a
/// byte), and a file with more APP2 segments is padding or an attack on memory.
const MAX_ICC_CHUNKS: usize = 255;

/// What the JPEG codec keeps of a parsed header, besides the public [`ImageInfo`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// Bytes of DCT coefficients a progressive decode holds for the whole image.
    pub coefficient_bytes: u64,
    /// Junk bytes between header segments were skipped (the decoder is given a cleaned copy).
    pub junk: bool,
    /// Pixel rows per MCU row (8 x the largest vertical sampling factor).
    pub mcu_rows: u32,
    /// (horizontal, vertical) sampling factors of each component, in SOF order.
    pub sampling: [(u8, u8); 4],
    /// The TIFF body of the first Exif APP1 segment.
    exif: Option<Range<usize>>,
    /// ICC_PROFILE APP2 chunks: (sequence number, chunk count, payload range).
    icc_chunks: Vec<(u8, u8, Range<usize>)>,
}

impl Header {
    /// The EXIF block (TIFF structure, without the `Exif\0\0` prefix) of the segment the
    /// orientation was read from.
    pub fn exif<'a>(&self, input: &'a [u8]) -> Option<&'a [u8]> {
        self.exif.clone().and_then(|r| input.get(r))
    }

    /// The ICC profile, assembled from its chunks in sequence order. A profile whose chunks
    /// disagree on their count, repeat or miss a sequence number is damaged and dropped, as
    /// libjpeg's reader does: a wrong profile would misrender every colour.
    pub fn icc(&self, input: &[u8]) -> Option<Vec<u8>> {
        let count = self.icc_chunks.len();
        if count == 0 {
            return None;
        }
        let mut ordered: Vec<Option<&Range<usize>>> = vec![None; count];
        for (seq, total, range) in &self.icc_chunks {
            let slot = usize::from(*seq).checked_sub(1)?;
            if usize::from(*total) != count || slot >= count || ordered[slot].is_some() {
                return None;
            }
            ordered[slot] = Some(range);
        }
        let mut profile = Vec::new();
        for range in ordered.into_iter().flatten() {
            profile.extend_from_slice(input.get(range.clone())?);
        }
        (!profile.is_empty()).then_some(profile)
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Walks the JPEG marker segments before the first scan, calling `segment(marker, body_start,
/// body)` for each, and returns the offset of the SOS marker and whether junk bytes had to be
/// skipped.
///
/// Like libjpeg, bytes between segments that are not a marker (including a stuffed `FF 00`) are
/// skipped as "extraneous data" rather than rejected: some cameras and editors write them, and
/// every viewer shows those files.
fn walk(
    input: &[u8],
    mut segment: impl FnMut(u8, usize, &[u8]) -> Result<(), Error>,
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
        segment(marker, pos + 2, body)?;
        pos += len;
    }
}

/// A copy of a JPEG whose header had junk between segments, with the junk removed, for the
/// strict decoder. Only such rare files pay for the copy.
pub(crate) fn without_junk(input: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    out.try_reserve_exact(input.len())
        .map_err(|e| Error::internal(format!("copy of input: {e}")))?;
    out.extend_from_slice(&input[..2]);
    let (sos, _) = walk(input, |marker, _, body| {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(body);
        Ok(())
    })?;
    out.extend_from_slice(&input[sos..]);
    Ok(out)
}

/// Reads the header of a JPEG. Errors are the same kinds the decoder would give, found without
/// touching pixel data.
pub(crate) fn probe(input: &[u8]) -> Result<ImageInfo, Error> {
    let mut exif_range: Option<Range<usize>> = None;
    let mut icc_chunks = Vec::new();
    let mut icc_len = 0usize;
    let mut frame: Option<ImageInfo> = None;
    let (_, junk) = walk(input, |marker, start, body| {
        match marker {
            // The first Exif segment rules; later ones (thumbnails' own, MPF) are ignored, by
            // the orientation and by the EXIF block kept alike.
            0xE1 if body.starts_with(b"Exif\0\0") && exif_range.is_none() => {
                exif_range = Some(start + 6..start + body.len());
            }
            0xE2 if body.starts_with(b"ICC_PROFILE\0")
                && body.len() > 14
                && icc_chunks.len() < MAX_ICC_CHUNKS =>
            {
                icc_chunks.push((body[12], body[13], start + 14..start + body.len()));
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
    if let Some(range) = &exif_range {
        info.orientation = exif::orientation(&input[range.clone()]);
    }
    info.icc_profile_len = icc_len;
    if let crate::codec::Header::Jpeg(header) = &mut info.header {
        header.junk = junk;
        header.exif = exif_range;
        header.icc_chunks = icc_chunks;
    }
    Ok(info)
}

fn parse_sof(marker: u8, body: &[u8]) -> Result<ImageInfo, Error> {
    let corrupt = |m: &str| Error::corrupt(Format::Jpeg, m);
    let kind = match marker {
        0xC0..=0xC2 => None,
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
    let mut sampling = [(1u8, 1u8); 4];
    for (slot, c) in sampling.iter_mut().zip(specs.chunks_exact(3)) {
        *slot = (c[1] >> 4, c[1] & 15);
    }
    let used = &sampling[..usize::from(components)];
    if used
        .iter()
        .any(|&(h, v)| !(1..=4).contains(&h) || !(1..=4).contains(&v))
    {
        return Err(corrupt("sampling factor outside 1..=4"));
    }
    let hmax = u64::from(used.iter().map(|f| f.0).max().unwrap_or(1));
    let vmax = u64::from(used.iter().map(|f| f.1).max().unwrap_or(1));
    // Each component is stored in whole 8x8 blocks covering its (sub-sampled) size, padded to
    // whole MCUs; two bytes a coefficient.
    let mcu_w = u64::from(width).div_ceil(8 * hmax);
    let mcu_h = u64::from(height).div_ceil(8 * vmax);
    let coefficient_bytes = used
        .iter()
        .map(|&(h, v)| mcu_w * u64::from(h) * mcu_h * u64::from(v) * 64 * 2)
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
        header: crate::codec::Header::Jpeg(Header {
            coefficient_bytes,
            junk: false,
            mcu_rows: 8 * vmax as u32,
            sampling,
            exif: None,
            icc_chunks: Vec::new(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    pub(crate) fn jpeg_header(width: u16, height: u16, sof: u8, precision: u8) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8, 0xFF, sof, 0, 17, precision];
        j.extend_from_slice(&height.to_be_bytes());
        j.extend_from_slice(&width.to_be_bytes());
        j.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        j.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
        j
    }

    fn header(info: &ImageInfo) -> &Header {
        match &info.header {
            crate::codec::Header::Jpeg(h) => h,
            other => panic!("not a JPEG header: {other:?}"),
        }
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
        assert_eq!(
            header(&info).coefficient_bytes,
            (640 * 480 + 2 * 320 * 240) * 2
        );
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

    /// Two Exif segments (a camera's own and an editor's): the orientation and the EXIF block
    /// handed out both come from the first, so the pixels follow the block that is written.
    #[test]
    fn orientation_and_exif_come_from_the_same_segment() {
        let app1 = |orientation: u16| {
            let mut body = b"Exif\0\0".to_vec();
            body.extend_from_slice(&exif::build_tiff(false, orientation));
            let mut seg = vec![0xFF, 0xE1];
            seg.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            seg.extend_from_slice(&body);
            seg
        };
        let base = jpeg_header(8, 8, 0xC0, 8);
        let mut file = base[..2].to_vec();
        file.extend_from_slice(&app1(6));
        file.extend_from_slice(&app1(3));
        file.extend_from_slice(&base[2..]);
        let info = probe(&file).expect("probe");
        assert_eq!(info.orientation, 6);
        let block = header(&info).exif(&file).expect("exif");
        assert_eq!(exif::orientation(block), 6);
    }

    /// ICC chunks are assembled in sequence order, whatever order the file has them in.
    #[test]
    fn icc_chunks_are_assembled_in_sequence_order() {
        let app2 = |seq: u8, total: u8, payload: &[u8]| {
            let mut body = b"ICC_PROFILE\0".to_vec();
            body.extend_from_slice(&[seq, total]);
            body.extend_from_slice(payload);
            let mut seg = vec![0xFF, 0xE2];
            seg.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            seg.extend_from_slice(&body);
            seg
        };
        let base = jpeg_header(8, 8, 0xC0, 8);
        let mut file = base[..2].to_vec();
        file.extend_from_slice(&app2(2, 2, b"world"));
        file.extend_from_slice(&app2(1, 2, b"hello "));
        file.extend_from_slice(&base[2..]);
        let info = probe(&file).expect("probe");
        assert_eq!(info.icc_profile_len, 11);
        assert_eq!(
            header(&info).icc(&file).as_deref(),
            Some(&b"hello world"[..])
        );
    }
}
