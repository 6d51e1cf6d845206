//! `lambda-report`: what each Lambda memory size would cost and how long it would take to run
//! downsize's default job on a folder of images, and which size to pick.
//!
//! Measured here, per image: CPU time (user + system) and peak RSS of the release `downsize`
//! CLI halving it in its own process, one thread (`-j 1`), median over `--runs`; and, in
//! process, the resize stage's share of the work (the only stage that uses more than one thread).
//!
//! The duration model (Lambda gives CPU in proportion to memory, one vCPU at 1,769 MB):
//! - below 1,769 MB the function gets `mb / 1769` of one vCPU, so
//!   `duration = cpu / (mb / 1769)`;
//! - from 1,769 MB the Lambda crate runs `floor(mb / 1769)` engine threads (at most 6 vCPUs,
//!   at 10,240 MB), which only the resize stage uses, so by Amdahl
//!   `duration = cpu x (1 - p) + cpu x p / threads`, `p` the resize share;
//! - plus `--transfer-ms` for the S3 GET and PUT, billed as duration but using no CPU.
//!
//! arm64 durations are taken to be the x86_64 ones measured here (no Graviton on this machine):
//! only the price differs. Where a CPU quota can be set (cgroup v2 `cpu.max` or v1
//! `cpu.cfs_quota_us`), the model is checked by running the CLI under the quota of a few sizes.
//!
//! ```text
//! cargo build --workspace --release
//! cargo run --release --bin lambda-report -- [FOLDER] [--transfer-ms 100] [--cost-ceiling 10] [--out-dir DIR]
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use downsize::{probe, working_bytes, Engine, Limits, Request};
use downsize_benches::svg::{chart, Panel, Series};
use downsize_benches::{child, machine_line, median, mib, paths, Table};

/// The memory sizes reported (MB). 1,769 MB is exactly one vCPU.
const MEMORY_SIZES: [u32; 10] = [128, 256, 512, 1024, 1536, 1769, 2048, 3008, 4096, 10240];
const MB_PER_VCPU: f64 = 1769.0;
const MAX_VCPUS: f64 = 6.0;

/// Price per GB-second of duration, us-east-1 first tier (shared/AWS-FACTS.md).
const PRICE_ARM64: f64 = 0.000_013_333_4;
const PRICE_X86_64: f64 = 0.000_016_666_7;
/// Per invocation, and the S3 GET of the source and PUT of the output.
const PRICE_REQUEST: f64 = 0.20 / 1e6;
const PRICE_S3_GET: f64 = 0.0004 / 1000.0;
const PRICE_S3_PUT: f64 = 0.005 / 1000.0;

/// Memory a Lambda process holds besides what the CLI measures: the Lambda runtime client,
/// tokio and the S3 client (an idle warm `bootstrap` peaks at about 20 MiB in all).
const RUNTIME_RESERVE: u64 = 20 << 20;
/// Share of the memory size the peak may use: the rest is headroom for allocator
/// fragmentation and inputs a little larger than the measured ones.
const FIT_FRACTION: f64 = 0.9;

/// Sizes the duration model is validated at under a CPU quota.
const VALIDATION_SIZES: [u32; 3] = [256, 512, 1024];

/// Lambda memory-size report for downsize's default job (half, same format).
#[derive(Debug, Parser)]
#[command(name = "lambda-report")]
struct Args {
    /// Folder of images (default: ../shared/bench-images relative to the workspace).
    folder: Option<PathBuf>,

    /// Assumed S3 transfer time per image (GET plus PUT), in ms, billed as duration.
    #[arg(long, default_value_t = 100.0)]
    transfer_ms: f64,

    /// Cost ceiling for the "fastest" pick, in USD per million images.
    #[arg(long, default_value_t = 10.0)]
    cost_ceiling: f64,

    /// Folder for lambda-report.md and lambda-report.svg (default: <target>/lambda-report).
    #[arg(long)]
    out_dir: Option<PathBuf>,

    /// Runs per image (medians are reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,

    /// Skip the CPU-quota validation of the duration model.
    #[arg(long)]
    no_validate: bool,

    /// The downsize CLI (default: the one built beside this tool).
    #[arg(long)]
    downsize: Option<PathBuf>,
}

