//! Strip-wise resize: a plane resized while it is still arriving, holding only the source rows
//! the filter has yet to read.
//!
//! A decoder that hands over a JPEG's planes one iMCU row (8 or 16 rows) at a time is wasted on
//! a resize that wants the whole plane: the planes of a 12 MP photo are 18 MB, those of a 48 MP
//! one 73 MB, most of a 128 MB Lambda. A [`StripResize`] keeps a window of source rows. Once
//! the window holds every row the filter reads for the next batch of output rows, that batch is
//! resized into the output plane and the rows no later batch reads are dropped.
//!
//! Each batch is resized from a window that contains the whole kernel of each of its output rows,
//! with the kernel centres placed as in the whole-plane resize, so no edge is clamped but the
//! plane's own first and last rows: the output is the whole-plane resize's. It is exactly equal
//! when the scale is a power of two (halving, quartering), and equal up to the last bit of the
//! kernel centres otherwise (a level, rarely; `tests/strip.rs` measures it).
//!
//! Batches are large (about [`WINDOW_BYTES`] of source rows each: three for the luma of a halved 12 MP photo) because fast_image_resize
//! computes its kernel weights on every call, and the horizontal weights of one output row
//! cost as much as those of a thousand: a few large batches cost less than many small ones.

use crate::error::Error;
use crate::pixels::PixelBuf;
use crate::request::Filter;
use crate::resize::Resize;

/// Source bytes one batch reads, aimed for. A batch is never less than one output row.
const WINDOW_BYTES: u64 = 4 << 20;

/// The widest kernel support of any filter (Lanczos3), in source rows at scale 1.
const MAX_SUPPORT: f64 = 3.0;

/// Rows of margin beyond the kernel radius on each side, for the rounding of its bounds.
const MARGIN: f64 = 2.0;

/// The geometry of one strip-wise resize, fixed by [`StripResize::begin`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Geometry {
    width: u32,
    height: u32,
    stride: usize,
    dst_width: u32,
    dst_height: u32,
    scale: f64,
    radius: f64,
    batch: u32,
    capacity: u32,
    filter: Filter,
}

impl Geometry {
    fn new(
        (width, height, stride): (u32, u32, usize),
        push_rows: u32,
        (dst_width, dst_height): (u32, u32),
        filter: Filter,
    ) -> Result<Geometry, Error> {
        if width == 0 || height == 0 || dst_width == 0 || dst_height == 0 || stride < width as usize
        {
            return Err(Error::internal(format!(
                "strip resize of {width}x{height} (stride {stride}) to {dst_width}x{dst_height}"
            )));
        }
        let scale = f64::from(height) / f64::from(dst_height);
        let radius = MAX_SUPPORT * scale.max(1.0) + MARGIN;
        let rows_per_output = scale.max(1.0).ceil() as u64;
        let batch = (WINDOW_BYTES / (stride as u64 * rows_per_output))
            .clamp(1, u64::from(dst_height)) as u32;
        // Rows a batch reads, plus what one push may bring beyond them, twice over: the window
        // is compacted only when a push does not fit.
        let span = (f64::from(batch) * scale + 2.0 * radius).ceil() as u64 + 2;
        let capacity =
            (span + 2 * u64::from(push_rows)).min(u64::from(height) + u64::from(push_rows));
        Ok(Geometry {
            width,
            height,
            stride,
            dst_width,
            dst_height,
            scale,
            radius,
            batch,
            capacity: capacity as u32,
            filter,
        })
    }

    /// The first source row the kernel of output row `j` reads (or a little before it).
    fn first_needed(&self, j: u32) -> u32 {
        let row = ((f64::from(j) + 0.5) * self.scale - self.radius).floor();
        (row.max(0.0) as u32).min(self.height)
    }

    /// One past the last source row the kernels of output rows before `end` read.
    fn end_needed(&self, end: u32) -> u32 {
        if end >= self.dst_height {
            return self.height;
        }
        let row = ((f64::from(end) - 0.5) * self.scale + self.radius).ceil();
        (row.max(0.0) as u32).min(self.height)
    }
}

/// Bytes of window a strip-wise resize of a `width` x `height` plane (rows of `stride` bytes,
/// arriving `push_rows` at a time) to `dst_height` rows holds: for the memory estimate made
/// from the header, before anything is allocated.
pub fn window_bytes(stride: u32, height: u32, push_rows: u32, dst_height: u32) -> u64 {
    Geometry::new(
        (stride.max(1), height.max(1), stride.max(1) as usize),
        push_rows,
        (1, dst_height.max(1)),
        Filter::Lanczos3,
    )
    .map_or(0, |g| u64::from(g.capacity) * u64::from(stride))
}

/// One plane's strip-wise resize, reused across calls (its window only grows).
#[derive(Debug, Default)]
pub struct StripResize {
    geometry: Option<Geometry>,
    window: PixelBuf,
    /// The source row held at the top of the window.
    first: u32,
    /// Source rows held.
    held: u32,
    /// The next output row to make.
    next_out: u32,
}

