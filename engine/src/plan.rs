//! Plan: each variant of a request resolved once, before any pixel is touched: its upright and
//! stored sizes, its format, the path the image takes, the DCT scale it is decoded at, and the
//! working memory all of it needs.

use crate::codec;
use crate::error::Error;
use crate::format::Format;
use crate::limits::Limits;
use crate::orient;
use crate::probe::ImageInfo;
use crate::request::{Filter, OutputFormat, Request};
use crate::run;

/// How the source is turned into outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Path {
    /// Decoded to YCbCr planes that are resized and encoded as planes, streamed (JPEG to JPEG).
    Planar,
    /// Decoded to interleaved pixels, resized, oriented and encoded variant by variant.
    General,
}

/// The fraction of its stored size the source is decoded at. The JPEG codec decodes at full
/// size today; the DCT-domain scales (1/2, 1/4, 1/8) come with the engine's own decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecodeScale {
    /// 1, 2, 4 or 8.
    pub denominator: u8,
}

impl DecodeScale {
    /// Full size.
    pub const FULL: DecodeScale = DecodeScale { denominator: 1 };
}

/// One variant, resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct VariantPlan {
    /// Output size as displayed (after orientation).
    pub upright: (u32, u32),
    /// Size to resize to in the source's stored orientation.
    pub stored: (u32, u32),
    /// Encoded format.
    pub format: Format,
    /// Resampling filter.
    pub filter: Filter,
}

/// A request resolved against one image.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub path: Path,
    pub scale: DecodeScale,
    pub variants: Vec<VariantPlan>,
    /// Estimated working memory of the whole request on this path, from the header alone.
    pub working_bytes: u64,
}

impl Plan {
    /// Resolves `request` on `info`, on the planar path when `planar` allows it and the image
    /// and every output can take it, on the general path otherwise.
    pub fn new(info: &ImageInfo, request: &Request, planar: bool) -> Plan {
        let (display_w, display_h) = info.display_size();
        let variants: Vec<VariantPlan> = request
            .variants
            .iter()
            .map(|v| {
                let upright = v.geometry.target_size(display_w, display_h);
                VariantPlan {
                    upright,
                    stored: orient::stored_size(info.orientation, upright.0, upright.1),
                    format: match v.format {
                        OutputFormat::Same => info.format,
                        OutputFormat::Jpeg => Format::Jpeg,
                        OutputFormat::Png => Format::Png,
                    },
                    filter: v.filter,
                }
            })
            .collect();
        let planes = codec::plane_estimate(info)
            .filter(|_| planar && variants.iter().all(|v| v.format == Format::Jpeg));
        match planes {
            Some(planes) => Plan {
                path: Path::Planar,
                scale: DecodeScale::FULL,
                working_bytes: run::planar::working_bytes(info, &planes, &variants),
                variants,
            },
            None => Plan::general(info, variants),
        }
    }

    /// The general path's plan for the same variants (when a planar decoder finds the image is
    /// not YCbCr after all).
    pub fn into_general(self, info: &ImageInfo) -> Plan {
        Plan::general(info, self.variants)
    }

    fn general(info: &ImageInfo, variants: Vec<VariantPlan>) -> Plan {
        Plan {
            path: Path::General,
            scale: DecodeScale::FULL,
            working_bytes: run::general::working_bytes(info, &variants),
            variants,
        }
    }

    /// Refuses, before any pixel memory exists, a plan over the memory limit or an output its
    /// format cannot store (a JPEG side over 65,535 once the width limits are raised past it).
    pub fn check(&self, limits: &Limits) -> Result<(), Error> {
        for v in &self.variants {
            let max = codec::max_side(v.format);
            let (w, h) = v.upright;
            if w > max || h > max {
                return Err(Error::unsupported(format!(
                    "a {w}x{h} {} output: its sides are at most {max} px",
                    v.format.as_str()
                )));
            }
        }
        limits.check_working_bytes(self.working_bytes)
    }
}

/// Estimates, from the header alone, the working memory the default engine checks before it
/// takes `request` on `info`: the planar path's for a YCbCr JPEG going to JPEG, the general
/// path's otherwise. Deliberately on the high side.
pub fn working_bytes(info: &ImageInfo, request: &Request) -> u64 {
    Plan::new(info, request, true).working_bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::LimitKind;
    use crate::request::Variant;

    fn over_memory(plan: &Plan, limits: &Limits) -> bool {
        matches!(
            plan.check(limits),
            Err(Error::TooLarge {
                limit: LimitKind::Memory,
                ..
            })
        )
    }

    fn photo(width: u16, height: u16, sof: u8) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8, 0xFF, sof, 0, 17, 8];
        j.extend_from_slice(&height.to_be_bytes());
        j.extend_from_slice(&width.to_be_bytes());
        j.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        j.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
        j
    }

    /// The point of streaming: a 48 MP phone photo (8064x6048, 4:2:0) is halved within the
    /// default limits, which fit the smallest Lambda (128 MB); its general-path estimate is not.
    #[test]
    fn a_48_mp_photo_fits_the_smallest_lambda() {
        let info = codec::probe(&photo(8064, 6048, 0xC0)).expect("probe");
        let limits = Limits::default();
        let request = Request::default();
        limits
            .check_dimensions(info.width, info.height)
            .expect("48 MP within the pixel limit");
        let planar = Plan::new(&info, &request, true);
        assert_eq!(planar.path, Path::Planar);
        planar
            .check(&limits)
            .expect("planar estimate within 128 MB");
        assert_eq!(working_bytes(&info, &request), planar.working_bytes);
        let general = Plan::new(&info, &request, false);
        assert!(over_memory(&general, &limits));
        assert!(
            planar.working_bytes * 4 < general.working_bytes,
            "{} vs {}",
            planar.working_bytes,
            general.working_bytes
        );
    }

    /// A progressive file's coefficients are held inside the decoder, and counted.
    #[test]
    fn progressive_coefficients_are_counted() {
        let request = Request::default();
        let baseline = codec::probe(&photo(4032, 3024, 0xC0)).expect("probe");
        let progressive = codec::probe(&photo(4032, 3024, 0xC2)).expect("probe");
        let baseline = Plan::new(&baseline, &request, true).working_bytes;
        let progressive = Plan::new(&progressive, &request, true).working_bytes;
        assert!(progressive >= baseline + 4032 * 3024 * 3 - 4032 * 32 * 8);
    }

    /// A PNG output, or the planar path turned off, takes the general path.
    #[test]
    fn paths_follow_the_outputs() {
        let info = codec::probe(&photo(640, 480, 0xC0)).expect("probe");
        let png = Request::single(Variant::parse("half@png").expect("spec"));
        assert_eq!(Plan::new(&info, &png, true).path, Path::General);
        assert_eq!(
            Plan::new(&info, &Request::default(), false).path,
            Path::General
        );
    }

    /// An output wider than JPEG can state is refused from the plan, as `unsupported`: the
    /// request's doing, not a bug to retry.
    #[test]
    fn outputs_past_the_format_are_unsupported() {
        let mut info = codec::probe(&photo(640, 480, 0xC0)).expect("probe");
        info.width = 200_000;
        let plan = Plan::new(&info, &Request::default(), true);
        let err = plan.check(&Limits::unlimited()).expect_err("too wide");
        assert_eq!(err.kind(), crate::ErrorKind::Unsupported, "{err}");
    }
}
