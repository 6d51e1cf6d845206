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

use jpeg_encoder::{ImageBuffer, JpegColorType};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_jpeg::{JpegDecoder, RawImcuRowStatus};

use crate::decode::jpeg;
use crate::encode::jpeg::JpegSettings;
use crate::error::Error;
use crate::orient;
use crate::pixels::{Layout, PixelBuf, Shape};
use crate::probe::ImageInfo;
use crate::request::{Filter, OutputFormat, Request};
use crate::resize::Resize;
use crate::sniff::Format;
use crate::strip::{self, StripResize};

/// Whether `request` on `info` can take the planar path: a three-component JPEG with full-size or
/// halved chroma (4:4:4, 4:2:2, 4:4:0 or 4:2:0: what phones and cameras write), every output a
/// JPEG. Outputs are 4:2:0 whatever the input, as on the general path.
pub fn eligible(info: &ImageInfo, request: &Request) -> bool {
    info.format == Format::Jpeg
        && info.components == 3
        && matches!(info.sampling[0], (1 | 2, 1 | 2))
        && info.sampling[1..3] == [(1, 1), (1, 1)]
        && request
            .variants
            .iter()
            .all(|v| matches!(v.format, OutputFormat::Same | OutputFormat::Jpeg))
}

/// Rows the decoder delivers at most per call, for a component of vertical sampling `v`.
fn push_rows(v: usize) -> u32 {
    (v.clamp(1, 4) * 8) as u32
}

/// What one variant is made into: its upright size and filter.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub width: u32,
    pub height: u32,
    pub filter: Filter,
}

/// The sizes of a variant's three resized planes, in stored (not upright) orientation: luma at
/// the stored size and chroma halved, ready for a 4:2:0 encoder.
fn plane_targets(orientation: u8, width: u32, height: u32) -> [(u32, u32); 3] {
    let (sw, sh) = orient::stored_size(orientation, width, height);
    let half = (sw.div_ceil(2), sh.div_ceil(2));
    [(sw, sh), half, half]
}

/// Working memory of the planar path, estimated from the header like
/// [`crate::pipeline::general_working_bytes`]: the decoder's own (every coefficient for a progressive
/// file, a few MCU rows otherwise), and per variant the strip windows, the resized planes, the
/// oriented planes and the encoded output.
pub fn working_bytes(info: &ImageInfo, request: &Request) -> u64 {
    let padded = |x: u32| x.div_ceil(16) * 16;
    let (h, v) = info.sampling[0];
    let (h, v) = (h.clamp(1, 2), v.clamp(1, 2));
    let decoder_extra = if info.progressive {
        info.coefficient_bytes
    } else {
        u64::from(info.width) * 32 * 3 * 2
    };
    let strides = [
        padded(info.width),
        padded(info.width.div_ceil(u32::from(h))),
    ];
    let heights = [info.height, info.height.div_ceil(u32::from(v))];
    let pushes = [push_rows(usize::from(v)), push_rows(1)];
    let (dw, dh) = info.display_size();
    let mut total = decoder_extra;
    let mut largest = 0u64;
    for variant in &request.variants {
        let (w, h) = variant.geometry.target_size(dw, dh);
        let planes = plane_targets(info.orientation, w, h);
        let plane_bytes: u64 = planes
            .iter()
            .map(|&(w, h)| u64::from(w) * u64::from(h))
            .sum();
        let windows: u64 = (0..3)
            .map(|p| {
                let k = usize::from(p > 0);
                strip::window_bytes(strides[k], heights[k], pushes[k], planes[p].1)
            })
            .sum();
        // Resized planes and windows stay per variant; the oriented planes and the encoder's
        // row buffers are one variant's at a time; every encoded output is kept.
        total += windows + 2 * plane_bytes;
        largest = largest.max(plane_bytes + u64::from(w) * 16 * 3);
    }
    total + largest
}

/// Scratch of the planar path, kept across calls: per variant the strip resizers and resized
/// planes, and one variant's oriented planes.
#[derive(Debug, Default)]
pub struct Scratch {
    strips: Vec<[StripResize; 3]>,
    resized: Vec<[PixelBuf; 3]>,
    oriented: [PixelBuf; 3],
}

impl Scratch {
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
}

