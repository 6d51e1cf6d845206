//! Soak: thousands of S3 notifications through one warm handler, as a long-lived Lambda container
//! sees them, against s3s-fs on 127.0.0.1 through the (fault-free) proxy. The final destination
//! bucket is checked object by object, and the process's resident memory must stay flat between
//! the end of the warm-up and the last event, so a leak across warm invocations fails the test.
//!
//! Its own test binary, with this one test: resident memory is per process, and another test
//! running beside it would move the number.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use common::{s3_event, Obj, World, DESTINATION, SOURCE};
use downsize_lambda::handler::{META_OUTPUT, META_SOURCE_ETAG};
use downsize_lambda::Handler;

/// Events replayed unless `DOWNSIZE_SOAK_EVENTS` asks for another number.
const DEFAULT_EVENTS: usize = 3000;
/// Of the events, the share that are first deliveries of valid and of broken uploads; the rest
/// are duplicates of events already handled.
const VALID_SHARE: f64 = 0.4;
const BROKEN_SHARE: f64 = 0.1;
/// Invocations in flight at once.
const CONCURRENCY: usize = 8;
/// Events per wave. A duplicate only ever repeats an event of an earlier wave, whose outcome is
/// settled, so every outcome is known in advance.
const WAVE: usize = 250;
/// Waves run before the first memory reading: buffers, pools, arenas and the allocator reach
/// their working size.
const WARM_UP_WAVES: usize = 3;
/// Allowed growth of resident memory after the warm-up. With the default 3,000 events, 2,250 come
/// after it: a leak of 8 KiB per invocation (17.6 MiB in all) fails the bound; a clean run grows
/// by 1 to 2 MiB.
const RSS_GROWTH_BOUND: u64 = 16 << 20;
/// Corpus files up to this size: the soak is about many invocations, not big ones.
const MAX_FILE_BYTES: u64 = 4096;

/// A corpus file and what the engine must make of it, from `corpus/expected.tsv`.
#[derive(Debug)]
struct CorpusFile {
    name: String,
    bytes: Vec<u8>,
    expect: Expect,
}

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    /// One copy of this size.
    Copy(u32, u32),
    /// A permanent failure of this kind; no copy.
    Refused(String),
}

/// An uploaded source object.
#[derive(Debug)]
struct Source {
    key: String,
    size: u64,
    etag: String,
    expect: Expect,
}

fn corpus() -> Vec<CorpusFile> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let table = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut files = Vec::new();
    for line in table.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (path, outcome) = (fields[0], fields[1]);
        let expect = match outcome {
            "ok" => Expect::Copy(fields[2].parse().unwrap(), fields[3].parse().unwrap()),
            // Bombs are refused from their header alone; the soak wants decoder work.
            "corrupt" | "unsupported" => Expect::Refused(outcome.to_owned()),
            _ => continue,
        };
        let bytes = std::fs::read(dir.join(path)).unwrap();
        if bytes.is_empty() || bytes.len() as u64 > MAX_FILE_BYTES {
            continue;
        }
        let name = path.rsplit('/').next().unwrap().to_owned();
        files.push(CorpusFile {
            name,
            bytes,
            expect,
        });
    }
    files
}

/// Resident set size of this process. Read from `/proc/self/status` (`VmRSS`, in KiB): the
/// same number as the second field of `/proc/self/statm`, without needing the page size.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap();
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib * 1024
}

/// xorshift64*: a fixed, reproducible event order.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

/// One planned delivery: which source, and whether it repeats an earlier one.
#[derive(Debug, Clone, Copy)]
struct Delivery {
    source: usize,
    duplicate: bool,
}

/// What one invocation gave back.
#[derive(Debug)]
struct Invoked {
    delivery: Delivery,
    kinds: Vec<&'static str>,
    reply_ok: bool,
}

