//! Request: which outputs to make from one source image.

use std::fmt;

/// Resampling filter of the resize stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Filter {
    /// Box (area average): fastest, softest.
    Box,
    /// Bilinear (triangle).
    Bilinear,
    /// Hamming: bilinear cost with sharper results.
    Hamming,
    /// Catmull-Rom bicubic.
    CatmullRom,
    /// Mitchell-Netravali bicubic.
    Mitchell,
    /// Lanczos with three lobes: sharpest; the default (see the README for the measurement).
    #[default]
    Lanczos3,
}

impl Filter {
    /// All filters, for benchmarks and tests.
    pub const ALL: [Filter; 6] = [
        Filter::Box,
        Filter::Bilinear,
        Filter::Hamming,
        Filter::CatmullRom,
        Filter::Mitchell,
        Filter::Lanczos3,
    ];

    /// Lowercase name as accepted by [`Filter::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            Filter::Box => "box",
            Filter::Bilinear => "bilinear",
            Filter::Hamming => "hamming",
            Filter::CatmullRom => "catmullrom",
            Filter::Mitchell => "mitchell",
            Filter::Lanczos3 => "lanczos3",
        }
    }

    /// Parses a filter name.
    pub fn parse(name: &str) -> Result<Filter, String> {
        Filter::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("unknown filter '{name}' (box, bilinear, hamming, catmullrom, mitchell, lanczos3)"))
    }
}

/// The output size rule. All rules keep the aspect ratio, never upscale and give at least 1x1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Geometry {
    /// Half the width and half the height, each rounded half up.
    Half,
    /// Both dimensions times a factor in (0, 1].
    Scale(f64),
    /// This width; height follows the aspect ratio.
    Width(u32),
    /// This height; width follows the aspect ratio.
    Height(u32),
    /// As large as fits inside the box.
    Fit {
        /// Box width.
        width: u32,
        /// Box height.
        height: u32,
    },
}

impl Geometry {
    /// Output size for an upright source of `width` x `height`.
    pub fn target_size(self, width: u32, height: u32) -> (u32, u32) {
        let (w, h) = (f64::from(width), f64::from(height));
        let scale = match self {
            Geometry::Half => return (width.div_ceil(2).max(1), height.div_ceil(2).max(1)),
            Geometry::Scale(s) => s,
            Geometry::Width(tw) => f64::from(tw) / w,
            Geometry::Height(th) => f64::from(th) / h,
            Geometry::Fit {
                width: bw,
                height: bh,
            } => (f64::from(bw) / w).min(f64::from(bh) / h),
        };
        let scale = if scale.is_finite() {
            scale.clamp(0.0, 1.0)
        } else {
            1.0
        };
        let side = |x: f64, exact: u32| -> u32 { ((x * scale).round() as u32).clamp(1, exact) };
        match self {
            Geometry::Width(tw) => (tw.clamp(1, width), side(h, height)),
            Geometry::Height(th) => (side(w, width), th.clamp(1, height)),
            _ => (side(w, width), side(h, height)),
        }
    }
}

/// The encoded format of an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// The input's format.
    #[default]
    Same,
    /// JPEG (alpha is composited over white).
    Jpeg,
    /// PNG.
    Png,
}

/// What happens to EXIF metadata. ICC profiles are always kept, because dropping them changes
/// colours; EXIF holds GPS positions and camera serials, so it is dropped unless asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetadataPolicy {
    /// Write no EXIF.
    #[default]
    Strip,
    /// Copy the source EXIF, with the orientation reset to 1 (the pixels are already upright).
    KeepExif,
}

/// One output of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Name of the variant, as given in the spec (used in output keys and logs).
    pub name: String,
    /// Output size rule.
    pub geometry: Geometry,
    /// Output format.
    pub format: OutputFormat,
    /// JPEG quality, 1-100.
    pub jpeg_quality: u8,
    /// Progressive JPEG output.
    pub progressive: bool,
    /// Resampling filter.
    pub filter: Filter,
    /// Which of the settings above the spec named itself (defaults fill only the others).
    explicit: Explicit,
}

/// The options a variant spec set itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Explicit {
    format: bool,
    quality: bool,
    filter: bool,
}