impl StripResize {
    /// Starts a plane of `width` x `height` visible pixels stored `stride` bytes a row, whose
    /// rows arrive at most `push_rows` at a time, to be resized to `dst` (width, height). The
    /// window is allocated here, fallibly; the caller has checked the limits.
    pub fn begin(
        &mut self,
        source: (u32, u32, usize),
        push_rows: u32,
        dst: (u32, u32),
        filter: Filter,
    ) -> Result<(), Error> {
        let g = Geometry::new(source, push_rows, dst, filter)?;
        self.window.reset(g.capacity as usize * g.stride)?;
        self.geometry = Some(g);
        self.first = 0;
        self.held = 0;
        self.next_out = 0;
        Ok(())
    }

    fn geometry(&self) -> Result<Geometry, Error> {
        self.geometry
            .ok_or_else(|| Error::internal("strip resize used before begin"))
    }

    /// Room for the next `rows` source rows (`rows * stride` bytes) at the end of the window,
    /// made by dropping the rows no later batch reads when the window is full.
    pub fn tail(&mut self, rows: u32) -> Result<&mut [u8], Error> {
        let g = self.geometry()?;
        if self.held + rows > g.capacity {
            let keep_from = g.first_needed(self.next_out).max(self.first);
            let dropped = (keep_from - self.first).min(self.held);
            let (from, to) = (dropped as usize * g.stride, self.held as usize * g.stride);
            self.window.bytes_mut().copy_within(from..to, 0);
            self.first += dropped;
            self.held -= dropped;
            if self.held + rows > g.capacity {
                return Err(Error::internal("strip window too small for its batch"));
            }
        }
        let start = self.held as usize * g.stride;
        let len = rows as usize * g.stride;
        Ok(&mut self.window.bytes_mut()[start..start + len])
    }

    /// Takes the `rows` rows written into the last [`StripResize::tail`].
    pub fn commit(&mut self, rows: u32) -> Result<(), Error> {
        let g = self.geometry()?;
        if self.first + self.held + rows > g.height || self.held + rows > g.capacity {
            return Err(Error::internal("more source rows than the plane has"));
        }
        self.held += rows;
        Ok(())
    }

