//! Decoding through zune-jpeg: interleaved RGB or grey pixels for the general path, raw YCbCr
//! planes one iMCU row at a time for the planar path. The strictness and leniency rules, the
//! removal of header junk and the mapping of zune-jpeg's errors live here and nowhere else.

use std::borrow::Cow;

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::errors::DecodeErrors;
use zune_jpeg::{JpegDecoder, RawDecodeSession, RawImcuRowStatus};

use super::header::{self, Header};
use crate::codec::PlaneGeometry;
use crate::error::Error;
use crate::format::Format;
use crate::pixels::{Layout, PixelBuf, Shape};
use crate::probe::ImageInfo;

/// Progressive files may carry any number of scans; each rescans the whole coefficient buffer.
/// Real encoders write at most a few dozen (libjpeg's default script has 10), so beyond this the
/// file is a CPU bomb, refused before the work.
pub(crate) const MAX_SCANS: usize = 128;

/// The bytes the decoder reads: the input itself, or a copy without the junk a few cameras
/// leave between header segments (the strict decoder refuses it; libjpeg skips it).
fn decodable<'a>(input: &'a [u8], header: &Header) -> Result<Cow<'a, [u8]>, Error> {
    if header.junk {
        Ok(Cow::Owned(header::without_junk(input)?))
    } else {
        Ok(Cow::Borrowed(input))
    }
}

/// Decoder options shared by both paths: strict (a file that ends mid-scan or whose entropy
/// data is broken is an error, not a grey-padded picture, because a partial image written to
/// the output bucket would look like success), sized to the probed header, and with the scan
/// count bounded.
fn strict_options(info: &ImageInfo) -> DecoderOptions {
    DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(info.width as usize)
        .set_max_height(info.height as usize)
        .jpeg_set_max_scans(MAX_SCANS)
}

/// Whether a strict decode that failed after `rows_done` rows may be retried leniently: a file
/// that lacks only its EOI marker runs the strict bit reader dry inside the last row of MCUs,
/// because it reads ahead. Viewers show such files whole. A file cut any earlier is truncated:
/// an error, never a grey-padded picture.
fn lenient_retry_allowed(input: &[u8], info: &ImageInfo, header: &Header, rows_done: u32) -> bool {
    !info.progressive
        && rows_done + header.mcu_rows + 2 >= info.height
        && !input.ends_with(&[0xFF, 0xD9])
}

/// Decodes the whole image into `out` as 8-bit grey (one component) or RGB (YCbCr, RGB, CMYK
/// and YCCK sources, converted by zune-jpeg), returning its shape.
pub(crate) fn decode_interleaved(
    input: &[u8],
    info: &ImageInfo,
    header: &Header,
    out: &mut PixelBuf,
) -> Result<Shape, Error> {
    let options = strict_options(info);
    let input = decodable(input, header)?;
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(&input[..]), options);
    decoder.decode_headers().map_err(map_error)?;
    let (layout, colorspace) = match decoder.input_colorspace() {
        Some(ColorSpace::Luma) => (Layout::Gray8, ColorSpace::Luma),
        _ => (Layout::Rgb8, ColorSpace::RGB),
    };
    decoder.set_options(options.jpeg_set_out_colorspace(colorspace));
    let frame = decoder
        .info()
        .ok_or_else(|| Error::internal("JPEG headers not decoded"))?;
    let (width, height) = (u32::from(frame.width), u32::from(frame.height));
    if (width, height) != (info.width, info.height) {
        return Err(Error::corrupt(
            Format::Jpeg,
            "frame size changed between headers",
        ));
    }
    let len = layout
        .image_bytes(width, height)
        .ok_or_else(|| Error::internal("JPEG buffer size overflows"))?;
    if let Err(e) = decoder.decode_into(out.reset(len)?) {
        let done = decoder.decoded_scanlines().unwrap_or(0) as u32;
        if !lenient_retry_allowed(&input, info, header, done) {
            return Err(map_error(e));
        }
        let mut lenient = JpegDecoder::new_with_options(
            ZCursor::new(&input[..]),
            options
                .set_strict_mode(false)
                .jpeg_set_out_colorspace(colorspace),
        );
        lenient.decode_into(out.bytes_mut()).map_err(map_error)?;
    }
    Ok(Shape {
        width,
        height,
        layout,
    })
}

/// Rows the decoder delivers at most per call, for a component of vertical sampling `v`.
fn push_rows(v: usize) -> u32 {
    (v.clamp(1, 4) * 8) as u32
}

/// The three planes of a YCbCr file, estimated from the header before the decoder exists (for
/// the limits check): luma at full size and chroma at its subsampled size, rows padded to whole
/// 16-sample groups, which covers zune-jpeg's padding to whole blocks.
pub(crate) fn estimated_planes(info: &ImageInfo, header: &Header) -> [PlaneGeometry; 3] {
    let padded = |x: u32| x.div_ceil(16) * 16;
    let (h, v) = header.sampling[0];
    let (h, v) = (u32::from(h.clamp(1, 2)), u32::from(v.clamp(1, 2)));
    let luma = PlaneGeometry {
        width: info.width,
        height: info.height,
        stride: padded(info.width) as usize,
        push_rows: push_rows(v as usize),
    };
    let chroma = PlaneGeometry {
        width: info.width.div_ceil(h),
        height: info.height.div_ceil(v),
        stride: padded(info.width.div_ceil(h)) as usize,
        push_rows: push_rows(1),
    };
    [luma, chroma, chroma]
}

/// Raw YCbCr planes from zune-jpeg, one iMCU row at a time, into buffers the caller owns.
pub(crate) struct PlaneReader<'a> {
    input: Cow<'a, [u8]>,
    info: &'a ImageInfo,
    header: &'a Header,
    /// The EOI marker was restored for a second pass.
    lenient: bool,
    geometry: [PlaneGeometry; 3],
}