/// What one image costs downsize, as measured.
#[derive(Debug)]
struct Measured {
    path: PathBuf,
    name: String,
    megapixels: f64,
    input_bytes: u64,
    working_bytes: u64,
    width: u32,
    height: u32,
    cpu_ms: f64,
    wall_ms: f64,
    peak_rss: u64,
    resize_share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arch {
    Arm64,
    X86_64,
}

impl Arch {
    const ALL: [Arch; 2] = [Arch::Arm64, Arch::X86_64];

    fn name(self) -> &'static str {
        match self {
            Arch::Arm64 => "arm64",
            Arch::X86_64 => "x86_64",
        }
    }

    fn price_per_gb_second(self) -> f64 {
        match self {
            Arch::Arm64 => PRICE_ARM64,
            Arch::X86_64 => PRICE_X86_64,
        }
    }
}

fn vcpus(mb: u32) -> f64 {
    (f64::from(mb) / MB_PER_VCPU).min(MAX_VCPUS)
}

/// Engine threads the Lambda crate starts at this size.
fn threads(mb: u32) -> u32 {
    (mb / MB_PER_VCPU as u32).max(1)
}

/// Modelled compute time (no transfer) of one image at `mb`.
fn compute_ms(m: &Measured, mb: u32) -> f64 {
    let v = vcpus(mb);
    if v < 1.0 {
        m.cpu_ms / v
    } else {
        let t = f64::from(threads(mb)).min(v);
        m.cpu_ms * (1.0 - m.resize_share) + m.cpu_ms * m.resize_share / t
    }
}

/// Billed duration: compute plus transfer, rounded up to the millisecond.
fn billed_ms(m: &Measured, mb: u32, transfer_ms: f64) -> f64 {
    (compute_ms(m, mb) + transfer_ms).ceil()
}

fn cost_per_image(m: &Measured, mb: u32, arch: Arch, transfer_ms: f64) -> f64 {
    let gb_seconds = f64::from(mb) / 1024.0 * billed_ms(m, mb, transfer_ms) / 1000.0;
    gb_seconds * arch.price_per_gb_second() + PRICE_REQUEST + PRICE_S3_GET + PRICE_S3_PUT
}

fn fits(m: &Measured, mb: u32) -> bool {
    (m.peak_rss + RUNTIME_RESERVE) as f64 <= f64::from(mb) * 1024.0 * 1024.0 * FIT_FRACTION
}

fn limits_accept(m: &Measured, mb: u32) -> bool {
    let limits = Limits::for_memory_mb(mb);
    limits.check_input_len(m.input_bytes).is_ok()
        && limits.check_dimensions(m.width, m.height).is_ok()
        && limits.check_working_bytes(m.working_bytes).is_ok()
}

fn cli_command(cli: &Path, input: &Path, out: &Path) -> Command {
    let mut c = Command::new(cli);
    c.arg(input)
        .arg("-o")
        .arg(out)
        .args(["-j", "1", "--quiet", "--memory-mb", "10240"]);
    c
}

/// Runs the CLI on `path` `runs` times: median CPU and wall time, largest peak RSS. Done for
/// every image before anything runs in process, because a child's peak RSS cannot read lower
/// than this process's own (see [`child`]).
fn measure_cli(cli: &Path, path: &Path, out: &Path, runs: usize) -> Result<Measured, String> {
    let (mut cpu, mut wall, mut peak) = (Vec::new(), Vec::new(), 0u64);
    for _ in 0..runs {
        let usage = child::run(&mut cli_command(cli, path, out)).map_err(|e| e.to_string())?;
        if !usage.success() {
            return Err(format!("downsize failed: {}", usage.stderr.trim()));
        }
        cpu.push(usage.cpu.as_secs_f64() * 1000.0);
        wall.push(usage.wall.as_secs_f64() * 1000.0);
        peak = peak.max(usage.peak_rss_bytes);
    }
    Ok(Measured {
        path: path.to_path_buf(),
        name: paths::file_name(path),
        megapixels: 0.0,
        input_bytes: 0,
        working_bytes: 0,
        width: 0,
        height: 0,
        cpu_ms: median(&cpu),
        wall_ms: median(&wall),
        peak_rss: peak,
        resize_share: 0.0,
    })
}