/// Settings for every variant whose spec does not name its own: the command line's `--format`,
/// `--quality`, `--progressive` and `--filter`, the Lambda's `DOWNSIZE_FORMAT` and
/// `DOWNSIZE_QUALITY`. Merged in one place, [`Variant::with_defaults`], so both front ends agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VariantDefaults {
    /// Output format (`Some(OutputFormat::Same)` is the same as `None`).
    pub format: Option<OutputFormat>,
    /// JPEG quality, 1-100.
    pub quality: Option<u8>,
    /// Progressive JPEG for every variant.
    pub progressive: bool,
    /// Resampling filter.
    pub filter: Option<Filter>,
}

/// The default JPEG quality. 80 is what thumbnailing services commonly ship (libvips/sharp's
/// default; Pillow's 75 and WordPress's 82 are on either side) and sits at the knee of the
/// size/quality curve measured in the README.
pub const DEFAULT_JPEG_QUALITY: u8 = 80;

impl Default for Variant {
    fn default() -> Self {
        Variant::half()
    }
}

impl Variant {
    /// Half width and height, same format: the default job.
    pub fn half() -> Variant {
        Variant {
            name: "half".to_string(),
            geometry: Geometry::Half,
            format: OutputFormat::Same,
            jpeg_quality: DEFAULT_JPEG_QUALITY,
            progressive: false,
            filter: Filter::default(),
            explicit: Explicit::default(),
        }
    }

    /// This variant with `defaults` filling what its spec did not name: `w320@jpg` stays JPEG
    /// whatever the default format, `w320` takes it. Progressive is additive: a default of
    /// progressive makes every variant progressive.
    pub fn with_defaults(mut self, defaults: &VariantDefaults) -> Variant {
        if let (false, Some(format)) = (self.explicit.format, defaults.format) {
            self.format = format;
        }
        if let (false, Some(quality)) = (self.explicit.quality, defaults.quality) {
            self.jpeg_quality = quality.clamp(1, 100);
        }
        if let (false, Some(filter)) = (self.explicit.filter, defaults.filter) {
            self.filter = filter;
        }
        self.progressive |= defaults.progressive;
        self
    }

    /// Parses a variant spec: a geometry (`half`, `scale:0.25`, `w320`, `h240`, `fit:1280x1280`)
    /// followed by optional `@` options (`@jpeg`, `@png`, `@q85`, `@progressive`,
    /// `@filter=mitchell`), e.g. `w320@jpeg@q70`.
    pub fn parse(spec: &str) -> Result<Variant, String> {
        let spec = spec.trim();
        let mut parts = spec.split('@');
        let geometry_spec = parts.next().unwrap_or_default();
        let number = |s: &str| -> Result<u32, String> {
            s.parse::<u32>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("'{s}' is not a positive whole number in '{spec}'"))
        };
        let geometry = if geometry_spec == "half" {
            Geometry::Half
        } else if let Some(s) = geometry_spec.strip_prefix("scale:") {
            let f: f64 = s
                .parse()
                .map_err(|_| format!("'{s}' is not a number in '{spec}'"))?;
            if !(f > 0.0 && f <= 1.0) {
                return Err(format!("scale must be in (0, 1], got {s}"));
            }
            Geometry::Scale(f)
        } else if let Some(s) = geometry_spec.strip_prefix("fit:") {
            let (w, h) = s
                .split_once('x')
                .ok_or_else(|| format!("fit needs WxH, got '{s}'"))?;
            Geometry::Fit {
                width: number(w)?,
                height: number(h)?,
            }
        } else if let Some(s) = geometry_spec.strip_prefix('w') {
            Geometry::Width(number(s)?)
        } else if let Some(s) = geometry_spec.strip_prefix('h') {
            Geometry::Height(number(s)?)
        } else {
            return Err(format!(
                "unknown geometry '{geometry_spec}' (half, scale:F, wN, hN, fit:WxH)"
            ));
        };
        let mut v = Variant {
            name: spec.to_string(),
            geometry,
            ..Variant::half()
        };
        for opt in parts {
            match opt {
                "jpeg" | "jpg" => {
                    v.format = OutputFormat::Jpeg;
                    v.explicit.format = true;
                }
                "png" => {
                    v.format = OutputFormat::Png;
                    v.explicit.format = true;
                }
                "progressive" => v.progressive = true,
                _ if opt.starts_with('q') => {
                    let q = number(&opt[1..])?;
                    if q > 100 {
                        return Err(format!("quality must be 1-100, got {q}"));
                    }
                    v.jpeg_quality = q as u8;
                    v.explicit.quality = true;
                }
                _ if opt.starts_with("filter=") => {
                    v.filter = Filter::parse(&opt[7..])?;
                    v.explicit.filter = true;
                }
                _ => return Err(format!("unknown option '@{opt}' in '{spec}'")),
            }
        }
        Ok(v)
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Everything to make from one source. The source is decoded once for all variants.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The outputs, in order.
    pub variants: Vec<Variant>,
    /// EXIF policy for every output.
    pub metadata: MetadataPolicy,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            variants: vec![Variant::half()],
            metadata: MetadataPolicy::Strip,
        }
    }
}

