//! Just enough TIFF/EXIF parsing to read and reset the orientation tag.
//!
//! EXIF is attacker-controlled: every offset is bounds-checked and a malformed block is treated as
//! "no orientation", never as an error, because browsers display such files anyway.

const TAG_ORIENTATION: u16 = 0x0112;
const TYPE_SHORT: u16 = 3;

#[derive(Clone, Copy)]
enum Endian {
    Little,
    Big,
}

impl Endian {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Endian::Little => u16::from_le_bytes(s),
            Endian::Big => u16::from_be_bytes(s),
        })
    }

    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Endian::Little => u32::from_le_bytes(s),
            Endian::Big => u32::from_be_bytes(s),
        })
    }
}

/// Finds the byte offset (within `tiff`) of the orientation value in IFD0.
fn orientation_offset(tiff: &[u8]) -> Option<(Endian, usize)> {
    let endian = match tiff.get(0..4)? {
        b"II*\0" => Endian::Little,
        b"MM\0*" => Endian::Big,
        _ => return None,
    };
    let ifd = endian.u32(tiff, 4)? as usize;
    let count = endian.u16(tiff, ifd)? as usize;
    for i in 0..count {
        let entry = ifd.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        let tag = endian.u16(tiff, entry)?;
        if tag == TAG_ORIENTATION {
            if endian.u16(tiff, entry + 2)? != TYPE_SHORT || endian.u32(tiff, entry + 4)? == 0 {
                return None;
            }
            // A single SHORT sits left-justified in the 4-byte value field.
            let at = entry + 8;
            endian.u16(tiff, at)?;
            return Some((endian, at));
        }
    }
    None
}

/// Reads the orientation (1..=8) from a TIFF-structured EXIF block (the bytes after `Exif\0\0`).
/// Missing, malformed or out-of-range values read as 1, as the EXIF specification's default.
pub fn orientation(tiff: &[u8]) -> u8 {
    orientation_offset(tiff)
        .and_then(|(endian, at)| endian.u16(tiff, at))
        .filter(|v| (1..=8).contains(v))
        .map_or(1, |v| v as u8)
}

/// Returns a copy of the EXIF block with the orientation set to 1, for outputs whose pixels are
/// already upright; a stale orientation tag would make viewers rotate them a second time.
pub fn with_orientation_reset(tiff: &[u8]) -> Vec<u8> {
    let mut out = tiff.to_vec();
    if let Some((endian, at)) = orientation_offset(tiff) {
        let one = match endian {
            Endian::Little => 1u16.to_le_bytes(),
            Endian::Big => 1u16.to_be_bytes(),
        };
        out[at..at + 2].copy_from_slice(&one);
    }
    out
}

/// Strips the `Exif\0\0` prefix that JPEG APP1 segments (and some PNG eXIf chunks) carry.
pub fn tiff_body(exif: &[u8]) -> &[u8] {
    exif.strip_prefix(b"Exif\0\0").unwrap_or(exif)
}

#[cfg(test)]
pub(crate) fn build_tiff(big_endian: bool, orientation: u16) -> Vec<u8> {
    type Writers = (fn(u16) -> [u8; 2], fn(u32) -> [u8; 4]);
    let mut t = Vec::new();
    let (w16, w32): Writers = if big_endian {
        t.extend_from_slice(b"MM\0*");
        (u16::to_be_bytes, u32::to_be_bytes)
    } else {
        t.extend_from_slice(b"II*\0");
        (u16::to_le_bytes, u32::to_le_bytes)
    };
    t.extend_from_slice(&w32(8));
    t.extend_from_slice(&w16(1));
    t.extend_from_slice(&w16(TAG_ORIENTATION));
    t.extend_from_slice(&w16(TYPE_SHORT));
    t.extend_from_slice(&w32(1));
    t.extend_from_slice(&w16(orientation));
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&w32(0));
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_byte_orders() {
        for v in 1..=8 {
            assert_eq!(orientation(&build_tiff(false, v)), v as u8);
            assert_eq!(orientation(&build_tiff(true, v)), v as u8);
        }
    }

    #[test]
    fn out_of_range_and_garbage_read_as_one() {
        assert_eq!(orientation(&build_tiff(false, 0)), 1);
        assert_eq!(orientation(&build_tiff(true, 9)), 1);
        assert_eq!(orientation(b"II*\0\xff\xff\xff\xff"), 1);
        assert_eq!(orientation(b""), 1);
        let mut truncated = build_tiff(false, 6);
        truncated.truncate(14);
        assert_eq!(orientation(&truncated), 1);
    }

    #[test]
    fn reset_sets_one_and_keeps_the_rest() {
        let t = build_tiff(true, 6);
        let r = with_orientation_reset(&t);
        assert_eq!(orientation(&r), 1);
        assert_eq!(r.len(), t.len());
    }
}
