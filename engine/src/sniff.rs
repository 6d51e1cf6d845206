//! Sniff: what an input is, from its first bytes. File names and Content-Type headers lie; magic
//! numbers do not.

use crate::error::Error;
use crate::format::Format;

pub(crate) const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Identifies the format of `input` from its magic number.
///
/// JPEG and PNG are supported; anything else is an [`Error::Unsupported`] that names what it looks
/// like, so a user who uploaded a HEIC from a phone learns why nothing happened.
pub fn sniff(input: &[u8]) -> Result<Format, Error> {
    if input.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if input.starts_with(PNG_SIGNATURE) {
        return Ok(Format::Png);
    }
    if damaged_png_signature(input) {
        return Err(Error::corrupt(Format::Png, "damaged PNG signature"));
    }
    if input.len() >= 2 && input.starts_with(&[0xFF, 0xD8]) {
        return Err(Error::corrupt(
            Format::Jpeg,
            "no marker after the start-of-image",
        ));
    }
    Err(Error::unsupported(describe_unknown(input)))
}

/// A PNG whose 8-byte signature was mangled (by a text-mode transfer, typically) but whose
/// structure is still recognisable: the letters "PNG" or the IHDR chunk where they belong.
fn damaged_png_signature(input: &[u8]) -> bool {
    input.get(1..4) == Some(b"PNG")
        || input.get(12..16) == Some(b"IHDR")
        || input.get(11..15) == Some(b"IHDR")
        || input.get(13..17) == Some(b"IHDR")
}

fn describe_unknown(input: &[u8]) -> String {
    let what = if input.is_empty() {
        "empty file"
    } else if input.starts_with(b"GIF87a") || input.starts_with(b"GIF89a") {
        "GIF image"
    } else if input.len() >= 12 && &input[0..4] == b"RIFF" && &input[8..12] == b"WEBP" {
        "WebP image"
    } else if input.len() >= 12 && &input[4..8] == b"ftyp" {
        return describe_iso_bmff(&input[8..12]);
    } else if input.starts_with(b"II*\0") || input.starts_with(b"MM\0*") {
        "TIFF image"
    } else if input.starts_with(b"BM") {
        "BMP image"
    } else if input.starts_with(b"\0\0\x01\0") {
        "ICO image"
    } else if input.starts_with(b"\xFF\x0A") || input.starts_with(b"\0\0\0\x0CJXL \r\n\x87\n") {
        "JPEG XL image"
    } else if input.starts_with(b"%PDF") {
        "PDF document"
    } else if input.starts_with(b"8BPS") {
        "Photoshop document"
    } else if looks_like_text(input) {
        "text, not an image"
    } else {
        "unknown binary data"
    };
    what.to_string()
}

fn describe_iso_bmff(brand: &[u8]) -> String {
    match brand {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
            "HEIF/HEIC image".to_string()
        }
        b"avif" | b"avis" => "AVIF image".to_string(),
        other => format!("ISO media file (brand {})", String::from_utf8_lossy(other)),
    }
}

fn looks_like_text(input: &[u8]) -> bool {
    let head = &input[..input.len().min(512)];
    let text = head
        .iter()
        .filter(|&&b| {
            b == b'\t' || b == b'\n' || b == b'\r' || (0x20..0x7F).contains(&b) || b >= 0x80
        })
        .count();
    text * 100 >= head.len() * 95
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn recognises_supported_formats() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest").ok(), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest").ok(), Some(Format::Png));
    }

    #[test]
    fn names_what_it_does_not_support() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty"),
            (b"GIF89a....", "GIF"),
            (b"RIFF\0\0\0\0WEBPVP8 ", "WebP"),
            (b"\0\0\0\x18ftypheic\0\0\0\0", "HEIC"),
            (b"\0\0\0\x18ftypavif\0\0\0\0", "AVIF"),
            (b"II*\0\x08\0\0\0", "TIFF"),
            (b"hello, this is not a picture\n", "text"),
        ];
        for (bytes, word) in cases {
            let err = sniff(bytes).expect_err("must be refused");
            assert_eq!(err.kind(), ErrorKind::Unsupported);
            assert!(
                err.to_string().contains(word),
                "{err} should mention {word}"
            );
        }
    }
}
