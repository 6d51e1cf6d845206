//! `compare`: downsize against Pillow and sharp on the benchmark images, then downsize's filters
//! against each other, as markdown tables.
//!
//! Every system halves each image single-threaded (downsize `-j 1` with an engine of one
//! thread, sharp `concurrency(1)`, Pillow is single-threaded) to JPEG q75 or PNG (same format as
//! the input). Runs are interleaved: each round runs every system once per image, in an order
//! that rotates between rounds, so a noisy neighbour on a shared machine hits all of them alike;
//! figures are medians over the rounds. Each run is its own process, so peak RSS is the whole
//! process's (`wait4`).
//!
//! Timing: downsize is timed as the whole process (start-up, read, decode, resize, encode,
//! write, exit). Pillow and sharp report the time from opening the file to the saved output,
//! leaving out interpreter start-up and library loading, which would otherwise dominate small
//! images: the ratio is therefore on the peers' side of fair. Both wall and CPU time (user +
//! system, every thread) are kept; the ratio is on CPU time, which a busy shared machine
//! disturbs far less than wall time (it leaves out time spent waiting for a core).
//!
//! ```text
//! cargo build --workspace --release
//! cargo run --release --bin compare -- [--runs N] [--images DIR] [--out-dir DIR]
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use downsize::{probe, Filter, Geometry};
use downsize_benches::child::{self, Usage};
use downsize_benches::peers::{reported, Peers};
use downsize_benches::{machine_line, median, mib, paths, Table};

/// The comparison images, headline first, and the format each is saved in.
const IMAGES: [(&str, &str); 5] = [
    ("photo-12mp.jpg", "jpeg"),
    ("photo-12mp-progressive.jpg", "jpeg"),
    ("photo-48mp-mosaic.jpg", "jpeg"),
    ("photo-3mp.png", "png"),
    ("rgba-3mp.png", "png"),
];

/// Compare downsize with Pillow and sharp: time, peak memory, SSIM and PNG size.
#[derive(Debug, Parser)]
#[command(name = "compare")]
struct Args {
    /// Rounds; every system runs once per image per round.
    #[arg(long, default_value_t = 5)]
    runs: usize,

    /// Folder holding the benchmark images.
    #[arg(long)]
    images: Option<PathBuf>,

    /// Folder for outputs, references and compare.md (default: <target>/compare).
    #[arg(long)]
    out_dir: Option<PathBuf>,

    /// The downsize CLI (default: the one built beside this tool).
    #[arg(long)]
    downsize: Option<PathBuf>,

    /// Skip the filter table.
    #[arg(long)]
    no_filters: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    Downsize,
    Pillow,
    Sharp,
}

impl System {
    const ALL: [System; 3] = [System::Downsize, System::Pillow, System::Sharp];

    fn name(self) -> &'static str {
        match self {
            System::Downsize => "downsize",
            System::Pillow => "Pillow",
            System::Sharp => "sharp",
        }
    }
}

/// One run's figures.
#[derive(Debug, Clone, Copy)]
struct Sample {
    work_ms: f64,
    cpu_ms: f64,
    process_ms: f64,
    peak_rss: u64,
}

/// All runs of one system on one image.
#[derive(Debug, Default)]
struct Runs {
    samples: Vec<Sample>,
    output: Option<PathBuf>,
    error: Option<String>,
}