/// What the streamed decode leaves besides the resized planes.
#[derive(Debug)]
pub struct Streamed {
    pub icc: Option<Vec<u8>>,
    pub exif: Option<Vec<u8>>,
    /// Time spent resizing (the rest of the call was decoding).
    pub resize_time: Duration,
}

/// Decodes `input` one iMCU row at a time and resizes each row, as it arrives, into every
/// target's stored planes: no plane of the source is ever held whole (a progressive file's
/// coefficients are, inside the decoder). `Ok(None)` when the decoder reports a colour space
/// other than YCbCr (an RGB-coded file with 4:2:0 factors): the caller takes the general path.
/// Errors are returned as they are; the caller retries the general path, which knows the
/// leniency rules, before reporting one.
pub fn decode_resized(
    input: &[u8],
    info: &ImageInfo,
    targets: &[Target],
    resize: &mut Resize,
    scratch: &mut Scratch,
    pool: Option<&rayon::ThreadPool>,
) -> Result<Option<Streamed>, Error> {
    let options = jpeg::strict_options(info);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(input), options);
    let fail = |e: zune_jpeg::errors::DecodeErrors| Error::corrupt(Format::Jpeg, e.to_string());
    decoder.decode_headers().map_err(fail)?;
    if decoder.input_colorspace() != Some(ColorSpace::YCbCr) {
        return Ok(None);
    }
    let (icc, exif) = jpeg::metadata(&decoder);
    let mut raw = decoder.raw_output();
    if raw.num_components() != Some(3) {
        return Ok(None);
    }
    let layout = raw
        .layout()
        .ok_or_else(|| Error::internal("raw plane layout"))?;
    let pushes = [0, 1, 2].map(|p| push_rows(layout[p].vertical_sampling_factor));
    let strides = [0, 1, 2].map(|p| layout[p].stride);

    scratch.strips.resize_with(targets.len(), Default::default);
    scratch.resized.resize_with(targets.len(), Default::default);
    for (i, target) in targets.iter().enumerate() {
        let planes = plane_targets(info.orientation, target.width, target.height);
        for p in 0..3 {
            let source = (layout[p].width as u32, layout[p].height as u32, strides[p]);
            scratch.strips[i][p].begin(source, pushes[p], planes[p], target.filter)?;
            scratch.resized[i][p].reset(planes[p].0 as usize * planes[p].1 as usize)?;
        }
    }
    let strips = &mut scratch.strips[..targets.len()];
    let resized = &mut scratch.resized[..targets.len()];
    let mut resize_time = Duration::ZERO;
    loop {
        // The decoder writes into the first target's windows; the others get a copy.
        let (first, others) = strips
            .split_first_mut()
            .ok_or_else(|| Error::internal("no target"))?;
        let [y, cb, cr] = first;
        let rows = {
            let mut tails = [y.tail(pushes[0])?, cb.tail(pushes[1])?, cr.tail(pushes[2])?];
            match raw
                .decode_next_imcu_row(&mut tails, &strides)
                .map_err(fail)?
            {
                RawImcuRowStatus::RowReady { rows_written } => {
                    let rows = [0, 1, 2].map(|p| rows_written[p] as u32);
                    for other in others.iter_mut() {
                        for p in 0..3 {
                            let bytes = rows[p] as usize * strides[p];
                            other[p].tail(rows[p])?.copy_from_slice(&tails[p][..bytes]);
                            other[p].commit(rows[p])?;
                        }
                    }
                    rows
                }
                RawImcuRowStatus::Complete => break,
                // The whole file is in memory: needing more input means it was cut short.
                RawImcuRowStatus::NeedMoreInput => {
                    return Err(Error::corrupt(Format::Jpeg, "image data ends early"))
                }
                other => return Err(Error::internal(format!("raw decode status {other:?}"))),
            }
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
    Ok(Some(Streamed {
        icc,
        exif,
        resize_time,
    }))
}

/// Encodes target `index` of the last [`decode_resized`] as an upright `width` x `height`
/// 4:2:0 JPEG into `out`.
pub fn encode_target(
    scratch: &mut Scratch,
    index: usize,
    orientation: u8,
    (width, height): (u32, u32),
    settings: JpegSettings<'_>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let planes = plane_targets(orientation, width, height);
    let Scratch {
        resized, oriented, ..
    } = scratch;
    let resized = resized
        .get(index)
        .ok_or_else(|| Error::internal("no such planar target"))?;
    let mut shapes = planes.map(|(width, height)| Shape {
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
    let image = PlanarImage {
        y: view(0),
        cb: view(1),
        cr: view(2),
        width: u16::try_from(shapes[0].width)
            .map_err(|_| Error::internal("JPEG output wider than 65535"))?,
        height: u16::try_from(shapes[0].height)
            .map_err(|_| Error::internal("JPEG output taller than 65535"))?,
        chroma_width: shapes[1].width as usize,
    };
    let encoder = crate::encode::jpeg::configured(out, settings, 3)?;
    encoder
        .encode_image(image)
        .map_err(|e| Error::internal(format!("JPEG encode: {e}")))
}

/// Full-resolution Y with half-resolution Cb and Cr, presented to the encoder row by row. The
/// encoder averages each 2x2 block of chroma to subsample it; every chroma sample is handed over
/// four times, so the average is the sample itself.
struct PlanarImage<'a> {
    y: &'a [u8],
    cb: &'a [u8],
    cr: &'a [u8],
    width: u16,
    height: u16,
    chroma_width: usize,
}

impl ImageBuffer for PlanarImage<'_> {
    fn get_jpeg_color_type(&self) -> JpegColorType {
        JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.width
    }

    fn height(&self) -> u16 {
        self.height
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let (w, y) = (usize::from(self.width), usize::from(y));
        buffers[0].extend_from_slice(&self.y[y * w..(y + 1) * w]);
        let row = (y / 2) * self.chroma_width;
        for (plane, buffer) in [self.cb, self.cr].into_iter().zip(&mut buffers[1..3]) {
            let samples = &plane[row..row + self.chroma_width];
            // Pairs first, then the odd last column: a loop without a length cut vectorizes.
            let start = buffer.len();
            buffer.resize(start + w, 0);
            let (pairs, last) = buffer[start..].split_at_mut(w & !1);
            for (pair, &c) in pairs.chunks_exact_mut(2).zip(samples) {
                pair[0] = c;
                pair[1] = c;
            }
            if let (Some(px), Some(&c)) = (last.first_mut(), samples.get(w / 2)) {
                *px = c;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    fn photo(width: u32, height: u32, progressive: bool) -> ImageInfo {
        ImageInfo {
            format: Format::Jpeg,
            width,
            height,
            orientation: 6,
            components: 3,
            bit_depth: 8,
            progressive,
            has_alpha: false,
            icc_profile_len: 0,
            coefficient_bytes: if progressive {
                u64::from(width) * u64::from(height) * 3
            } else {
                0
            },
            header_junk: false,
            mcu_rows: 16,
            sampling: [(2, 2), (1, 1), (1, 1), (0, 0)],
        }
    }

    /// The point of streaming: a 48 MP phone photo (8064x6048, 4:2:0) is halved within the
    /// default limits, which fit the smallest Lambda (128 MB); its general-path estimate is not.
    #[test]
    fn a_48_mp_photo_fits_the_smallest_lambda() {
        let info = photo(8064, 6048, false);
        let limits = Limits::default();
        let request = Request::default();
        assert!(eligible(&info, &request));
        limits
            .check_dimensions(info.width, info.height)
            .expect("48 MP within the pixel limit");
        let planar = working_bytes(&info, &request);
        limits
            .check_working_bytes(planar)
            .expect("planar estimate within 128 MB");
        let general = crate::pipeline::general_working_bytes(&info, &request);
        assert_eq!(crate::pipeline::working_bytes(&info, &request), planar);
        assert!(limits.check_working_bytes(general).is_err());
        assert!(planar * 4 < general, "{planar} vs {general}");
    }

    /// A progressive file's coefficients are held inside the decoder, and counted.
    #[test]
    fn progressive_coefficients_are_counted() {
        let request = Request::default();
        let baseline = working_bytes(&photo(4032, 3024, false), &request);
        let progressive = working_bytes(&photo(4032, 3024, true), &request);
        assert!(progressive >= baseline + 4032 * 3024 * 3 - 4032 * 32 * 6);
    }
}
