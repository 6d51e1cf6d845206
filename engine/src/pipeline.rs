//! Pipeline: sniff -> probe -> limits -> decode -> (resize -> orient -> encode) per variant.

use std::time::{Duration, Instant};

use crate::decode::{self, Decoded};
use crate::encode::{self, jpeg::JpegSettings, png::PngSettings};
use crate::error::Error;
use crate::limits::Limits;
use crate::metadata::exif;
use crate::orient;
use crate::pixels::{Layout, PixelBuf, Shape};
use crate::planar;
use crate::probe::{probe, ImageInfo};
use crate::request::{MetadataPolicy, OutputFormat, Request, Variant};
use crate::resize::Resize;
use crate::simd::SimdPath;
use crate::sniff::Format;

/// One encoded output of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The variant's name (its spec).
    pub variant: String,
    /// The encoded format.
    pub format: Format,
    /// Output width (upright).
    pub width: u32,
    /// Output height (upright).
    pub height: u32,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

/// Wall time of each stage of the last [`Engine::process`] call, summed over variants.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimings {
    /// Probe and decode.
    pub decode: Duration,
    /// Resize and orientation.
    pub resize: Duration,
    /// Encoding of every variant.
    pub encode: Duration,
    /// Source megapixels (stored width x height / 1e6).
    pub megapixels: f64,
}

/// The downscaler. Owns every large buffer and reuses them across calls, so a warm Lambda
/// container stops allocating pixel memory once it has seen its largest image. Not `Sync`: use
/// one per thread (or behind a mutex).
#[derive(Debug)]
pub struct Engine {
    limits: Limits,
    pool: Option<rayon::ThreadPool>,
    resize: Resize,
    decoded: PixelBuf,
    resized: PixelBuf,
    oriented: PixelBuf,
    flat: Vec<u8>,
    planar: planar::Scratch,
    planar_enabled: bool,
    timings: StageTimings,
}

impl Engine {
    /// An engine enforcing `limits`, single-threaded.
    pub fn new(limits: Limits) -> Engine {
        Engine {
            limits,
            pool: None,
            resize: Resize::default(),
            decoded: PixelBuf::default(),
            resized: PixelBuf::default(),
            oriented: PixelBuf::default(),
            flat: Vec::new(),
            planar: planar::Scratch::default(),
            planar_enabled: true,
            timings: StageTimings::default(),
        }
    }