impl Runs {
    fn record(&mut self, result: Result<(Sample, PathBuf), String>) {
        match result {
            Ok((sample, output)) => {
                self.samples.push(sample);
                self.output = Some(output);
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn work_ms(&self) -> f64 {
        median(&self.samples.iter().map(|s| s.work_ms).collect::<Vec<_>>())
    }

    fn cpu_ms(&self) -> f64 {
        median(&self.samples.iter().map(|s| s.cpu_ms).collect::<Vec<_>>())
    }

    fn process_ms(&self) -> f64 {
        median(
            &self
                .samples
                .iter()
                .map(|s| s.process_ms)
                .collect::<Vec<_>>(),
        )
    }

    fn peak_rss(&self) -> u64 {
        self.samples.iter().map(|s| s.peak_rss).max().unwrap_or(0)
    }
}

struct Context {
    cli: PathBuf,
    peers: Peers,
    out_dir: PathBuf,
}

impl Context {
    /// Runs `system` on `input` once, writing into `<out>/<label>/`.
    fn run(
        &self,
        system: System,
        input: &Path,
        format: &str,
        label: &str,
        filter: Option<Filter>,
    ) -> Result<(Sample, PathBuf), String> {
        let dir = self.out_dir.join(label);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let output = dir.join(paths::file_name(input));
        let mut command = match system {
            System::Downsize => {
                let mut c = Command::new(&self.cli);
                c.arg(input)
                    .arg("-o")
                    .arg(&dir)
                    .args(["-j", "1", "--quality", "75", "--quiet"]);
                if let Some(f) = filter {
                    c.args(["--filter", f.as_str()]);
                }
                c
            }
            System::Pillow => self
                .peers
                .pillow(input, &output, format)
                .ok_or("Pillow not installed")?,
            System::Sharp => self
                .peers
                .sharp(input, &output, format)
                .ok_or("sharp not installed")?,
        };
        let usage: Usage = child::run(&mut command).map_err(|e| e.to_string())?;
        if !usage.success() {
            return Err(format!(
                "{} failed on {}: {}",
                system.name(),
                input.display(),
                usage.stderr.trim()
            ));
        }
        let process_ms = usage.wall.as_secs_f64() * 1000.0;
        let (work_ms, cpu_ms) = match system {
            System::Downsize => (process_ms, usage.cpu.as_secs_f64() * 1000.0),
            _ => (
                reported(&usage.stdout, "ms").ok_or("no timing printed")?,
                reported(&usage.stdout, "cpu_ms").ok_or("no CPU time printed")?,
            ),
        };
        Ok((
            Sample {
                work_ms,
                cpu_ms,
                process_ms,
                peak_rss: usage.peak_rss_bytes,
            },
            output,
        ))
    }

    /// The float Lanczos reference of `input` at downsize's half size.
    fn reference(&self, input: &Path) -> Result<PathBuf, String> {
        let bytes = std::fs::read(input).map_err(|e| e.to_string())?;
        let info = probe(&bytes).map_err(|e| e.to_string())?;
        let (w, h) = info.display_size();
        let (tw, th) = Geometry::Half.target_size(w, h);
        let dir = self.out_dir.join("reference");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let out = dir.join(format!("{}.{tw}x{th}.npy", paths::file_name(input)));
        self.peers.reference(input, tw, th, &out)?;
        Ok(out)
    }

    /// SSIM of every finished output against `input`'s reference (`None` where unavailable).
    fn scores(&self, input: &Path, runs: &[&Runs]) -> Vec<Option<f64>> {
        let outputs: Vec<PathBuf> = runs.iter().filter_map(|r| r.output.clone()).collect();
        let scores = self
            .reference(input)
            .and_then(|reference| self.peers.ssim(&reference, &outputs));
        let scores = match scores {
            Ok(s) => s,
            Err(e) => {
                eprintln!("note: SSIM unavailable for {}: {e}", input.display());
                return vec![None; runs.len()];
            }
        };
        let mut found = scores.into_iter();
        runs.iter()
            .map(|r| r.output.as_ref().and_then(|_| found.next()))
            .collect()
    }
}

fn fmt_ms(ms: f64) -> String {
    if ms.is_nan() {
        "n/a".to_string()
    } else if ms < 100.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

fn fmt_ssim(s: Option<f64>) -> String {
    s.map_or("n/a".to_string(), |s| format!("{s:.4}"))
}

fn file_size(path: Option<&PathBuf>) -> Option<u64> {
    std::fs::metadata(path?).ok().map(|m| m.len())
}

fn comparison(ctx: &Context, images: &[(PathBuf, &str)], rounds: usize) -> String {
    let mut runs: Vec<[Runs; 3]> = images.iter().map(|_| Default::default()).collect();
    for round in 0..rounds {
        eprintln!("comparison round {}/{rounds}", round + 1);
        for (i, (input, format)) in images.iter().enumerate() {
            for k in 0..System::ALL.len() {
                let s = (k + round + i) % System::ALL.len();
                let system = System::ALL[s];
                let result = ctx.run(system, input, format, system.name(), None);
                runs[i][s].record(result);
            }
        }
    }
    let mut table = Table::new(&[
        "image",
        "system",
        "CPU ms",
        "vs downsize",
        "wall ms",
        "process ms",
        "peak RSS MiB",
        "SSIM",
        "output KiB",
        "size vs Pillow",
    ]);
    for ((input, _), per_system) in images.iter().zip(&runs) {
        let refs: Vec<&Runs> = per_system.iter().collect();
        let scores = ctx.scores(input, &refs);
        let base_ms = per_system[0].cpu_ms();
        let pillow_size = file_size(per_system[1].output.as_ref());
        for (s, system) in System::ALL.iter().enumerate() {
            let r = &per_system[s];
            if let Some(e) = &r.error {
                eprintln!("note: {e}");
            }
            if r.samples.is_empty() {
                table.row(vec![
                    paths::file_name(input),
                    system.name().to_string(),
                    "failed".to_string(),
                ]);
                continue;
            }
            let ms = r.cpu_ms();
            let size = file_size(r.output.as_ref());
            let vs_pillow = match (size, pillow_size) {
                (Some(a), Some(b)) if b > 0 => {
                    format!("{:+.1}%", (a as f64 / b as f64 - 1.0) * 100.0)
                }
                _ => "n/a".to_string(),
            };
            table.row(vec![
                paths::file_name(input),
                system.name().to_string(),
                fmt_ms(ms),
                if *system == System::Downsize {
                    "1.00x".to_string()
                } else {
                    format!("{:.2}x", ms / base_ms)
                },
                fmt_ms(r.work_ms()),
                fmt_ms(r.process_ms()),
                mib(r.peak_rss()),
                fmt_ssim(scores[s]),
                size.map_or("n/a".to_string(), |b| format!("{:.0}", b as f64 / 1024.0)),
                vs_pillow,
            ]);
        }
    }
    format!(
        "### downsize vs Pillow vs sharp (half size, JPEG q75 / PNG, one thread, median of {rounds})\n\n\
         `CPU ms` is user + system time of every thread; `vs downsize` is the system's CPU time \
         over downsize's (above 1 means downsize is faster). downsize's times are its whole \
         process; the peers' `CPU ms` and `wall ms` are open-to-saved inside the script \
         (interpreter start-up and library loading excluded). `process ms` is every system's \
         whole process, wall clock.\n\n{}",
        table.to_markdown()
    )
}

fn filters(ctx: &Context, headline: &Path, rounds: usize) -> String {
    let mut runs: Vec<Runs> = Filter::ALL.iter().map(|_| Runs::default()).collect();
    for round in 0..rounds {
        eprintln!("filter round {}/{rounds}", round + 1);
        for k in 0..Filter::ALL.len() {
            let i = (k + round) % Filter::ALL.len();
            let filter = Filter::ALL[i];
            let label = format!("filter-{}", filter.as_str());
            runs[i].record(ctx.run(System::Downsize, headline, "jpeg", &label, Some(filter)));
        }
    }
    let refs: Vec<&Runs> = runs.iter().collect();
    let scores = ctx.scores(headline, &refs);
    let mut table = Table::new(&[
        "filter",
        "CPU ms",
        "wall ms",
        "SSIM vs float Lanczos",
        "output KiB",
    ]);
    for ((filter, r), score) in Filter::ALL.iter().zip(&runs).zip(scores) {
        if let Some(e) = &r.error {
            eprintln!("note: {e}");
        }
        table.row(vec![
            filter.as_str().to_string(),
            fmt_ms(r.cpu_ms()),
            fmt_ms(r.work_ms()),
            fmt_ssim(score),
            file_size(r.output.as_ref())
                .map_or("n/a".to_string(), |b| format!("{:.0}", b as f64 / 1024.0)),
        ]);
    }
    format!(
        "### downsize filters on {} (half, JPEG q75, one thread, median of {rounds})\n\n{}",
        paths::file_name(headline),
        table.to_markdown()
    )
}

fn main() -> ExitCode {
    let args = Args::parse();
    let cli = args.downsize.clone().unwrap_or_else(paths::downsize_cli);
    if !cli.exists() {
        eprintln!(
            "compare: {} not found: build it first with `cargo build --workspace --release`",
            cli.display()
        );
        return ExitCode::from(2);
    }
    let dir = args.images.clone().unwrap_or_else(paths::bench_images);
    let images: Vec<(PathBuf, &str)> = IMAGES
        .iter()
        .map(|(name, format)| (dir.join(name), *format))
        .filter(|(path, _)| path.exists())
        .collect();
    if images.is_empty() {
        eprintln!(
            "compare: none of the benchmark images found in {}: nothing to compare (skipped)",
            dir.display()
        );
        return ExitCode::SUCCESS;
    }
    let out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| paths::target_dir().join("compare"));
    let ctx = Context {
        cli,
        peers: Peers::ensure(),
        out_dir,
    };
    let rounds = args.runs.max(1);
    let mut report = format!("Machine: {}\n\n", machine_line());
    report.push_str(&comparison(&ctx, &images, rounds));
    if !args.no_filters {
        report.push('\n');
        report.push_str(&filters(&ctx, &images[0].0, rounds));
    }
    println!("{report}");
    let path = ctx.out_dir.join("compare.md");
    if let Err(e) = std::fs::write(&path, &report) {
        eprintln!("compare: cannot write {}: {e}", path.display());
        return ExitCode::from(1);
    }
    eprintln!("written to {}", path.display());
    ExitCode::SUCCESS
}
