//! The engine: the limits, the thread pool, the resizer and each path's buffers, kept across
//! calls. A call probes the header once, resolves a [`Plan`], checks it against the limits, and
//! hands it to the runner of its path.

use std::time::{Duration, Instant};

use crate::codec;
use crate::error::Error;
use crate::format::Format;
use crate::limits::Limits;
use crate::plan::{Path, Plan};
use crate::request::Request;
use crate::resize::Resize;
use crate::run::{general::General, planar::Planar};
use crate::simd::SimdPath;

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
    general: General,
    planar: Planar,
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
            general: General::default(),
            planar: Planar::default(),
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
        if self.resize.set_workers(self.workers()).is_err() {
            self.resize = Resize::default();
        }
        self
    }

    fn workers(&self) -> usize {
        self.pool.as_ref().map_or(1, |p| p.current_num_threads())
    }

    /// Forces the resize stage onto one instruction set (for tests that compare SIMD with scalar).
    pub fn with_simd_path(mut self, path: SimdPath) -> Result<Engine, Error> {
        self.resize = Resize::with_path(path)?;
        self.resize.set_workers(self.workers())?;
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
        self.general.capacity_bytes() + self.planar.capacity_bytes()
    }

    /// Makes every variant of `request` from `input`. The source is decoded once. Either every
    /// output is returned or an error is: never a partial set.
    pub fn process(&mut self, input: &[u8], request: &Request) -> Result<Vec<Output>, Error> {
        self.timings = StageTimings::default();
        let started = Instant::now();
        self.limits.check_input_len(input.len() as u64)?;
        let info = codec::probe(input)?;
        self.limits.check_dimensions(info.width, info.height)?;
        let plan = Plan::new(&info, request, self.planar_enabled);
        plan.check(&self.limits)?;
        self.timings.megapixels = info.pixels() as f64 / 1e6;
        let pool = self.pool.as_ref();
        let timings = &mut self.timings;
        let outputs = match plan.path {
            Path::Planar => {
                let planar = self.planar.run(
                    input,
                    &info,
                    &plan,
                    request,
                    &mut self.resize,
                    pool,
                    timings,
                )?;
                match planar {
                    Some(outputs) => outputs,
                    None => {
                        // Not YCbCr after all (an RGB-coded file with YCbCr-like factors).
                        let plan = plan.into_general(&info);
                        plan.check(&self.limits)?;
                        *timings = StageTimings {
                            megapixels: timings.megapixels,
                            ..StageTimings::default()
                        };
                        self.general.run(
                            input,
                            &info,
                            &plan,
                            request,
                            &mut self.resize,
                            pool,
                            timings,
                        )?
                    }
                }
            }
            Path::General => self.general.run(
                input,
                &info,
                &plan,
                request,
                &mut self.resize,
                pool,
                timings,
            )?,
        };
        // The probe is part of decoding.
        let accounted = timings.decode + timings.resize + timings.encode;
        timings.decode += started.elapsed().saturating_sub(accounted);
        Ok(outputs)
    }
}
