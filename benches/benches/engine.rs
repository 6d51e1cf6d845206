//! Criterion benches of the engine, in megapixels per second of source image.
//!
//! Under `cargo bench` the inputs are every file in `../shared/bench-images` (the fixed inputs
//! of every figure); when that folder is absent, as on a fresh CI clone, the benches say so and
//! fall back to small corpus images. Under `cargo test` (no `--bench` argument), criterion runs
//! each bench once, so the small corpus images are used there to keep the test run short.
//!
//! Groups:
//! - `probe`: header parsing alone, the cheapest stage (no public decode-only API exists).
//! - `end_to_end`: the default job (half, same format) per file, single-threaded.
//! - `stage_decode`, `stage_resize`, `stage_encode`: the same job, timed by the engine's own
//!   [`StageTimings`], so each stage's share of the end-to-end figure is visible.
//! - `threads`: 1 and 2 resize workers on the images of 12 MP and more.
//! - `variants`: other outputs from the largest 12 MP-class image.
//! - `filters`: every [`Filter`] on that image.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use downsize::{probe, Engine, Filter, Limits, Request, StageTimings, Variant};
use downsize_benches::paths;

/// One input, read once.
struct Input {
    name: String,
    bytes: Vec<u8>,
    pixels: u64,
}

/// Whether criterion was started by `cargo bench` (it passes `--bench`) rather than `cargo test`.
fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn small_corpus_inputs() -> Vec<PathBuf> {
    let corpus = paths::workspace().join("corpus");
    [
        "jpeg-variants/flower_420_crop.jpg",
        "jpeg-variants/flower_420_progr_crop.jpg",
        "png-variants/kodim23_photo.png",
        "png-variants/lorem-ipsum-screenshot_rgba.png",
    ]
    .iter()
    .map(|p| corpus.join(p))
    .collect()
}

fn load_inputs() -> Vec<Input> {
    let shared = paths::bench_images();
    let files = if !bench_mode() {
        small_corpus_inputs()
    } else {
        match paths::images_in(&shared) {
            Ok(files) if !files.is_empty() => files,
            _ => {
                eprintln!(
                    "note: {} not found: skipping the benchmark images, measuring small corpus \
                     images instead (figures not comparable with benches/RESULTS.md)",
                    shared.display()
                );
                small_corpus_inputs()
            }
        }
    };
    files.iter().filter_map(|path| read_input(path)).collect()
}

fn read_input(path: &Path) -> Option<Input> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("note: skipping {}: {e}", path.display());
            return None;
        }
    };
    let info = match probe(&bytes) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("note: skipping {}: {e}", path.display());
            return None;
        }
    };
    Some(Input {
        name: paths::file_name(path),
        pixels: u64::from(info.width) * u64::from(info.height),
        bytes,
    })
}

fn engine(threads: usize) -> Engine {
    Engine::new(Limits::unlimited()).with_threads(threads)
}

fn request_of(spec: &str) -> Request {
    let variant = Variant::parse(spec).unwrap_or_else(|e| panic!("bench variant {spec}: {e}"));
    Request {
        variants: vec![variant],
        ..Request::default()
    }
}

/// A shared 2-core machine: few samples, a few seconds each (command-line flags still override).
fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

fn bench_probe(c: &mut Criterion, inputs: &[Input]) {
    let mut group = c.benchmark_group("probe");
    for input in inputs {
        group.throughput(Throughput::Elements(input.pixels));
        group.bench_function(BenchmarkId::from_parameter(&input.name), |b| {
            b.iter(|| probe(std::hint::black_box(&input.bytes)))
        });
    }
    group.finish();
}

fn bench_end_to_end(c: &mut Criterion, inputs: &[Input]) {
    let request = Request::default();
    let mut group = c.benchmark_group("end_to_end");
    for input in inputs {
        let mut engine = engine(1);
        group.throughput(Throughput::Elements(input.pixels));
        group.bench_function(BenchmarkId::from_parameter(&input.name), |b| {
            b.iter(|| {
                engine
                    .process(&input.bytes, &request)
                    .unwrap_or_else(|e| panic!("{}: {e}", input.name))
            })
        });
    }
    group.finish();
}