impl Request {
    /// A request for a single variant.
    pub fn single(variant: Variant) -> Request {
        Request {
            variants: vec![variant],
            metadata: MetadataPolicy::Strip,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_rounds_up_and_never_reaches_zero() {
        assert_eq!(Geometry::Half.target_size(4032, 3024), (2016, 1512));
        assert_eq!(Geometry::Half.target_size(17, 13), (9, 7));
        assert_eq!(Geometry::Half.target_size(1, 1000), (1, 500));
        assert_eq!(Geometry::Half.target_size(1, 1), (1, 1));
    }

    #[test]
    fn other_rules_keep_aspect_and_never_upscale() {
        assert_eq!(Geometry::Width(320).target_size(4032, 3024), (320, 240));
        assert_eq!(Geometry::Width(8000).target_size(4032, 3024), (4032, 3024));
        assert_eq!(Geometry::Height(240).target_size(4032, 3024), (320, 240));
        assert_eq!(
            Geometry::Fit {
                width: 1280,
                height: 1280
            }
            .target_size(3024, 4032),
            (960, 1280)
        );
        assert_eq!(Geometry::Scale(0.25).target_size(4032, 3024), (1008, 756));
        assert_eq!(Geometry::Width(10).target_size(1000, 1), (10, 1));
    }

    #[test]
    fn parses_specs() {
        let v = Variant::parse("w320@jpeg@q70@progressive").expect("valid");
        assert_eq!(v.geometry, Geometry::Width(320));
        assert_eq!(
            (v.format, v.jpeg_quality, v.progressive),
            (OutputFormat::Jpeg, 70, true)
        );
        assert_eq!(
            Variant::parse("fit:1280x720").expect("valid").geometry,
            Geometry::Fit {
                width: 1280,
                height: 720
            }
        );
        assert_eq!(
            Variant::parse("half@filter=mitchell")
                .expect("valid")
                .filter,
            Filter::Mitchell
        );
        for bad in [
            "half@jpegx",
            "",
            "w0",
            "fit:10",
            "scale:2",
            "half@q101",
            "huge",
            "w320@gif",
        ] {
            assert!(Variant::parse(bad).is_err(), "{bad} must be refused");
        }
    }

    /// The defaults fill only what a spec left out, however the spec spells it: `half@jpg`
    /// stays JPEG under a PNG default (a substring test for "@jpeg" used to miss it).
    #[test]
    fn defaults_fill_only_what_the_spec_left_out() {
        let defaults = VariantDefaults {
            format: Some(OutputFormat::Png),
            quality: Some(60),
            progressive: true,
            filter: Some(Filter::Box),
        };
        let v = Variant::parse("half@jpg")
            .expect("valid")
            .with_defaults(&defaults);
        assert_eq!(v.format, OutputFormat::Jpeg);
        assert_eq!(
            (v.jpeg_quality, v.filter, v.progressive),
            (60, Filter::Box, true)
        );
        let v = Variant::parse("w320@q90@filter=mitchell")
            .expect("valid")
            .with_defaults(&defaults);
        assert_eq!(v.format, OutputFormat::Png);
        assert_eq!((v.jpeg_quality, v.filter), (90, Filter::Mitchell));
        let v = Variant::parse("half")
            .expect("valid")
            .with_defaults(&VariantDefaults::default());
        assert_eq!(v, Variant::half());
    }
}