/// Fills in what is learnt in process: header figures, the engine's memory estimate and the
/// resize stage's share of the time.
fn measure_in_process(m: &mut Measured) -> Result<(), String> {
    let bytes = std::fs::read(&m.path).map_err(|e| e.to_string())?;
    let info = probe(&bytes).map_err(|e| e.to_string())?;
    let request = Request::default();
    // Twice: the second run sees warm buffers, as a warm Lambda does.
    let mut engine = Engine::new(Limits::unlimited()).with_threads(1);
    for _ in 0..2 {
        engine
            .process(&bytes, &request)
            .map_err(|e| e.to_string())?;
        let t = engine.last_timings();
        let total = (t.decode + t.resize + t.encode).as_secs_f64();
        m.resize_share = if total > 0.0 {
            t.resize.as_secs_f64() / total
        } else {
            0.0
        };
    }
    m.megapixels = info.pixels() as f64 / 1e6;
    m.input_bytes = bytes.len() as u64;
    m.working_bytes = working_bytes(&info, &request);
    m.width = info.width;
    m.height = info.height;
    Ok(())
}

/// A CPU-quota group this process created, removed again on drop.
struct QuotaGroup {
    dir: PathBuf,
    version: u8,
}

impl QuotaGroup {
    /// Creates a group limited to `fraction` of one CPU (period 100 ms), v2 first, then v1.
    fn create(fraction: f64) -> Result<QuotaGroup, String> {
        let period = 100_000u64;
        let quota = ((fraction * period as f64).round() as u64).max(1000);
        let name = format!("downsize-lambda-report-{}", std::process::id());
        let v2 = Path::new("/sys/fs/cgroup");
        let v2_ok = std::fs::read_to_string(v2.join("cgroup.controllers"))
            .is_ok_and(|c| c.split_whitespace().any(|c| c == "cpu"));
        let attempts: Vec<(u8, PathBuf)> = if v2_ok {
            vec![(2, v2.join(&name))]
        } else {
            vec![(1, v2.join("cpu").join(&name))]
        };
        let mut errors = Vec::new();
        for (version, dir) in attempts {
            if !dir.exists() {
                if let Err(e) = std::fs::create_dir(&dir) {
                    errors.push(format!("mkdir {}: {e}", dir.display()));
                    continue;
                }
            }
            let group = QuotaGroup { dir, version };
            let written = if version == 2 {
                std::fs::write(group.dir.join("cpu.max"), format!("{quota} {period}"))
            } else {
                std::fs::write(group.dir.join("cpu.cfs_period_us"), period.to_string()).and_then(
                    |()| std::fs::write(group.dir.join("cpu.cfs_quota_us"), quota.to_string()),
                )
            };
            match written {
                Ok(()) => return Ok(group),
                Err(e) => errors.push(format!("setting the quota in {}: {e}", group.dir.display())),
            }
        }
        if errors.is_empty() {
            errors.push("no cgroup CPU controller found under /sys/fs/cgroup".to_string());
        }
        Err(errors.join("; "))
    }

    /// `command` started inside the group: a shell joins it, then execs the command, so the
    /// measured process is the one that was throttled from its first instruction.
    fn wrap(&self, command: &Command) -> Command {
        let mut wrapped = Command::new("sh");
        wrapped
            .arg("-c")
            .arg("echo $$ > \"$0/cgroup.procs\" && exec \"$@\"")
            .arg(&self.dir)
            .arg(command.get_program())
            .args(command.get_args());
        wrapped
    }
}

impl Drop for QuotaGroup {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir(&self.dir) {
            eprintln!(
                "note: could not remove cgroup v{} {}: {e}",
                self.version,
                self.dir.display()
            );
        }
    }
}

