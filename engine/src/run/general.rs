//! The general path: the whole source decoded to interleaved pixels, then per variant resized,
//! turned upright and encoded. Every format and every output takes it when the planar path
//! cannot.

use std::time::Instant;

use crate::codec::{self, EncodeSettings};
use crate::engine::{Output, StageTimings};
use crate::error::Error;
use crate::orient;
use crate::pixels::{PixelBuf, Shape};
use crate::plan::{Plan, VariantPlan};
use crate::probe::ImageInfo;
use crate::request::Request;
use crate::resize::Resize;

/// The general path's buffers, kept across calls.
#[derive(Debug, Default)]
pub(crate) struct General {
    decoded: PixelBuf,
    resized: PixelBuf,
    oriented: PixelBuf,
    flat: Vec<u8>,
}

/// The general path's working memory for `variants` of `info`: the decoded image, what the
/// decoder holds besides it, and the largest variant's resize, orientation and encode buffers,
/// plus every encoded output.
pub(crate) fn working_bytes(info: &ImageInfo, variants: &[VariantPlan]) -> u64 {
    let bpp = codec::decoded_layout(info).bytes_per_pixel() as u64;
    let decoded = info.pixels() * bpp;
    let mut largest_variant = 0u64;
    let mut outputs = 0u64;
    for v in variants {
        let (w, h) = v.upright;
        let out = u64::from(w) * u64::from(h) * bpp;
        let premultiplied = if info.has_alpha { decoded } else { 0 };
        // Horizontal pass first: every source row at the output width.
        let convolution = u64::from(info.height.max(info.width)) * u64::from(w.max(h)) * bpp;
        largest_variant = largest_variant.max(premultiplied + convolution + 3 * out);
        outputs += out;
    }
    decoded + codec::decoder_bytes(info) + largest_variant + outputs
}

impl General {
    /// Bytes held by the buffers.
    pub fn capacity_bytes(&self) -> usize {
        self.decoded.capacity_bytes()
            + self.resized.capacity_bytes()
            + self.oriented.capacity_bytes()
            + self.flat.capacity()
    }

    /// Makes every variant of `plan`: one decode, then one resize, orientation and encode per
    /// variant.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        input: &[u8],
        info: &ImageInfo,
        plan: &Plan,
        request: &Request,
        resize: &mut Resize,
        pool: Option<&rayon::ThreadPool>,
        timings: &mut StageTimings,
    ) -> Result<Vec<Output>, Error> {
        let started = Instant::now();
        let (shape, metadata) = codec::decode_interleaved(input, info, &mut self.decoded)?;
        timings.decode = started.elapsed();
        let exif = super::kept_exif(&metadata, request);
        let mut outputs = Vec::with_capacity(plan.variants.len());
        for (variant, planned) in request.variants.iter().zip(&plan.variants) {
            let started = Instant::now();
            let (w, h) = planned.stored;
            let resized = resize.run(
                self.decoded.bytes(),
                shape,
                &mut self.resized,
                w,
                h,
                planned.filter,
                pool,
            )?;
            let (pixels, shape): (&mut [u8], Shape) = match orient::apply(
                info.orientation,
                self.resized.bytes(),
                resized,
                &mut self.oriented,
            )? {
                Some(shape) => (self.oriented.bytes_mut(), shape),
                None => (self.resized.bytes_mut(), resized),
            };
            timings.resize += started.elapsed();

            let started = Instant::now();
            let settings = EncodeSettings {
                quality: variant.jpeg_quality,
                progressive: variant.progressive,
                icc: metadata.icc.as_deref(),
                exif: exif.as_deref(),
                colour: &metadata.colour,
            };
            let mut bytes = Vec::new();
            codec::encode_pixels(
                planned.format,
                pixels,
                shape,
                &settings,
                &mut self.flat,
                &mut bytes,
            )?;
            timings.encode += started.elapsed();
            outputs.push(Output {
                variant: variant.name.clone(),
                format: planned.format,
                width: shape.width,
                height: shape.height,
                bytes,
            });
        }
        Ok(outputs)
    }
}
