//! Metadata carried from input to output: EXIF (orientation, privacy) and ICC profiles (colour).

pub mod exif;
pub mod icc;
