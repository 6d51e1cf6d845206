//! PNG, through the `png` crate: every colour type and bit depth, palette, tRNS and Adam7 in;
//! the decoded colour type and bit depth out, with the profile or colour chunks carried along.

mod decode;
mod encode;
mod header;

use ::png::{ScaledFloat, SourceChromaticities, SrgbRenderingIntent};

pub(crate) use decode::decode;
pub(crate) use encode::encode;
pub(crate) use header::{probe, Header};

use super::ColourSignals;
use crate::pixels::Layout;
use crate::probe::ImageInfo;

/// The interleaved layout a decode gives: palette and low bit depths expanded to 8 bits,
/// 16 bits kept, alpha when the colour type or a tRNS chunk says so.
pub(crate) fn decoded_layout(info: &ImageInfo) -> Layout {
    let deep = info.bit_depth == 16;
    match (info.components, deep) {
        (1, false) => Layout::Gray8,
        (1, true) => Layout::Gray16,
        (2, false) => Layout::GrayAlpha8,
        (2, true) => Layout::GrayAlpha16,
        (3, false) => Layout::Rgb8,
        (3, true) => Layout::Rgb16,
        (_, false) => Layout::Rgba8,
        (_, true) => Layout::Rgba16,
    }
}

/// Memory the decoder holds besides the image: two rows (current and previous, for
/// unfiltering) plus the inflate window.
pub(crate) fn decoder_bytes(info: &ImageInfo) -> u64 {
    u64::from(info.width) * decoded_layout(info).bytes_per_pixel() as u64 * 2 + (1 << 20)
}

/// The colour chunks of a decoded PNG, in the engine's own terms.
fn colour_signals(info: &::png::Info<'_>) -> ColourSignals {
    ColourSignals {
        srgb_intent: info.srgb.map(|i| i as u8),
        gamma: info.gamma().map(ScaledFloat::into_scaled),
        chromaticities: info.chromaticities().map(|c| {
            let xy = [c.white, c.red, c.green, c.blue];
            let mut out = [0u32; 8];
            for (pair, (x, y)) in out.chunks_exact_mut(2).zip(xy) {
                pair[0] = x.into_scaled();
                pair[1] = y.into_scaled();
            }
            out
        }),
    }
}

/// Writes colour signals back as PNG chunks.
fn set_colour_signals(info: &mut ::png::Info<'_>, colour: &ColourSignals) {
    info.srgb = colour.srgb_intent.and_then(|i| match i {
        0 => Some(SrgbRenderingIntent::Perceptual),
        1 => Some(SrgbRenderingIntent::RelativeColorimetric),
        2 => Some(SrgbRenderingIntent::Saturation),
        3 => Some(SrgbRenderingIntent::AbsoluteColorimetric),
        _ => None,
    });
    info.source_gamma = colour.gamma.map(ScaledFloat::from_scaled);
    info.source_chromaticities = colour.chromaticities.map(|c| {
        let p = |i: usize| {
            (
                ScaledFloat::from_scaled(c[i]),
                ScaledFloat::from_scaled(c[i + 1]),
            )
        };
        SourceChromaticities {
            white: p(0),
            red: p(2),
            green: p(4),
            blue: p(6),
        }
    });
}