    /// Uses `threads` workers for the resize stage. With 1 (a Lambda under 1,769 MB has at most
    /// one vCPU of time, whatever the CPU count says) no thread pool is created at all.
    pub fn with_threads(mut self, threads: usize) -> Engine {
        self.pool = if threads > 1 {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("downsize-{i}"))
                .build()
                .ok()
        } else {
            None
        };
        let workers = self.pool.as_ref().map_or(1, |p| p.current_num_threads());
        if self.resize.set_workers(workers).is_err() {
            self.resize = Resize::default();
        }
        self
    }

    /// Forces the resize stage onto one instruction set (for tests that compare SIMD with scalar).
    pub fn with_simd_path(mut self, path: SimdPath) -> Result<Engine, Error> {
        let workers = self.pool.as_ref().map_or(1, |p| p.current_num_threads());
        self.resize = Resize::with_path(path)?;
        self.resize.set_workers(workers)?;
        Ok(self)
    }

    /// Turns the planar path (YCbCr JPEG to JPEG without leaving YCbCr) on or off. On by default;
    /// off makes every image take the general RGB path, for tests and benchmarks that compare
    /// the two.
    pub fn with_planar_path(mut self, enabled: bool) -> Engine {
        self.planar_enabled = enabled;
        self
    }

    /// The resize stage's instruction set.
    pub fn simd_path(&self) -> SimdPath {
        self.resize.path()
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Timings of the last `process` call.
    pub fn last_timings(&self) -> StageTimings {
        self.timings
    }

    /// Bytes currently held by the engine's reusable buffers.
    pub fn retained_bytes(&self) -> usize {
        self.decoded.capacity_bytes()
            + self.resized.capacity_bytes()
            + self.oriented.capacity_bytes()
            + self.flat.capacity()
            + self.planar.capacity_bytes()
    }

    /// Makes every variant of `request` from `input`. The source is decoded once. Either every
    /// output is returned or an error is: never a partial set.
    pub fn process(&mut self, input: &[u8], request: &Request) -> Result<Vec<Output>, Error> {
        self.timings = StageTimings::default();
        let started = Instant::now();
        self.limits.check_input_len(input.len() as u64)?;
        let info = probe(input)?;
        self.limits.check_dimensions(info.width, info.height)?;
        if self.planar_enabled && planar::eligible(&info, request) {
            self.limits
                .check_working_bytes(planar::working_bytes(&info, request))?;
            if let Ok(Some(outputs)) = self.make_planar_variants(input, &info, request, started) {
                return Ok(outputs);
            }
            // Not YCbCr after all, or an error: the general path decides, with its own rules
            // for lenient decoding and its own memory check.
            self.timings = StageTimings::default();
        }
        self.limits
            .check_working_bytes(general_working_bytes(&info, request))?;
        let decoded = match info.format {
            Format::Jpeg => decode::jpeg::decode(input, &info, &mut self.decoded)?,
            Format::Png => decode::png::decode(input, &info, &mut self.decoded)?,
        };
        self.timings.decode = started.elapsed();
        self.timings.megapixels = info.pixels() as f64 / 1e6;
        let exif = match request.metadata {
            MetadataPolicy::Strip => None,
            MetadataPolicy::KeepExif => decoded.exif.as_deref().map(exif::with_orientation_reset),
        };
        let mut outputs = Vec::with_capacity(request.variants.len());
        for variant in &request.variants {
            outputs.push(self.make_variant(&info, &decoded, variant, exif.as_deref())?);
        }
        Ok(outputs)
    }

    /// The planar path: decode and resize streamed together, then one encode per variant.
    /// `Ok(None)` when the source is not YCbCr after all.
    fn make_planar_variants(
        &mut self,
        input: &[u8],
        info: &ImageInfo,
        request: &Request,
        started: Instant,
    ) -> Result<Option<Vec<Output>>, Error> {
        let (display_w, display_h) = info.display_size();
        let targets: Vec<planar::Target> = request
            .variants
            .iter()
            .map(|v| {
                let (width, height) = v.geometry.target_size(display_w, display_h);
                planar::Target {
                    width,
                    height,
                    filter: v.filter,
                }
            })
            .collect();
        let Some(streamed) = planar::decode_resized(
            input,
            info,
            &targets,
            &mut self.resize,
            &mut self.planar,
            self.pool.as_ref(),
        )?
        else {
            return Ok(None);
        };
        self.timings.resize = streamed.resize_time;
        self.timings.decode = started.elapsed().saturating_sub(streamed.resize_time);
        self.timings.megapixels = info.pixels() as f64 / 1e6;
        let exif = match request.metadata {
            MetadataPolicy::Strip => None,
            MetadataPolicy::KeepExif => streamed.exif.as_deref().map(exif::with_orientation_reset),
        };
        let mut outputs = Vec::with_capacity(request.variants.len());
        for (index, (variant, target)) in request.variants.iter().zip(&targets).enumerate() {
            let started = Instant::now();
            let settings = JpegSettings {
                quality: variant.jpeg_quality,
                progressive: variant.progressive,
                icc: streamed.icc.as_deref(),
                exif: exif.as_deref(),
            };
            let mut bytes = Vec::new();
            planar::encode_target(
                &mut self.planar,
                index,
                info.orientation,
                (target.width, target.height),
                settings,
                &mut bytes,
            )?;
            self.timings.encode += started.elapsed();
            outputs.push(Output {
                variant: variant.name.clone(),
                format: Format::Jpeg,
                width: target.width,
                height: target.height,
                bytes,
            });
        }
        Ok(Some(outputs))
    }

    fn make_variant(
        &mut self,
        info: &ImageInfo,
        decoded: &Decoded,
        variant: &Variant,
        exif: Option<&[u8]>,
    ) -> Result<Output, Error> {
        let started = Instant::now();
        let (display_w, display_h) = info.display_size();
        let (width, height) = variant.geometry.target_size(display_w, display_h);
        let (stored_w, stored_h) = orient::stored_size(info.orientation, width, height);
        let resized = self.resize.run(
            self.decoded.bytes(),
            decoded.shape,
            &mut self.resized,
            stored_w,
            stored_h,
            variant.filter,
            self.pool.as_ref(),
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
        self.timings.resize += started.elapsed();

        let started = Instant::now();
        let format = match variant.format {
            OutputFormat::Same => info.format,
            OutputFormat::Jpeg => Format::Jpeg,
            OutputFormat::Png => Format::Png,
        };
        let icc = decoded.icc.as_deref();
        let mut bytes = Vec::new();
        match format {
            Format::Jpeg => {
                let settings = JpegSettings {
                    quality: variant.jpeg_quality,
                    progressive: variant.progressive,
                    icc,
                    exif,
                };
                if matches!(shape.layout, Layout::Gray8 | Layout::Rgb8) {
                    encode::jpeg::encode(pixels, shape, settings, &mut bytes)?;
                } else {
                    let layout = encode::flatten_to_8bit_opaque(pixels, shape, &mut self.flat);
                    encode::jpeg::encode(
                        &self.flat,
                        Shape { layout, ..shape },
                        settings,
                        &mut bytes,
                    )?;
                }
            }
            Format::Png => {
                let settings = PngSettings {
                    icc,
                    exif,
                    colour: &decoded.png_colour,
                };
                encode::png::encode(pixels, shape, settings, &mut bytes)?;
            }
        }
        self.timings.encode += started.elapsed();
        Ok(Output {
            variant: variant.name.clone(),
            format,
            width: shape.width,
            height: shape.height,
            bytes,
        })
    }
}

/// Bytes per decoded pixel for `info`, as the decoders will lay them out.
fn decoded_bytes_per_pixel(info: &ImageInfo) -> u64 {
    match info.format {
        Format::Jpeg => {
            if info.components == 1 {
                1
            } else {
                3
            }
        }
        Format::Png => u64::from(info.components) * if info.bit_depth == 16 { 2 } else { 1 },
    }
}

/// Estimates, from the header alone, the working memory the default engine checks before it
/// takes `request` on `info`: the planar path's for a YCbCr JPEG going to JPEG (see
/// [`crate::planar`]), the general path's otherwise. Deliberately on the high side.
pub fn working_bytes(info: &ImageInfo, request: &Request) -> u64 {
    if planar::eligible(info, request) {
        planar::working_bytes(info, request)
    } else {
        general_working_bytes(info, request)
    }
}

/// The general (RGB) path's working memory for `request` on `info`: the decoded image, what the
/// decoder holds besides it, and the largest variant's resize, orientation and encode buffers,
/// plus every encoded output.
pub(crate) fn general_working_bytes(info: &ImageInfo, request: &Request) -> u64 {
    let bpp = decoded_bytes_per_pixel(info);
    let pixels = info.pixels();
    let decoded = pixels * bpp;
    let decoder_extra = match info.format {
        // Progressive files hold every DCT coefficient; baseline ones decode a row of MCUs at a
        // time (up to 32 rows of 4 components at 16 bits).
        Format::Jpeg if info.progressive => info.coefficient_bytes,
        Format::Jpeg => u64::from(info.width) * 32 * 4 * 2,
        // Two rows (current and previous, for unfiltering) plus the inflate window.
        Format::Png => u64::from(info.width) * bpp * 2 + (1 << 20),
    };
    let (display_w, display_h) = info.display_size();
    let mut largest_variant = 0u64;
    let mut outputs = 0u64;
    for v in &request.variants {
        let (w, h) = v.geometry.target_size(display_w, display_h);
        let out = u64::from(w) * u64::from(h) * bpp;
        let premultiplied = if info.has_alpha { decoded } else { 0 };
        // Horizontal pass first: every source row at the output width.
        let convolution = u64::from(info.height.max(info.width)) * u64::from(w.max(h)) * bpp;
        let variant = premultiplied + convolution + 3 * out;
        largest_variant = largest_variant.max(variant);
        outputs += out;
    }
    decoded + decoder_extra + largest_variant + outputs
}
