//! Runners: one per path of a [`crate::plan::Plan`], each owning the buffers it reuses across
//! calls.

pub(crate) mod general;
pub(crate) mod planar;

use crate::codec::Metadata;
use crate::metadata::exif;
use crate::request::{MetadataPolicy, Request};

/// The EXIF block outputs carry under the request's policy, with the orientation reset (the
/// pixels are upright).
fn kept_exif(metadata: &Metadata, request: &Request) -> Option<Vec<u8>> {
    match request.metadata {
        MetadataPolicy::Strip => None,
        MetadataPolicy::KeepExif => metadata.exif.as_deref().map(exif::with_orientation_reset),
    }
}
