//! `downsize`: downscale local JPEG and PNG files with the engine.
//!
//! Each input (a file, or every JPEG/PNG under a folder) is written to `--out-dir` under the same
//! relative name. Outputs are written to a temporary name and renamed into place, so a failure
//! never leaves a partial file behind. Exit status: 0 all converted, 1 some input failed, 2 usage.

mod files;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use clap::Parser;
use downsize::{
    Engine, Filter, Limits, MetadataPolicy, OutputFormat, Request, Variant, VariantDefaults,
};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

/// Downscale JPEG and PNG images: by default to half width and height, same format.
#[derive(Debug, Parser)]
#[command(name = "downsize", version)]
struct Args {
    /// Input files or folders (folders are searched recursively for .jpg/.jpeg/.png files).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,

    /// Folder to write the outputs to (created if missing).
    #[arg(long, short = 'o')]
    out_dir: PathBuf,

    /// Output variant: half, scale:F, wN, hN or fit:WxH, with optional @jpeg, @png, @qN,
    /// @progressive, @filter=NAME. Repeat for several outputs per input; each then goes to a
    /// sub-folder named after the variant.
    #[arg(long = "variant", short = 'v', default_value = "half")]
    variants: Vec<String>,

    /// Output format for every variant that does not name one.
    #[arg(long, value_parser = ["same", "jpeg", "png"], default_value = "same")]
    format: String,

    /// JPEG quality (1-100) for variants that do not name one.
    #[arg(long, short = 'q', value_parser = clap::value_parser!(u8).range(1..=100))]
    quality: Option<u8>,

    /// Write progressive JPEGs.
    #[arg(long)]
    progressive: bool,

    /// Resampling filter: box, bilinear, hamming, catmullrom, mitchell, lanczos3.
    #[arg(long)]
    filter: Option<String>,

    /// Keep the EXIF block (camera, date, GPS) in outputs; stripped by default for privacy.
    #[arg(long)]
    keep_exif: bool,

    /// Memory budget in MB that the default limits are derived from.
    #[arg(long, default_value_t = 4096)]
    memory_mb: u32,

    /// Largest input file, in bytes.
    #[arg(long)]
    max_input_bytes: Option<u64>,

    /// Largest stored width, in pixels.
    #[arg(long)]
    max_width: Option<u32>,

    /// Largest stored height, in pixels.
    #[arg(long)]
    max_height: Option<u32>,

    /// Largest stored width x height.
    #[arg(long)]
    max_pixels: Option<u64>,

    /// Files processed at once (default: one per CPU).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,

    /// Take the general RGB path even for YCbCr JPEG to JPEG (for comparing the two paths).
    #[arg(long, hide = true)]
    no_planar: bool,

    /// No progress bar and no summary line.
    #[arg(long)]
    quiet: bool,
}

fn build_request(args: &Args) -> Result<Request, String> {
    let defaults = VariantDefaults {
        format: match args.format.as_str() {
            "jpeg" => Some(OutputFormat::Jpeg),
            "png" => Some(OutputFormat::Png),
            _ => None,
        },
        quality: args.quality,
        progressive: args.progressive,
        filter: args.filter.as_deref().map(Filter::parse).transpose()?,
    };
    let variants = args
        .variants
        .iter()
        .map(|spec| Ok(Variant::parse(spec)?.with_defaults(&defaults)))
        .collect::<Result<Vec<_>, String>>()?;
    let metadata = if args.keep_exif {
        MetadataPolicy::KeepExif
    } else {
        MetadataPolicy::Strip
    };
    Ok(Request { variants, metadata })
}

fn build_limits(args: &Args) -> Limits {
    let mut limits = Limits::for_memory_mb(args.memory_mb);
    if let Some(v) = args.max_input_bytes {
        limits.max_input_bytes = v;
    }
    if let Some(v) = args.max_width {
        limits.max_width = v;
    }
    if let Some(v) = args.max_height {
        limits.max_height = v;
    }
    if let Some(v) = args.max_pixels {
        limits.max_pixels = v;
    }
    limits
}

fn main() -> ExitCode {
    let args = Args::parse();
    let request = match build_request(&args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("downsize: {e}");
            return ExitCode::from(2);
        }
    };
    let limits = build_limits(&args);
    let jobs = files::collect(&args.inputs);
    if jobs.is_empty() {
        eprintln!("downsize: no JPEG or PNG files found in the inputs");
        return ExitCode::from(1);
    }
    if let Err(e) = std::fs::create_dir_all(&args.out_dir) {
        eprintln!(
            "{}: cannot create output folder: {e}",
            args.out_dir.display()
        );
        return ExitCode::from(1);
    }
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("downsize: cannot start worker threads: {e}");
            return ExitCode::from(1);
        }
    };

    let progress =
        if !args.quiet && jobs.len() > 1 && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            let bar = ProgressBar::new(jobs.len() as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} files, {elapsed} elapsed, {eta} left",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        } else {
            ProgressBar::hidden()
        };

    let started = Instant::now();
    let failures = AtomicUsize::new(0);
    let micro_megapixels = AtomicU64::new(0);
    let stderr_lock = Mutex::new(());
    let multi = request.variants.len() > 1;
    pool.install(|| {
        jobs.par_iter().for_each_init(
            || Engine::new(limits).with_planar_path(!args.no_planar),
            |engine, job| {
                let outcome = files::process_one(engine, job, &request, &args.out_dir, multi);
                match outcome {
                    Ok(()) => {
                        let mp = engine.last_timings().megapixels;
                        micro_megapixels.fetch_add((mp * 1e6) as u64, Ordering::Relaxed);
                    }
                    Err(line) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                        let _guard = stderr_lock.lock();
                        progress.suspend(|| eprintln!("{line}"));
                    }
                }
                progress.inc(1);
            },
        );
    });
    progress.finish_and_clear();

    let failed = failures.load(Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    let megapixels = micro_megapixels.load(Ordering::Relaxed) as f64 / 1e6;
    if !args.quiet {
        eprintln!(
            "{} files ({} converted, {failed} failed), {megapixels:.1} MP in {seconds:.2} s, {:.1} MP/s",
            jobs.len(),
            jobs.len() - failed,
            megapixels / seconds.max(1e-9)
        );
    }
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