impl std::fmt::Debug for PlaneReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaneReader")
            .field("lenient", &self.lenient)
            .field("geometry", &self.geometry)
            .finish_non_exhaustive()
    }
}

/// One pass of zune-jpeg's raw output over a reader's input.
pub(crate) struct Session<'d, 'i> {
    raw: RawDecodeSession<'d, ZCursor<&'i [u8]>>,
    done: bool,
    /// Luma rows delivered so far (for the lenient-retry rule).
    rows_done: u32,
}

impl<'a> PlaneReader<'a> {
    /// A reader for a YCbCr file, or `None` when zune-jpeg finds the file coded otherwise (an
    /// RGB-coded file with YCbCr-like sampling factors): only then does the general path take it.
    pub(crate) fn open(
        input: &'a [u8],
        info: &'a ImageInfo,
        header: &'a Header,
    ) -> Result<Option<PlaneReader<'a>>, Error> {
        let input = decodable(input, header)?;
        let mut decoder =
            JpegDecoder::new_with_options(ZCursor::new(&input[..]), strict_options(info));
        decoder.decode_headers().map_err(map_error)?;
        if decoder.input_colorspace() != Some(ColorSpace::YCbCr) {
            return Ok(None);
        }
        let raw = decoder.raw_output();
        if raw.num_components() != Some(3) {
            return Ok(None);
        }
        let layout = raw
            .layout()
            .ok_or_else(|| Error::internal("raw plane layout"))?;
        let geometry = [0, 1, 2].map(|p| PlaneGeometry {
            width: layout[p].width as u32,
            height: layout[p].height as u32,
            stride: layout[p].stride,
            push_rows: push_rows(layout[p].vertical_sampling_factor),
        });
        drop(raw);
        Ok(Some(PlaneReader {
            input,
            info,
            header,
            lenient: false,
            geometry,
        }))
    }

    /// The planes' geometry.
    pub(crate) fn geometry(&self) -> [PlaneGeometry; 3] {
        self.geometry
    }

    /// Runs `pass` with a fresh decoding session over the whole input. When it fails where a
    /// file that lacks only its EOI marker would (see [`lenient_retry_allowed`]), `pass` runs
    /// once more from the start over a copy of the input with the marker restored: zune-jpeg's
    /// row-by-row output treats running out of data as "wait for more input" whatever its
    /// strictness, so the marker, not a lenient mode, tells it the data is complete.
    pub(crate) fn run<T>(
        &mut self,
        mut pass: impl FnMut(&mut Session<'_, '_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut rows_done = 0;
        match self.pass(&mut pass, &mut rows_done) {
            Err(_) if lenient_retry_allowed(&self.input, self.info, self.header, rows_done) => {
                let mut completed = Vec::new();
                completed
                    .try_reserve_exact(self.input.len() + 2)
                    .map_err(|e| Error::internal(format!("copy of input: {e}")))?;
                completed.extend_from_slice(&self.input);
                completed.extend_from_slice(&[0xFF, 0xD9]);
                self.input = Cow::Owned(completed);
                self.lenient = true;
                self.pass(&mut pass, &mut rows_done)
            }
            other => other,
        }
    }

    fn pass<T>(
        &self,
        pass: &mut impl FnMut(&mut Session<'_, '_>) -> Result<T, Error>,
        rows_done: &mut u32,
    ) -> Result<T, Error> {
        let options = strict_options(self.info);
        let mut decoder = JpegDecoder::new_with_options(ZCursor::new(&self.input[..]), options);
        decoder.decode_headers().map_err(map_error)?;
        let mut session = Session {
            raw: decoder.raw_output(),
            done: false,
            rows_done: 0,
        };
        let result = pass(&mut session);
        *rows_done = session.rows_done;
        result
    }
}

impl Session<'_, '_> {
    /// Decodes the next iMCU row into `outs` (each at least `push_rows` rows of its plane's
    /// stride) and returns the rows written per plane, or `None` when the image is complete.
    pub(crate) fn read_rows(
        &mut self,
        outs: &mut [&mut [u8]; 3],
        strides: &[usize; 3],
    ) -> Result<Option<[u32; 3]>, Error> {
        if self.done {
            return Ok(None);
        }
        match self
            .raw
            .decode_next_imcu_row(outs, strides)
            .map_err(map_error)?
        {
            RawImcuRowStatus::RowReady { rows_written } => {
                let rows = [0, 1, 2].map(|p| rows_written[p] as u32);
                self.rows_done += rows[0];
                Ok(Some(rows))
            }
            RawImcuRowStatus::Complete => {
                self.done = true;
                Ok(None)
            }
            // The whole file is in memory: needing more input means it was cut short.
            RawImcuRowStatus::NeedMoreInput => {
                Err(Error::corrupt(Format::Jpeg, "image data ends early"))
            }
            other => Err(Error::internal(format!("raw decode status {other:?}"))),
        }
    }
}

fn map_error(e: DecodeErrors) -> Error {
    match e {
        DecodeErrors::Unsupported(scheme) => Error::unsupported(format!("JPEG {scheme:?}")),
        DecodeErrors::LargeDimensions(n) => {
            Error::unsupported(format!("JPEG dimension {n} over the decoder's maximum"))
        }
        // Buffers are sized from the probed header; zune-jpeg asking for more means the
        // frame it read disagrees with the header walk: the file's fault.
        DecodeErrors::TooSmallOutput(..) => Error::corrupt(Format::Jpeg, e.to_string()),
        other => Error::corrupt(Format::Jpeg, other.to_string()),
    }
}