/// One stage's time, as the engine measured it inside `process`.
fn bench_stage(
    c: &mut Criterion,
    inputs: &[Input],
    group_name: &str,
    stage: fn(&StageTimings) -> Duration,
) {
    let request = Request::default();
    let mut group = c.benchmark_group(group_name);
    for input in inputs {
        let mut engine = engine(1);
        group.throughput(Throughput::Elements(input.pixels));
        group.bench_function(BenchmarkId::from_parameter(&input.name), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    engine
                        .process(&input.bytes, &request)
                        .unwrap_or_else(|e| panic!("{}: {e}", input.name));
                    total += stage(&engine.last_timings());
                }
                total
            })
        });
    }
    group.finish();
}

fn bench_threads(c: &mut Criterion, inputs: &[Input]) {
    let request = Request::default();
    // The images a Lambda above 1,769 MB (two or more vCPUs) is sized for; in test mode the
    // largest small image stands in.
    let largest = inputs.iter().map(|i| i.pixels).max().unwrap_or(0);
    let threshold = if bench_mode() { 12_000_000 } else { largest };
    let mut group = c.benchmark_group("threads");
    for input in inputs.iter().filter(|i| i.pixels >= threshold) {
        group.throughput(Throughput::Elements(input.pixels));
        for threads in [1, 2] {
            let mut engine = engine(threads);
            group.bench_function(BenchmarkId::new(&input.name, threads), |b| {
                b.iter(|| {
                    engine
                        .process(&input.bytes, &request)
                        .unwrap_or_else(|e| panic!("{}: {e}", input.name))
                })
            });
        }
    }
    group.finish();
}

/// The headline input: `photo-12mp.jpg` when present, otherwise the first JPEG.
fn headline(inputs: &[Input]) -> Option<&Input> {
    inputs
        .iter()
        .find(|i| i.name == "photo-12mp.jpg")
        .or_else(|| inputs.iter().find(|i| i.name.ends_with(".jpg")))
}

fn bench_variants(c: &mut Criterion, inputs: &[Input]) {
    let Some(input) = headline(inputs) else {
        return;
    };
    let mut group = c.benchmark_group(format!("variants/{}", input.name));
    group.throughput(Throughput::Elements(input.pixels));
    for spec in [
        "half",
        "half@q75",
        "half@progressive",
        "half@png",
        "scale:0.25",
        "w320",
        "fit:1280x1280",
    ] {
        let request = request_of(spec);
        let mut engine = engine(1);
        group.bench_function(BenchmarkId::from_parameter(spec), |b| {
            b.iter(|| {
                engine
                    .process(&input.bytes, &request)
                    .unwrap_or_else(|e| panic!("{spec}: {e}"))
            })
        });
    }
    group.finish();
}

fn bench_filters(c: &mut Criterion, inputs: &[Input]) {
    let Some(input) = headline(inputs) else {
        return;
    };
    let mut group = c.benchmark_group(format!("filters/{}", input.name));
    group.throughput(Throughput::Elements(input.pixels));
    for filter in Filter::ALL {
        let mut request = Request::default();
        for v in &mut request.variants {
            v.filter = filter;
        }
        let mut engine = engine(1);
        group.bench_function(BenchmarkId::from_parameter(filter.as_str()), |b| {
            b.iter(|| {
                engine
                    .process(&input.bytes, &request)
                    .unwrap_or_else(|e| panic!("{}: {e}", filter.as_str()))
            })
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let inputs = load_inputs();
    bench_probe(c, &inputs);
    bench_end_to_end(c, &inputs);
    bench_stage(c, &inputs, "stage_decode", |t| t.decode);
    bench_stage(c, &inputs, "stage_resize", |t| t.resize);
    bench_stage(c, &inputs, "stage_encode", |t| t.encode);
    bench_threads(c, &inputs);
    bench_variants(c, &inputs);
    bench_filters(c, &inputs);
}

criterion_group! {
    name = engine_benches;
    config = config();
    targets = benches
}
criterion_main!(engine_benches);
