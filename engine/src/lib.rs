//! downsize: JPEG and PNG bytes in, downscaled JPEG and PNG bytes out.
//!
//! The crate is pure and synchronous: no files, no network, no async runtime. Callers (the
//! `downsize` command line, the Lambda function) own the I/O and hand over borrowed bytes.
//!
//! One [`Engine`] runs the stages below and keeps their large buffers between calls:
//!
//! | stage | module | what it does |
//! | --- | --- | --- |
//! | sniff | [`sniff`] | format from magic numbers, never from a name |
//! | probe | [`probe`] | dimensions, orientation, profile from the header alone |
//! | limits | [`limits`] | refuse bombs before any pixel memory is allocated |
//! | decode | `decode` | zune-jpeg and png into reusable buffers |
//! | resize | `resize` | fast_image_resize with run-time SIMD dispatch |
//! | orient | `orient` | EXIF orientation applied to the small output |
//! | encode | `encode` | JPEG (jpeg-encoder) or PNG, keeping the ICC profile |
//! | planar | `planar` | YCbCr JPEG to JPEG in planes: no RGB, no whole plane held |
//! | strip | `strip` | resize rows as the decoder delivers them |
//! | pipeline | `pipeline` | the [`Engine`] tying them together |
//!
//! Errors are one enum, [`Error`], whose [`ErrorKind`] says whose fault it was and whether a
//! retry could help.

#![deny(unsafe_code)]

mod codec;
mod decode;
mod encode;
pub mod error;
pub mod limits;
mod metadata;
mod orient;
mod pipeline;
mod pixels;
mod planar;
pub mod probe;
pub mod request;
mod resize;
mod simd;
pub mod sniff;
mod strip;

pub use error::{Error, ErrorKind, LimitKind};
pub use limits::Limits;
pub use pipeline::{working_bytes, Engine, Output, StageTimings};
pub use probe::{probe, ImageInfo};
pub use request::{
    Filter, Geometry, MetadataPolicy, OutputFormat, Request, Variant, DEFAULT_JPEG_QUALITY,
};
pub use simd::SimdPath;
pub use sniff::{sniff, Format};