/// Runs the headline image under the quota of a few sizes: predicted vs measured duration.
fn validate(cli: &Path, m: &Measured, out: &Path, runs: usize) -> String {
    let mut table = Table::new(&[
        "memory MB",
        "CPU quota",
        "predicted ms",
        "measured ms",
        "error",
        "CPU ms in the run",
        "CPU / quota",
        "error vs CPU / quota",
    ]);
    let mut notes = Vec::new();
    for mb in VALIDATION_SIZES {
        let fraction = vcpus(mb);
        let group = match QuotaGroup::create(fraction) {
            Ok(g) => g,
            Err(e) => {
                return format!(
                    "Duration model not validated: a CPU quota cannot be set here ({e}).\n"
                )
            }
        };
        let (mut walls, mut cpus) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let command = cli_command(cli, &m.path, out);
            match child::run(&mut group.wrap(&command)) {
                Ok(u) if u.success() => {
                    walls.push(u.wall.as_secs_f64() * 1000.0);
                    cpus.push(u.cpu.as_secs_f64() * 1000.0);
                }
                Ok(u) => notes.push(format!("{mb} MB: {}", u.stderr.trim())),
                Err(e) => notes.push(format!("{mb} MB: {e}")),
            }
        }
        drop(group);
        let predicted = compute_ms(m, mb);
        let measured = median(&walls);
        // The same model fed with the CPU time of the throttled run itself: separates "the
        // quota stretches CPU time as modelled" from "CPU time varies from run to run".
        let in_run_cpu = median(&cpus);
        let from_cpu = in_run_cpu / fraction;
        table.row(vec![
            mb.to_string(),
            format!("{:.3} CPU", fraction),
            format!("{predicted:.0}"),
            format!("{measured:.0}"),
            format!("{:+.1}%", (measured / predicted - 1.0) * 100.0),
            format!("{in_run_cpu:.0}"),
            format!("{from_cpu:.0}"),
            format!("{:+.1}%", (measured / from_cpu - 1.0) * 100.0),
        ]);
    }
    let mut text = format!(
        "Duration model check on {} ({:.0} ms CPU unthrottled): the CLI run under a CFS CPU quota of \
         mb/1769 of one CPU (period 100 ms), median of {runs}.\n\n{}",
        m.name,
        m.cpu_ms,
        table.to_markdown()
    );
    for n in notes {
        text.push_str(&format!("\nnote: {n}\n"));
    }
    text
}

#[derive(Debug)]
struct SizeRow {
    mb: u32,
    mean_ms: f64,
    slowest_ms: f64,
    fit: usize,
    accepted: usize,
    cost: [f64; 2],
}

fn size_rows(measured: &[Measured], transfer_ms: f64) -> Vec<SizeRow> {
    MEMORY_SIZES
        .iter()
        .map(|&mb| {
            let n = measured.len().max(1) as f64;
            let durations: Vec<f64> = measured
                .iter()
                .map(|m| compute_ms(m, mb) + transfer_ms)
                .collect();
            let cost = Arch::ALL.map(|arch| {
                measured
                    .iter()
                    .map(|m| cost_per_image(m, mb, arch, transfer_ms))
                    .sum::<f64>()
                    / n
                    * 1e6
            });
            SizeRow {
                mb,
                mean_ms: durations.iter().sum::<f64>() / n,
                slowest_ms: durations.iter().copied().fold(0.0, f64::max),
                fit: measured.iter().filter(|m| fits(m, mb)).count(),
                accepted: measured.iter().filter(|m| limits_accept(m, mb)).count(),
                cost,
            }
        })
        .collect()
}

fn recommendations(rows: &[SizeRow], images: usize, ceiling: f64) -> String {
    let mut text = String::new();
    for (a, arch) in Arch::ALL.iter().enumerate() {
        let eligible: Vec<&SizeRow> = rows
            .iter()
            .filter(|r| r.fit == images && r.accepted == images)
            .collect();
        let cheapest = eligible
            .iter()
            .min_by(|x, y| x.cost[a].total_cmp(&y.cost[a]));
        let fastest = eligible
            .iter()
            .filter(|r| r.cost[a] <= ceiling)
            .min_by(|x, y| {
                x.mean_ms
                    .total_cmp(&y.mean_ms)
                    .then(x.cost[a].total_cmp(&y.cost[a]))
            });
        match cheapest {
            Some(r) => text.push_str(&format!(
                "- {}: cheapest size that fits every image: **{} MB**, ${:.2} per million, mean {:.0} ms.\n",
                arch.name(),
                r.mb,
                r.cost[a],
                r.mean_ms
            )),
            None => text.push_str(&format!(
                "- {}: no size fits every image.\n",
                arch.name()
            )),
        }
        match fastest {
            Some(r) => text.push_str(&format!(
                "- {}: fastest size under ${ceiling:.2} per million: **{} MB**, ${:.2} per million, mean {:.0} ms.\n",
                arch.name(),
                r.mb,
                r.cost[a],
                r.mean_ms
            )),
            None => text.push_str(&format!(
                "- {}: no size that fits every image costs under ${ceiling:.2} per million.\n",
                arch.name()
            )),
        }
    }
    text
}