async fn run_wave(
    handler: &Handler,
    sources: &Arc<Vec<Source>>,
    wave: Vec<Delivery>,
) -> Vec<Invoked> {
    let mut tasks = Vec::new();
    for lane in 0..CONCURRENCY {
        let lane: Vec<Delivery> = wave
            .iter()
            .skip(lane)
            .step_by(CONCURRENCY)
            .copied()
            .collect();
        let handler = handler.clone();
        let sources = Arc::clone(sources);
        tasks.push(tokio::spawn(async move {
            let mut results = Vec::new();
            for delivery in lane {
                let source = &sources[delivery.source];
                let event = s3_event(
                    SOURCE,
                    &[Obj {
                        key: &source.key,
                        size: source.size,
                        etag: &source.etag,
                    }],
                );
                let handled = handler.handle(&event, None).await;
                results.push(Invoked {
                    delivery,
                    kinds: handled.reports.iter().map(|r| r.outcome.kind()).collect(),
                    reply_ok: handled.reply.is_ok(),
                });
            }
            results
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.extend(task.await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_warm_invocations_leave_exactly_one_copy_per_valid_upload_and_flat_memory() {
    let started = Instant::now();
    let events: usize = std::env::var("DOWNSIZE_SOAK_EVENTS")
        .ok()
        .map(|n| n.parse().unwrap())
        .unwrap_or(DEFAULT_EVENTS);
    let valid_count = (events as f64 * VALID_SHARE) as usize;
    let broken_count = (events as f64 * BROKEN_SHARE) as usize;
    assert!(
        valid_count + broken_count >= WAVE,
        "too few events for a wave"
    );

    let files = corpus();
    let (valid_files, broken_files): (Vec<&CorpusFile>, Vec<&CorpusFile>) = files
        .iter()
        .partition(|f| matches!(f.expect, Expect::Copy(..)));
    assert!(
        valid_files.len() >= 20 && broken_files.len() >= 10,
        "corpus too small"
    );

    let world = World::new("soak").await;
    let handler = world.handler(&[], 2);

    // Uploads: valid and broken interleaved, names cycling through the corpus.
    let mut rng = Rng(0x5EED_0F50_A4ED_0001);
    let mut order: Vec<bool> = (0..valid_count + broken_count)
        .map(|i| i < valid_count)
        .collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let (mut next_valid, mut next_broken) = (0, 0);
    let mut planned = Vec::new();
    for (index, valid) in order.into_iter().enumerate() {
        let file = if valid {
            next_valid += 1;
            valid_files[(next_valid - 1) % valid_files.len()]
        } else {
            next_broken += 1;
            broken_files[(next_broken - 1) % broken_files.len()]
        };
        planned.push((format!("soak/{index:05}/{}", file.name), file));
    }
    let mut uploads = Vec::new();
    for lane in 0..CONCURRENCY {
        let client = world.direct.client().clone();
        let lane: Vec<(String, Vec<u8>, Expect)> = planned
            .iter()
            .skip(lane)
            .step_by(CONCURRENCY)
            .map(|(key, file)| (key.clone(), file.bytes.clone(), file.expect.clone()))
            .collect();
        uploads.push(tokio::spawn(async move {
            let mut sources = Vec::new();
            for (key, bytes, expect) in lane {
                let size = bytes.len() as u64;
                let output = client
                    .put_object()
                    .bucket(SOURCE)
                    .key(&key)
                    .body(bytes.into())
                    .send()
                    .await
                    .unwrap();
                let etag = output.e_tag().unwrap().trim_matches('"').to_owned();
                sources.push(Source {
                    key,
                    size,
                    etag,
                    expect,
                });
            }
            sources
        }));
    }
    let mut sources = Vec::new();
    for task in uploads {
        sources.extend(task.await.unwrap());
    }
    sources.sort_by(|a, b| a.key.cmp(&b.key));
    let sources = Arc::new(sources);
    let uploaded = started.elapsed();

    // Deliveries: every upload once, spread over the run, and duplicates of earlier waves.
    let mut first: Vec<usize> = (0..sources.len()).collect();
    for i in (1..first.len()).rev() {
        first.swap(i, rng.below(i + 1));
    }
    let mut settled: Vec<usize> = Vec::new();
    let mut emitted = 0;
    let mut outcomes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut wrong: Vec<String> = Vec::new();
    let (mut duplicates, mut rss_warm, mut wave_index) = (0, None, 0);
    while emitted < events {
        let mut wave = Vec::new();
        let mut firsts_in_wave = Vec::new();
        while wave.len() < WAVE && emitted < events {
            let remaining = events - emitted;
            let original =
                !first.is_empty() && (settled.is_empty() || rng.below(remaining) < first.len());
            let delivery = if original {
                let source = first.pop().unwrap();
                firsts_in_wave.push(source);
                Delivery {
                    source,
                    duplicate: false,
                }
            } else {
                duplicates += 1;
                Delivery {
                    source: settled[rng.below(settled.len())],
                    duplicate: true,
                }
            };
            wave.push(delivery);
            emitted += 1;
        }
        for result in run_wave(&handler, &sources, wave).await {
            let source = &sources[result.delivery.source];
            let expected = match (&source.expect, result.delivery.duplicate) {
                (Expect::Copy(..), false) => "written",
                (Expect::Copy(..), true) => "already_done",
                (Expect::Refused(kind), _) => kind.as_str(),
            };
            for kind in &result.kinds {
                *outcomes.entry(*kind).or_default() += 1;
            }
            if result.kinds != [expected] || !result.reply_ok {
                wrong.push(format!(
                    "{} (duplicate: {}): {:?}, reply ok: {}, expected {expected}",
                    source.key, result.delivery.duplicate, result.kinds, result.reply_ok
                ));
            }
        }
        settled.extend(firsts_in_wave);
        // The proxy keeps a log of every request; it is the test's, not the handler's, memory.
        world.proxy.clear_log();
        wave_index += 1;
        if wave_index == WARM_UP_WAVES {
            rss_warm = Some(rss_bytes());
        }
    }
    assert!(first.is_empty());
    let rss_end = rss_bytes();
    let rss_warm = rss_warm.unwrap();
    let replayed = started.elapsed() - uploaded;

    eprintln!(
        "soak: {events} events ({} valid uploads, {} broken uploads, {duplicates} duplicates), \
         concurrency {CONCURRENCY}; outcomes {outcomes:?}",
        valid_count, broken_count
    );
    eprintln!(
        "soak: RSS after {} warm-up events {:.1} MiB, at the end {:.1} MiB, growth {:+.1} MiB \
         (bound {} MiB)",
        WARM_UP_WAVES * WAVE,
        rss_warm as f64 / 1048576.0,
        rss_end as f64 / 1048576.0,
        (rss_end as f64 - rss_warm as f64) / 1048576.0,
        RSS_GROWTH_BOUND >> 20
    );
    eprintln!(
        "soak: uploads {:.1} s, replay {:.1} s",
        uploaded.as_secs_f64(),
        replayed.as_secs_f64()
    );
    assert!(
        wrong.is_empty(),
        "{} unexpected outcomes, first: {:#?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );

    // The destination holds one copy per valid upload and nothing else.
    let expected_keys: BTreeSet<String> = sources
        .iter()
        .filter(|s| matches!(s.expect, Expect::Copy(..)))
        .map(|s| s.key.clone())
        .collect();
    let keys: BTreeSet<String> = world.keys(DESTINATION).await.into_iter().collect();
    assert_eq!(keys.len(), valid_count);
    assert_eq!(
        keys.symmetric_difference(&expected_keys)
            .collect::<Vec<_>>(),
        Vec::<&String>::new()
    );
    // Nothing was written to the source bucket.
    assert_eq!(world.keys(SOURCE).await.len(), sources.len());

    // Every copy decodes whole to the size the corpus table gives, and names its source.
    let mut checks = Vec::new();
    for lane in 0..CONCURRENCY {
        let client = world.direct.client().clone();
        let sources = Arc::clone(&sources);
        checks.push(tokio::spawn(async move {
            let mut bad = Vec::new();
            for source in sources.iter().skip(lane).step_by(CONCURRENCY) {
                let Expect::Copy(width, height) = source.expect else {
                    continue;
                };
                let output = client
                    .get_object()
                    .bucket(DESTINATION)
                    .key(&source.key)
                    .send()
                    .await
                    .unwrap();
                let metadata = output.metadata().cloned().unwrap_or_default();
                let bytes = output.body.collect().await.unwrap().to_vec();
                let decoded = common::decoded_size(&bytes);
                if decoded.as_ref().ok() != Some(&(width, height))
                    || metadata.get(META_SOURCE_ETAG) != Some(&source.etag)
                    || !metadata.contains_key(META_OUTPUT)
                {
                    bad.push(format!(
                        "{}: decoded {decoded:?}, expected {width}x{height}; metadata {metadata:?}",
                        source.key
                    ));
                }
            }
            bad
        }));
    }
    let mut bad = Vec::new();
    for task in checks {
        bad.extend(task.await.unwrap());
    }
    assert!(
        bad.is_empty(),
        "{} bad copies: {:#?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );

    assert_eq!(outcomes.get("written"), Some(&valid_count));
    assert!(
        rss_end.saturating_sub(rss_warm) < RSS_GROWTH_BOUND,
        "resident memory grew from {rss_warm} to {rss_end} bytes over {} warm invocations",
        events - WARM_UP_WAVES * WAVE
    );
    eprintln!("soak: total {:.1} s", started.elapsed().as_secs_f64());
}
