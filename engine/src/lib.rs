//! downsize: JPEG and PNG bytes in, downscaled JPEG and PNG bytes out.
//!
//! The crate is pure and synchronous: no files, no network, no async runtime. Callers (the
//! `downsize` command line, the Lambda function) own the I/O and hand over borrowed bytes.
//!
//! One [`Engine`] runs a request and keeps its large buffers between calls. The modules, all
//! private behind the list of public items below:
//!
//! | module | what it does |
//! | --- | --- |
//! | `format` | the formats, their names, media types and extensions |
//! | `sniff` | format from magic numbers, never from a name |
//! | `codec` | one folder per format: header probe, decoders, encoders, their kernels |
//! | `probe` | [`ImageInfo`]: dimensions, orientation, profile from the header alone |
//! | `limits` | refuse bombs before any pixel memory is allocated |
//! | `request` | what to make: variants, geometry, filters, defaults |
//! | `plan` | each variant resolved once: sizes, format, path, memory estimate |
//! | `engine` | the [`Engine`]: probe, plan, check, run |
//! | `run` | one runner per path: general (interleaved) and planar (YCbCr planes, streamed) |
//! | `strip` | resize rows as the decoder delivers them |
//! | `resize` | fast_image_resize over source and destination views |
//! | `orient` | EXIF orientation applied to the small output |
//! | `metadata` | EXIF orientation and ICC profile checks |
//! | `pixels` | pixel layouts and reusable buffers |
//! | `simd` | the instruction sets every kernel family dispatches on |
//! | `error` | one error enum, split by fault domain |
//!
//! Errors are one enum, [`Error`], whose [`ErrorKind`] says whose fault it was and whether a
//! retry could help.

#![deny(unsafe_code)]

mod codec;
mod engine;
mod error;
mod format;
mod limits;
mod metadata;
mod orient;
mod pixels;
mod plan;
mod probe;
mod request;
mod resize;
mod run;
mod simd;
mod sniff;
mod strip;

pub use engine::{Engine, Output, StageTimings};
pub use error::{Error, ErrorKind, LimitKind};
pub use format::Format;
pub use limits::Limits;
pub use plan::working_bytes;
pub use probe::{probe, ImageInfo};
pub use request::{
    Filter, Geometry, MetadataPolicy, OutputFormat, Request, Variant, VariantDefaults,
    DEFAULT_JPEG_QUALITY,
};
pub use simd::SimdPath;
pub use sniff::sniff;