fn svg_chart(rows: &[SizeRow], transfer_ms: f64) -> String {
    let x_ticks: Vec<f64> = MEMORY_SIZES.iter().map(|&mb| f64::from(mb)).collect();
    let colours = ["#d9730d", "#2f6fb5"];
    let cost = Panel {
        title: "Cost per million images".into(),
        x_label: "Lambda memory (MB)".into(),
        y_label: "USD per million".into(),
        x_ticks: x_ticks.clone(),
        series: Arch::ALL
            .iter()
            .enumerate()
            .map(|(a, arch)| Series {
                label: arch.name().into(),
                colour: colours[a].into(),
                points: rows.iter().map(|r| (f64::from(r.mb), r.cost[a])).collect(),
                markers_only: false,
            })
            .collect(),
    };
    let duration = Panel {
        title: "Mean duration per image".into(),
        x_label: "Lambda memory (MB)".into(),
        y_label: "ms (billed)".into(),
        x_ticks,
        series: vec![
            Series {
                label: "arm64 and x86_64 (same model)".into(),
                colour: "#444".into(),
                points: rows.iter().map(|r| (f64::from(r.mb), r.mean_ms)).collect(),
                markers_only: false,
            },
            Series {
                label: "slowest image".into(),
                colour: "#b52f2f".into(),
                points: rows
                    .iter()
                    .map(|r| (f64::from(r.mb), r.slowest_ms))
                    .collect(),
                markers_only: false,
            },
        ],
    };
    chart(
        &[cost, duration],
        &format!(
            "downsize default job (half, same format); includes {transfer_ms:.0} ms assumed S3 transfer; \
             CPU share = MB/1769 of a vCPU; both axes logarithmic"
        ),
    )
}

