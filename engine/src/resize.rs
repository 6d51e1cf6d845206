//! Resize: fast_image_resize convolution with the CPU's best SIMD (AVX2, SSE4.1 or NEON, found
//! once at run time), alpha handled premultiplied so transparent pixels do not bleed colour.

use fast_image_resize as fr;
use fr::images::{Image, ImageRef};

use crate::error::Error;
use crate::pixels::{PixelBuf, Shape};
use crate::request::Filter;
use crate::simd::SimdPath;

/// fast_image_resize's name for an instruction set, when it has kernels for it.
fn fr_extensions(path: SimdPath) -> Option<fr::CpuExtensions> {
    match path {
        SimdPath::Scalar => Some(fr::CpuExtensions::None),
        #[cfg(target_arch = "x86_64")]
        SimdPath::Sse41 => Some(fr::CpuExtensions::Sse4_1),
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx2 => Some(fr::CpuExtensions::Avx2),
        #[cfg(target_arch = "aarch64")]
        SimdPath::Neon => Some(fr::CpuExtensions::Neon),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

fn algorithm(filter: Filter) -> fr::ResizeAlg {
    let f = match filter {
        Filter::Box => fr::FilterType::Box,
        Filter::Bilinear => fr::FilterType::Bilinear,
        Filter::Hamming => fr::FilterType::Hamming,
        Filter::CatmullRom => fr::FilterType::CatmullRom,
        Filter::Mitchell => fr::FilterType::Mitchell,
        Filter::Lanczos3 => fr::FilterType::Lanczos3,
    };
    fr::ResizeAlg::Convolution(f)
}

/// Bands smaller than this many output rows are not worth a thread.
const MIN_BAND_ROWS: u32 = 64;

/// Owns the resizers (one per worker) and their scratch buffers across calls.
#[derive(Debug)]
pub struct Resize {
    workers: Vec<fr::Resizer>,
    path: SimdPath,
}

impl Default for Resize {
    fn default() -> Self {
        Resize {
            workers: vec![fr::Resizer::new()],
            path: SimdPath::detected(),
        }
    }
}

impl Resize {
    /// A resizer locked to `path`. Fails when this CPU cannot run it.
    pub fn with_path(path: SimdPath) -> Result<Resize, Error> {
        let mut r = Resize::default();
        r.force(path)?;
        Ok(r)
    }

    fn force(&mut self, path: SimdPath) -> Result<(), Error> {
        let ext = fr_extensions(path)
            .filter(|e| e.is_supported())
            .ok_or_else(|| Error::internal(format!("{path:?} is not supported on this CPU")))?;
        for w in &mut self.workers {
            #[allow(unsafe_code)]
            // SAFETY: `ext.is_supported()` was checked just above on this CPU, which is the
            // contract of `set_cpu_extensions`.
            unsafe {
                w.set_cpu_extensions(ext)
            };
        }
        self.path = path;
        Ok(())
    }

    /// The instruction set in use.
    pub fn path(&self) -> SimdPath {
        self.path
    }

    /// Sets how many workers share a resize (bands of output rows on the engine's rayon pool).
    pub fn set_workers(&mut self, n: usize) -> Result<(), Error> {
        self.workers.resize_with(n.max(1), fr::Resizer::new);
        self.force(self.path)
    }

    /// Resizes one window of a gray plane: `src` holds `rows` rows of `stride` bytes, of which
    /// the first `width` are picture; the output rows come from the source band that starts
    /// `top` rows into the window and is `height` rows tall (fractional, as the whole plane's
    /// scale puts them). The window must hold every row the filter reads for those output rows,
    /// so that no edge clamping happens except at the plane's own first and last rows: then the
    /// output equals the whole-plane resize (see [`crate::strip`]). With a pool, the output rows
    /// are split into bands as in [`Resize::run_within`], each read from the same window.
    #[allow(clippy::too_many_arguments)]
    pub fn run_window(
        &mut self,
        src: &[u8],
        stride: u32,
        rows: u32,
        width: u32,
        (top, height): (f64, f64),
        dst: &mut [u8],
        dst_width: u32,
        filter: Filter,
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<(), Error> {
        let pt = fast_image_resize::PixelType::U8;
        let src_img = ImageRef::new(stride, rows, src, pt)
            .map_err(|e| Error::internal(format!("window view: {e}")))?;
        let dst_rows = (dst.len() / dst_width.max(1) as usize) as u32;
        let scale = height / f64::from(dst_rows.max(1));
        let options_for = |first: u32, band_rows: u32| {
            let band_top = top + f64::from(first) * scale;
            let band_height = if first + band_rows == dst_rows {
                top + height - band_top
            } else {
                f64::from(band_rows) * scale
            };
            fr::ResizeOptions::new().resize_alg(algorithm(filter)).crop(
                0.0,
                band_top,
                f64::from(width),
                band_height,
            )
        };
        let single = options_for(0, dst_rows);
        let row = (dst_width, dst_width as usize, pt);
        self.resize_rows(&src_img, dst, row, filter, &single, options_for, pool)
    }

    /// Resizes `src` (of `shape`) to `width` x `height` into `dst`.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        src: &[u8],
        shape: Shape,
        dst: &mut PixelBuf,
        width: u32,
        height: u32,
        filter: Filter,
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<Shape, Error> {
        let whole = (shape.width, shape.height);
        self.run_within(src, whole, shape, dst, width, height, filter, pool)
    }

    /// Like [`Resize::run`] for an image of `shape` stored at the top left of a larger buffer of
    /// `buffer` (width, rows): decoder planes padded to whole 8x8 blocks.
    #[allow(clippy::too_many_arguments)]
    pub fn run_within(
        &mut self,
        src: &[u8],
        buffer: (u32, u32),
        shape: Shape,
        dst: &mut PixelBuf,
        width: u32,
        height: u32,
        filter: Filter,
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<Shape, Error> {
        let out = Shape {
            width,
            height,
            layout: shape.layout,
        };
        let pt = shape.layout.pixel_type();
        let src_img = ImageRef::new(buffer.0, buffer.1, src, pt)
            .map_err(|e| Error::internal(format!("source view: {e}")))?;
        let row_bytes = out.layout.bytes_per_pixel() * width as usize;
        let buf = dst.reset(out.bytes())?;
        let scale = f64::from(shape.height) / f64::from(height);
        let options_for = |first: u32, rows: u32| {
            fr::ResizeOptions::new().resize_alg(algorithm(filter)).crop(
                0.0,
                f64::from(first) * scale,
                f64::from(shape.width),
                f64::from(rows) * scale,
            )
        };
        let mut single = fr::ResizeOptions::new().resize_alg(algorithm(filter));
        if buffer != (shape.width, shape.height) {
            single = single.crop(0.0, 0.0, f64::from(shape.width), f64::from(shape.height));
        }
        let row = (width, row_bytes, pt);
        self.resize_rows(&src_img, buf, row, filter, &single, options_for, pool)?;
        Ok(out)
    }

    /// Resizes `src_img` into `dst` (rows of `width` pixels of `pt`, `row_bytes` each): on one thread with `single`, or, with
    /// a pool, in bands of output rows, the band starting at output row `first` and `rows` tall
    /// cropped by `band(first, rows)`. Each band reads the source rows its filter needs beyond
    /// its own share, so the seams are invisible.
    #[allow(clippy::too_many_arguments)]
    fn resize_rows(
        &mut self,
        src_img: &ImageRef<'_>,
        dst: &mut [u8],
        (width, row_bytes, pt): (u32, usize, fr::PixelType),
        filter: Filter,
        single: &fr::ResizeOptions,
        band: impl Fn(u32, u32) -> fr::ResizeOptions + Sync,
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<(), Error> {
        let height = (dst.len() / row_bytes.max(1)) as u32;
        // Box weights switch on or off exactly at pixel edges, so the last-bit difference between a
        // band's kernel centres and the whole image's can move a whole row: no bands for Box.
        let bands = match pool {
            Some(_) if filter != Filter::Box => self.workers.len() as u32,
            _ => 1,
        }
        .min(height / MIN_BAND_ROWS)
        .max(1);
        let pool = match pool {
            Some(pool) if bands > 1 => pool,
            _ => {
                let mut dst_img = Image::from_slice_u8(width, height, dst, pt)
                    .map_err(|e| Error::internal(format!("target view: {e}")))?;
                return self.workers[0]
                    .resize(src_img, &mut dst_img, single)
                    .map_err(|e| Error::internal(format!("resize: {e}")));
            }
        };
        let rows_per_band = height.div_ceil(bands);
        let mut results: Vec<Result<(), Error>> = Vec::new();
        results.resize_with(bands as usize, || Ok(()));
        let band = &band;
        pool.scope(|scope| {
            let chunks = dst.chunks_mut(rows_per_band as usize * row_bytes);
            for (i, ((chunk, worker), result)) in chunks
                .zip(self.workers.iter_mut())
                .zip(results.iter_mut())
                .enumerate()
            {
                let first = i as u32 * rows_per_band;
                let rows = (chunk.len() / row_bytes) as u32;
                scope.spawn(move |_| {
                    *result = Image::from_slice_u8(width, rows, chunk, pt)
                        .map_err(|e| Error::internal(format!("band view: {e}")))
                        .and_then(|mut dst_img| {
                            worker
                                .resize(src_img, &mut dst_img, &band(first, rows))
                                .map_err(|e| Error::internal(format!("resize band: {e}")))
                        });
                });
            }
        });
        results.into_iter().collect()
    }
}
