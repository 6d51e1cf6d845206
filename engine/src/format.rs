//! Formats: the image formats downsize reads and writes, with their names, media types and file
//! extensions. A leaf module: errors, the sniffer, the codecs and the command line all name
//! formats, and none of them is needed to do so.

/// The image formats downsize reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JPEG (JFIF, Exif, Adobe).
    Jpeg,
    /// PNG.
    Png,
}

impl Format {
    /// Every format, in the order the sniffer tries them.
    pub const ALL: [Format; 2] = [Format::Jpeg, Format::Png];

    /// Lowercase name: "jpeg", "png".
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
        }
    }

    /// The media type for a Content-Type header.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        self.extensions()[0]
    }

    /// Every extension files of this format commonly carry (lowercase, without the dot), the
    /// usual one first.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Jpeg => &["jpg", "jpeg", "jpe"],
            Format::Png => &["png"],
        }
    }

    /// Whether `extension` (without the dot, any case) names this format.
    pub fn has_extension(self, extension: &str) -> bool {
        self.extensions()
            .iter()
            .any(|e| e.eq_ignore_ascii_case(extension))
    }

    /// The format an extension names, if any.
    pub fn from_extension(extension: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.has_extension(extension))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_name_their_format() {
        assert_eq!(Format::from_extension("JPG"), Some(Format::Jpeg));
        assert_eq!(Format::from_extension("jpeg"), Some(Format::Jpeg));
        assert_eq!(Format::from_extension("png"), Some(Format::Png));
        assert_eq!(Format::from_extension("gif"), None);
        for f in Format::ALL {
            assert_eq!(Format::from_extension(f.extension()), Some(f));
        }
    }
}
