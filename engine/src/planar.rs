//! The planar path: a YCbCr JPEG made into smaller 4:2:0 JPEGs without leaving YCbCr.
//!
//! The general path upsamples the chroma planes to full size, converts every pixel to RGB,
//! resizes three full-size channels, converts back to YCbCr and subsamples the chroma again. For
//! the commonest job there is (a phone photo halved, JPEG to JPEG) none of that is needed: the
//! output's chroma is the input's chroma resized by the same factor. Here the decoder hands over
//! its raw planes (1.5 bytes a pixel instead of 3 for RGB), each plane is resized on its own, and
//! the encoder takes the planes back. Less memory, less work, and one colour conversion fewer to
//! round.

use jpeg_encoder::{ImageBuffer, JpegColorType};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_jpeg::JpegDecoder;

use crate::decode::jpeg;
use crate::encode::jpeg::JpegSettings;
use crate::error::Error;
use crate::orient;
use crate::pixels::{Layout, PixelBuf, Shape};
use crate::probe::ImageInfo;
use crate::request::{OutputFormat, Request};
use crate::resize::Resize;
use crate::sniff::Format;

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

/// One plane: its pixels, the visible size and the padded buffer size.
#[derive(Debug, Default)]
pub struct Plane {
    pub buf: PixelBuf,
    pub width: u32,
    pub height: u32,
    pub stride: u32,
    pub rows: u32,
}

/// The decoded planes of a source, reused across calls.
#[derive(Debug, Default)]
pub struct Planes {
    pub y: Plane,
    pub cb: Plane,
    pub cr: Plane,
    pub icc: Option<Vec<u8>>,
    pub exif: Option<Vec<u8>>,
}

/// Decodes the raw Y, Cb and Cr planes. `Ok(false)` when the decoder reports a colour space
/// other than YCbCr (an RGB-coded file with 4:2:0 factors): the caller takes the general path.
/// Errors are returned as they are; the caller retries the general path, which knows the
/// leniency rules, before reporting one.
pub fn decode(input: &[u8], info: &ImageInfo, planes: &mut Planes) -> Result<bool, Error> {
    let options = jpeg::strict_options(info);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(input), options);
    let fail = |e: zune_jpeg::errors::DecodeErrors| Error::corrupt(Format::Jpeg, e.to_string());
    decoder.decode_headers().map_err(fail)?;
    if decoder.input_colorspace() != Some(ColorSpace::YCbCr) {
        return Ok(false);
    }
    (planes.icc, planes.exif) = jpeg::metadata(&decoder);
    let mut raw = decoder.raw_output();
    if raw.num_components() != Some(3) {
        return Ok(false);
    }
    let layout = raw
        .layout()
        .ok_or_else(|| Error::internal("raw plane layout"))?;
    let Planes { y, cb, cr, .. } = planes;
    for (plane, info) in [&mut *y, &mut *cb, &mut *cr].into_iter().zip(&layout) {
        plane.width = info.width as u32;
        plane.height = info.height as u32;
        plane.stride = info.stride as u32;
        plane.rows = info.allocated_height as u32;
        plane.buf.reset(info.byte_size)?;
    }
    let mut views: [&mut [u8]; 3] = [y.buf.bytes_mut(), cb.buf.bytes_mut(), cr.buf.bytes_mut()];
    raw.decode_into_planes(&mut views).map_err(fail)?;
    Ok(true)
}

/// Working memory of the planar path, estimated from the header like
/// [`crate::pipeline::working_bytes`]: the padded planes, what a progressive decode holds, and
/// per variant the resized and oriented planes plus the encoded output.
pub fn working_bytes(info: &ImageInfo, request: &Request) -> u64 {
    let padded = |x: u32| u64::from(x.div_ceil(16) * 16);
    let (h, v) = info.sampling[0];
    let luma = padded(info.width) * padded(info.height);
    let planes = luma + 2 * luma / u64::from(h.max(1) * v.max(1));
    let decoder_extra = if info.progressive {
        info.coefficient_bytes
    } else {
        u64::from(info.width) * 16 * 3
    };
    let (dw, dh) = info.display_size();
    let mut largest = 0u64;
    for v in &request.variants {
        let (w, h) = v.geometry.target_size(dw, dh);
        let out = u64::from(w) * u64::from(h) * 3 / 2;
        // Resized and oriented planes, the encoder's row buffers, and the output itself.
        largest = largest.max(3 * out + u64::from(w) * 16 * 3);
    }
    let outputs: u64 = request
        .variants
        .iter()
        .map(|v| {
            let (w, h) = v.geometry.target_size(dw, dh);
            u64::from(w) * u64::from(h) * 3 / 2
        })
        .sum();
    planes + decoder_extra + largest + outputs
}

/// Scratch for one output: resized and oriented planes.
#[derive(Debug, Default)]
pub struct Scratch {
    resized: [PixelBuf; 3],
    oriented: [PixelBuf; 3],
}

/// Resizes the planes to a `width` x `height` (upright) JPEG and encodes it.
#[allow(clippy::too_many_arguments)]
pub fn make_jpeg(
    planes: &Planes,
    orientation: u8,
    width: u32,
    height: u32,
    variant: &crate::request::Variant,
    settings: JpegSettings<'_>,
    resize: &mut Resize,
    scratch: &mut Scratch,
    pool: Option<&rayon::ThreadPool>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let (sw, sh) = orient::stored_size(orientation, width, height);
    let targets = [
        (sw, sh),
        (sw.div_ceil(2), sh.div_ceil(2)),
        (sw.div_ceil(2), sh.div_ceil(2)),
    ];
    let sources = [&planes.y, &planes.cb, &planes.cr];
    let mut shapes = [Shape {
        width: 0,
        height: 0,
        layout: Layout::Gray8,
    }; 3];
    let Scratch { resized, oriented } = scratch;
    for i in 0..3 {
        let src = sources[i];
        let shape = Shape {
            width: src.width,
            height: src.height,
            layout: Layout::Gray8,
        };
        let (tw, th) = targets[i];
        shapes[i] = resize.run_within(
            src.buf.bytes(),
            (src.stride, src.rows),
            shape,
            &mut resized[i],
            tw,
            th,
            variant.filter,
            pool,
        )?;
    }
    let mut turned = [false; 3];
    for i in 0..3 {
        if let Some(s) =
            orient::apply(orientation, resized[i].bytes(), shapes[i], &mut oriented[i])?
        {
            shapes[i] = s;
            turned[i] = true;
        }
    }
    let view = |i: usize| {
        if turned[i] {
            oriented[i].bytes()
        } else {
            resized[i].bytes()
        }
    };
    let views = [view(0), view(1), view(2)];
    let image = PlanarImage {
        y: views[0],
        cb: views[1],
        cr: views[2],
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
            buffer.extend(samples.iter().flat_map(|&c| [c, c]).take(w));
        }
    }
}
