//! The planar path: a YCbCr JPEG made into smaller 4:2:0 JPEGs without leaving YCbCr.
//!
//! The general path upsamples the chroma planes to full size, converts every pixel to RGB,
//! resizes three full-size channels, converts back to YCbCr and subsamples the chroma again. For
//! the commonest job there is (a phone photo halved, JPEG to JPEG) none of that is needed: the
//! output's chroma is the input's chroma resized by the same factor. Here the decoder hands over
//! its raw planes (1.5 bytes a pixel instead of 3 for RGB), each plane is resized on its own, and
//! the encoder takes the planes back. Less memory, less work, and one colour conversion fewer to
//! round.
//!
//! The planes are never held whole either: the decoder hands them over one iMCU row at a time
//! and [`crate::strip`] resizes rows as they arrive, so the memory is the input, the small
//! output planes and a few strips, however large the photo.

use std::time::{Duration, Instant};

use crate::codec::{self, jpeg, EncodeSettings, PlaneGeometry};
use crate::engine::{Output, StageTimings};
use crate::error::Error;
use crate::format::Format;
use crate::orient;
use crate::pixels::{Layout, PixelBuf, Shape};
use crate::plan::{Plan, VariantPlan};
use crate::probe::ImageInfo;
use crate::request::Request;
use crate::resize::Resize;
use crate::strip::{self, StripResize};

/// Working memory of the planar path: the decoder's own, and per variant the strip windows,
/// the resized planes, the oriented planes and the encoded output.
pub(crate) fn working_bytes(
    info: &ImageInfo,
    planes: &[PlaneGeometry; 3],
    variants: &[VariantPlan],
) -> u64 {
    let mut total = codec::decoder_bytes(info);
    let mut largest = 0u64;
    for variant in variants {
        let targets = jpeg::output_planes(variant.stored.0, variant.stored.1);
        let plane_bytes: u64 = targets
            .iter()
            .map(|&(w, h)| u64::from(w) * u64::from(h))
            .sum();
        let windows: u64 = planes
            .iter()
            .zip(&targets)
            .map(|(p, t)| strip::window_bytes(p.stride as u32, p.height, p.push_rows, t.1))
            .sum();
        // Resized planes and windows stay per variant; the oriented planes and the encoder's
        // row buffers are one variant's at a time; every encoded output is kept.
        total += windows + 2 * plane_bytes;
        largest = largest.max(plane_bytes + u64::from(variant.upright.0) * 16 * 3);
    }
    total + largest
}

/// The planar path's buffers, kept across calls: per variant the strip resizers and resized
/// planes, and one variant's oriented planes.
#[derive(Debug, Default)]
pub(crate) struct Planar {
    strips: Vec<[StripResize; 3]>,
    resized: Vec<[PixelBuf; 3]>,
    oriented: [PixelBuf; 3],
}

impl Planar {
    /// Bytes held by the allocations (for memory accounting).
    pub fn capacity_bytes(&self) -> usize {
        let strips = self
            .strips
            .iter()
            .flatten()
            .map(StripResize::capacity_bytes);
        let planes = self.resized.iter().flatten().chain(&self.oriented);
        strips.sum::<usize>() + planes.map(PixelBuf::capacity_bytes).sum::<usize>()
    }