fn main() -> ExitCode {
    let args = Args::parse();
    let cli = args.downsize.clone().unwrap_or_else(paths::downsize_cli);
    if !cli.exists() {
        eprintln!(
            "lambda-report: {} not found: build it first with `cargo build --workspace --release`",
            cli.display()
        );
        return ExitCode::from(2);
    }
    let folder = args.folder.clone().unwrap_or_else(paths::bench_images);
    let files = match paths::images_in(&folder) {
        Ok(f) if !f.is_empty() => f,
        _ => {
            eprintln!(
                "lambda-report: no JPEG or PNG images in {}: nothing to report (skipped)",
                folder.display()
            );
            return ExitCode::SUCCESS;
        }
    };
    let out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| paths::target_dir().join("lambda-report"));
    let scratch = out_dir.join("outputs");
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        eprintln!("lambda-report: {}: {e}", scratch.display());
        return ExitCode::from(1);
    }
    let runs = args.runs.max(1);
    let mut measured = Vec::new();
    for path in &files {
        eprintln!("measuring {}", path.display());
        match measure_cli(&cli, path, &scratch, runs) {
            Ok(m) => measured.push(m),
            Err(e) => eprintln!("note: skipping {}: {e}", path.display()),
        }
    }
    if measured.is_empty() {
        eprintln!("lambda-report: no image could be measured");
        return ExitCode::from(1);
    }
    // Still before any in-process work, for the same reason as above; below 1,769 MB the model
    // needs only the CLI's CPU time.
    let validation = if args.no_validate {
        "Duration model not validated (--no-validate).\n".to_string()
    } else {
        let headline = measured
            .iter()
            .find(|m| m.name == "photo-12mp.jpg")
            .unwrap_or(&measured[0]);
        validate(&cli, headline, &scratch, runs)
    };
    measured.retain_mut(|m| match measure_in_process(m) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("note: skipping {}: {e}", m.path.display());
            false
        }
    });
    if measured.is_empty() {
        eprintln!("lambda-report: no image could be measured in process");
        return ExitCode::from(1);
    }

    let mut per_image = Table::new(&[
        "image",
        "MP",
        "CPU ms (1 thread)",
        "wall ms",
        "peak RSS MiB",
        "resize share",
        "engine estimate MiB",
    ]);
    for m in &measured {
        per_image.row(vec![
            m.name.clone(),
            format!("{:.1}", m.megapixels),
            format!("{:.0}", m.cpu_ms),
            format!("{:.0}", m.wall_ms),
            mib(m.peak_rss),
            format!("{:.0}%", m.resize_share * 100.0),
            mib(m.working_bytes),
        ]);
    }

    let rows = size_rows(&measured, args.transfer_ms);
    let n = measured.len();
    let mut sizes = Table::new(&[
        "memory MB",
        "vCPU",
        "threads",
        "mean ms",
        "slowest ms",
        "fits (RSS)",
        "limits accept",
        "arm64 $/M",
        "x86_64 $/M",
    ]);
    for r in &rows {
        sizes.row(vec![
            r.mb.to_string(),
            format!("{:.2}", vcpus(r.mb)),
            threads(r.mb).to_string(),
            format!("{:.0}", r.mean_ms),
            format!("{:.0}", r.slowest_ms),
            format!("{}/{n}", r.fit),
            format!("{}/{n}", r.accepted),
            format!("{:.2}", r.cost[0]),
            format!("{:.2}", r.cost[1]),
        ]);
    }

    let mut detail_header = vec!["image".to_string()];
    detail_header.extend(MEMORY_SIZES.iter().map(|mb| format!("{mb}")));
    let header_refs: Vec<&str> = detail_header.iter().map(String::as_str).collect();
    let mut detail = Table::new(&header_refs);
    for m in &measured {
        let mut cells = vec![m.name.clone()];
        for &mb in &MEMORY_SIZES {
            let mark = match (fits(m, mb), limits_accept(m, mb)) {
                (true, true) => "",
                (false, true) => " (OOM risk)",
                (true, false) => " (refused)",
                (false, false) => " (refused, OOM risk)",
            };
            cells.push(format!("{:.0}{mark}", compute_ms(m, mb) + args.transfer_ms));
        }
        detail.row(cells);
    }

    let report = format!(
        "## Lambda memory sizes for downsize\n\n\
         Machine: {machine}\n\n\
         Job: the default request (half, same format, JPEG q80), one image per invocation, \
         {n} images from {folder}, median of {runs} runs each.\n\n\
         Model: below 1,769 MB a function gets MB/1769 of one vCPU, so duration = CPU time / \
         (MB/1769). From 1,769 MB the Lambda runs floor(MB/1769) engine threads, which only the \
         resize stage uses: duration = CPU x (1 - p) + CPU x p / threads (p = resize share). \
         Plus {transfer:.0} ms assumed S3 transfer, billed as duration; billed time rounded up to \
         1 ms. arm64 is assumed as fast as this x86_64 machine (not measured). Cost = duration \
         x MB/1024 x price per GB-s (arm64 $0.0000133334, x86_64 $0.0000166667) + $0.20 per \
         million requests + S3 GET $0.0004 and PUT $0.005 per 1,000. \"Fits\": peak RSS of the \
         CLI + {reserve} MiB for the runtime and S3 client within {fit:.0}% of the memory size. \
         \"Limits accept\": `Limits::for_memory_mb(mb)` passes the input length, dimensions and \
         `working_bytes` estimate.\n\n\
         ### Per image\n\n{per_image}\n\
         ### Per memory size (means over the images)\n\n{sizes}\n\
         {recs}\n\
         ### Duration per image and memory size (ms, billed)\n\n{detail}\n\
         ### Model check\n\n{validation}",
        machine = machine_line(),
        folder = folder.display(),
        transfer = args.transfer_ms,
        reserve = RUNTIME_RESERVE >> 20,
        fit = FIT_FRACTION * 100.0,
        per_image = per_image.to_markdown(),
        sizes = sizes.to_markdown(),
        recs = recommendations(&rows, n, args.cost_ceiling),
        detail = detail.to_markdown(),
    );
    println!("{report}");
    let md = out_dir.join("lambda-report.md");
    let svg = out_dir.join("lambda-report.svg");
    let written = std::fs::write(&md, &report)
        .and_then(|()| std::fs::write(&svg, svg_chart(&rows, args.transfer_ms)));
    if let Err(e) = written {
        eprintln!("lambda-report: cannot write the report: {e}");
        return ExitCode::from(1);
    }
    eprintln!("written {} and {}", md.display(), svg.display());
    ExitCode::SUCCESS
}