    /// Resizes, into `dst` (the whole output plane, `dst_width * dst_height` bytes), every batch
    /// of output rows whose source rows are all held; with a pool, each batch in bands.
    pub fn drain(
        &mut self,
        resize: &mut Resize,
        dst: &mut [u8],
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<(), Error> {
        let g = self.geometry()?;
        let received = self.first + self.held;
        let dw = g.dst_width as usize;
        if dst.len() < dw * g.dst_height as usize {
            return Err(Error::internal("strip output plane too small"));
        }
        while self.next_out < g.dst_height {
            let j0 = self.next_out;
            let j1 = (j0 + g.batch).min(g.dst_height);
            let lo = g.first_needed(j0);
            let hi = g.end_needed(j1);
            if hi > received {
                break;
            }
            if lo < self.first {
                return Err(Error::internal("strip window dropped a row still needed"));
            }
            // The band of source rows these outputs stand for, as the whole-plane resize places
            // it; the last band ends exactly at the plane's bottom.
            let top = f64::from(j0) * g.scale;
            let bottom = if j1 == g.dst_height {
                f64::from(g.height)
            } else {
                f64::from(j1) * g.scale
            };
            let window = self.window.bytes();
            let src = &window
                [(lo - self.first) as usize * g.stride..(hi - self.first) as usize * g.stride];
            resize.run_window(
                src,
                g.stride as u32,
                hi - lo,
                g.width,
                (top - f64::from(lo), bottom - top),
                &mut dst[j0 as usize * dw..j1 as usize * dw],
                g.dst_width,
                g.filter,
                pool,
            )?;
            self.next_out = j1;
        }
        Ok(())
    }

    /// Whether every output row is made.
    pub fn is_done(&self) -> bool {
        self.geometry.is_some_and(|g| self.next_out == g.dst_height)
    }

    /// Bytes held by the window's allocation.
    pub fn capacity_bytes(&self) -> usize {
        self.window.capacity_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixels::{Layout, Shape};

    /// A plane with detail at every scale: gradients, a checkerboard and noise.
    fn plane(width: u32, height: u32, stride: usize) -> Vec<u8> {
        let mut seed = 0x2545_f491_u32;
        let mut out = vec![0u8; stride * height as usize];
        for y in 0..height as usize {
            for x in 0..width as usize {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let checker = if (x / 3 + y / 5) % 2 == 0 { 60 } else { 0 };
                out[y * stride + x] = ((x * 7 + y * 3) % 160) as u8 + checker + (seed % 30) as u8;
            }
        }
        out
    }

    fn strip_resized(
        src: &[u8],
        (width, height, stride): (u32, u32, usize),
        push: u32,
        (dw, dh): (u32, u32),
        filter: Filter,
        pool: Option<&rayon::ThreadPool>,
    ) -> Vec<u8> {
        let mut resize = Resize::default();
        if let Some(pool) = pool {
            resize
                .set_workers(pool.current_num_threads())
                .expect("workers");
        }
        let mut strip = StripResize::default();
        strip
            .begin((width, height, stride), push, (dw, dh), filter)
            .expect("begin");
        let mut dst = vec![0u8; (dw * dh) as usize];
        let mut row = 0;
        while row < height {
            let rows = push.min(height - row);
            let tail = strip.tail(push).expect("tail");
            let bytes = rows as usize * stride;
            tail[..bytes].copy_from_slice(&src[row as usize * stride..][..bytes]);
            strip.commit(rows).expect("commit");
            strip.drain(&mut resize, &mut dst, pool).expect("drain");
            row += rows;
        }
        assert!(strip.is_done());
        dst
    }

    fn whole_resized(
        src: &[u8],
        (width, height, stride): (u32, u32, usize),
        (dw, dh): (u32, u32),
        filter: Filter,
    ) -> Vec<u8> {
        let mut resize = Resize::default();
        let mut dst = PixelBuf::default();
        let shape = Shape {
            width,
            height,
            layout: Layout::Gray8,
        };
        resize
            .run_within(
                src,
                (stride as u32, height),
                shape,
                &mut dst,
                dw,
                dh,
                filter,
                None,
            )
            .expect("resize");
        dst.bytes().to_vec()
    }

    /// Halving and quartering, the planar path's everyday jobs: the strips give the whole-plane
    /// resize exactly, for every filter, with a window far smaller than the plane.
    #[test]
    fn power_of_two_scales_equal_the_whole_plane() {
        let (w, h, stride) = (1000u32, 4100u32, 1008usize);
        let src = plane(w, h, stride);
        for filter in Filter::ALL {
            for (dw, dh) in [(500, 2050), (250, 1025)] {
                let a = strip_resized(&src, (w, h, stride), 16, (dw, dh), filter, None);
                let b = whole_resized(&src, (w, h, stride), (dw, dh), filter);
                assert!(
                    a == b,
                    "{filter:?} to {dw}x{dh}: strips differ from the whole plane"
                );
            }
        }
    }

    /// Any other scale: at most one level off, on few pixels (kernel centres are placed from a
    /// band's top instead of the plane's, which can move the last bit of a weight).
    #[test]
    fn other_scales_are_within_a_level() {
        let (w, h, stride) = (640u32, 3001u32, 640usize);
        let src = plane(w, h, stride);
        for (dw, dh, push) in [
            (333, 1561, 8),
            (100, 37, 16),
            (640, 3001, 8),
            (600, 2999, 16),
        ] {
            let a = strip_resized(&src, (w, h, stride), push, (dw, dh), Filter::Lanczos3, None);
            let b = whole_resized(&src, (w, h, stride), (dw, dh), Filter::Lanczos3);
            let worst = a.iter().zip(&b).map(|(x, y)| x.abs_diff(*y)).max();
            let off = a.iter().zip(&b).filter(|(x, y)| x != y).count();
            assert!(worst <= Some(1), "{dw}x{dh}: off by {worst:?}");
            assert!(
                off * 1000 <= a.len(),
                "{dw}x{dh}: {off} of {} pixels differ",
                a.len()
            );
        }
    }

    /// Bands on a pool (a Lambda with more than one vCPU) give the one-thread strips, within the
    /// rounding step a band's own kernel centres can move.
    #[test]
    fn bands_on_a_pool_match_one_thread() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("pool");
        let (w, h, stride) = (800u32, 3000u32, 800usize);
        let src = plane(w, h, stride);
        for filter in [Filter::Lanczos3, Filter::Mitchell, Filter::Box] {
            for (dw, dh) in [(400, 1500), (333, 1250)] {
                let one = strip_resized(&src, (w, h, stride), 16, (dw, dh), filter, None);
                let banded = strip_resized(&src, (w, h, stride), 16, (dw, dh), filter, Some(&pool));
                let worst = one.iter().zip(&banded).map(|(x, y)| x.abs_diff(*y)).max();
                assert!(worst <= Some(1), "{filter:?} {dw}x{dh}: off by {worst:?}");
            }
        }
    }

    /// The window stays a strip, not a plane.
    #[test]
    fn window_is_bounded_by_the_batch() {
        let bytes = window_bytes(4032, 3024, 16, 1512);
        assert!(
            bytes < 6 << 20,
            "{bytes} bytes of window for a 12 MP luma plane"
        );
        let bytes = window_bytes(8064, 6048, 16, 3024);
        assert!(
            bytes < 6 << 20,
            "{bytes} bytes of window for a 48 MP luma plane"
        );
    }

    /// Rows beyond the plane, or a drain before begin, are bugs reported as such.
    #[test]
    fn misuse_is_an_internal_error() {
        let mut strip = StripResize::default();
        assert!(strip.tail(1).is_err());
        strip
            .begin((10, 10, 10), 8, (5, 5), Filter::Lanczos3)
            .expect("begin");
        strip.tail(8).expect("tail");
        strip.commit(8).expect("commit");
        strip.tail(8).expect("tail");
        assert!(strip.commit(8).is_err());
    }
}