    /// Makes every variant of `plan`, or `Ok(None)` when the decoder finds the image is not
    /// YCbCr after all (the only case the general path takes over). Every other failure is
    /// reported as itself.
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
    ) -> Result<Option<Vec<Output>>, Error> {
        let started = Instant::now();
        let Some(mut reader) = codec::open_planes(input, info)? else {
            return Ok(None);
        };
        let resize_time = self.decode_resized(&mut reader, plan, resize, pool)?;
        timings.resize = resize_time;
        timings.decode = started.elapsed().saturating_sub(resize_time);
        let metadata = codec::header_metadata(input, info);
        let exif = super::kept_exif(&metadata, request);
        let mut outputs = Vec::with_capacity(plan.variants.len());
        for (index, (variant, planned)) in request.variants.iter().zip(&plan.variants).enumerate() {
            let started = Instant::now();
            let settings = EncodeSettings {
                quality: variant.jpeg_quality,
                progressive: variant.progressive,
                icc: metadata.icc.as_deref(),
                exif: exif.as_deref(),
                colour: &metadata.colour,
            };
            let mut bytes = Vec::new();
            self.encode(index, info.orientation, planned, &settings, &mut bytes)?;
            timings.encode += started.elapsed();
            outputs.push(Output {
                variant: variant.name.clone(),
                format: Format::Jpeg,
                width: planned.upright.0,
                height: planned.upright.1,
                bytes,
            });
        }
        Ok(Some(outputs))
    }

    /// Decodes one iMCU row at a time and resizes each row, as it arrives, into every variant's
    /// stored planes: no plane of the source is ever held whole. Returns the time spent
    /// resizing.
    fn decode_resized(
        &mut self,
        reader: &mut jpeg::PlaneReader<'_>,
        plan: &Plan,
        resize: &mut Resize,
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<Duration, Error> {
        let geometry = reader.geometry();
        let pushes = geometry.map(|g| g.push_rows);
        let strides = geometry.map(|g| g.stride);
        let count = plan.variants.len();
        self.strips.resize_with(count, Default::default);
        self.resized.resize_with(count, Default::default);
        let strips = &mut self.strips[..count];
        let resized = &mut self.resized[..count];
        let mut resize_time = Duration::ZERO;
        reader.run(|session| {
            // Every pass (a lenient retry is a second one) starts the strips afresh.
            for ((strips, planes), variant) in strips
                .iter_mut()
                .zip(resized.iter_mut())
                .zip(&plan.variants)
            {
                let targets = jpeg::output_planes(variant.stored.0, variant.stored.1);
                for p in 0..3 {
                    let g = geometry[p];
                    let source = (g.width, g.height, g.stride);
                    strips[p].begin(source, g.push_rows, targets[p], variant.filter)?;
                    planes[p].reset(targets[p].0 as usize * targets[p].1 as usize)?;
                }
            }
            loop {
                // The decoder writes into the first variant's windows; the others get a copy.
                let (first, others) = strips
                    .split_first_mut()
                    .ok_or_else(|| Error::internal("no variant"))?;
                let [y, cb, cr] = first;
                let rows = {
                    let mut tails = [y.tail(pushes[0])?, cb.tail(pushes[1])?, cr.tail(pushes[2])?];
                    let Some(rows) = session.read_rows(&mut tails, &strides)? else {
                        break;
                    };
                    for other in others.iter_mut() {
                        for p in 0..3 {
                            let bytes = rows[p] as usize * strides[p];
                            other[p].tail(rows[p])?.copy_from_slice(&tails[p][..bytes]);
                            other[p].commit(rows[p])?;
                        }
                    }
                    rows
                };
                for (p, strip) in [y, cb, cr].into_iter().enumerate() {
                    strip.commit(rows[p])?;
                }
                let started = Instant::now();
                for (strips, planes) in strips.iter_mut().zip(resized.iter_mut()) {
                    for (strip, plane) in strips.iter_mut().zip(planes.iter_mut()) {
                        strip.drain(resize, plane.bytes_mut(), pool)?;
                    }
                }
                resize_time += started.elapsed();
            }
            if !strips.iter().flatten().all(StripResize::is_done) {
                return Err(Error::corrupt(Format::Jpeg, "image data ends early"));
            }
            Ok(())
        })?;
        Ok(resize_time)
    }

    /// Encodes variant `index` of the last decode, turned upright, into `out`.
    fn encode(
        &mut self,
        index: usize,
        orientation: u8,
        planned: &VariantPlan,
        settings: &EncodeSettings<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let targets = jpeg::output_planes(planned.stored.0, planned.stored.1);
        let Planar {
            resized, oriented, ..
        } = self;
        let resized = resized
            .get(index)
            .ok_or_else(|| Error::internal("no such planar variant"))?;
        let mut shapes = targets.map(|(width, height)| Shape {
            width,
            height,
            layout: Layout::Gray8,
        });
        let mut turned = [false; 3];
        for p in 0..3 {
            if let Some(s) =
                orient::apply(orientation, resized[p].bytes(), shapes[p], &mut oriented[p])?
            {
                shapes[p] = s;
                turned[p] = true;
            }
        }
        let view = |p: usize| {
            if turned[p] {
                oriented[p].bytes()
            } else {
                resized[p].bytes()
            }
        };
        jpeg::encode_planes(
            [view(0), view(1), view(2)],
            (shapes[0].width, shapes[0].height),
            shapes[1].width,
            settings,
            out,
        )
    }
}
