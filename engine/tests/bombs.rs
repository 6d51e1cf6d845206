//! Decompression and CPU bombs (corpus/bombs/, written by make_bombs.py): each is refused with
//! the right error kind, or handled without doing the work it hides, quickly and within the
//! memory of a 128 MB Lambda.
//!
//! The memory cap is real, not estimated: the `downsize` command line runs each bomb under
//! `prlimit --data` (RLIMIT_DATA, which since Linux 4.7 also counts private anonymous mappings,
//! i.e. every heap allocation, but not the address space merely reserved for thread stacks and
//! malloc arenas, which RLIMIT_AS would). A bomb that got past the limits would end in an
//! allocation failure, an abort by signal, not the expected error line and status 1.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use downsize::{Engine, Error, ErrorKind, LimitKind, Limits, Request};

mod common;

/// Memory the command line may use, in all: the size of the smallest Lambda.
const MEMORY_CAP_BYTES: u64 = 128 * 1024 * 1024;
/// Limits are derived from this Lambda size, the same as `Limits::default()`.
const MEMORY_MB: &str = "128";
/// Longest a bomb may take, in-process or as a whole program run.
const MAX_SECONDS: f64 = 5.0;
/// A real 5 MP phone photo, for the checks that the cap leaves room for real work.
const PHOTO: &str = "photos/samsung-sm-j327t1_2576x1932_5mp_orient6.jpg";

/// What the engine must do with a bomb.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Refused as over this limit, from the header.
    TooLarge(LimitKind),
    /// Refused as corrupt.
    Corrupt,
    /// Processed: the hidden work is not needed to resize the image.
    Ok,
}

/// Every bomb and what the engine must do with it.
///
/// The two zlib bombs are fine images with 200 MB of zeros compressed into an ancillary chunk.
/// Neither chunk is needed to resize the picture, so refusing the file would fail a real upload
/// for a chunk we would never use: the right outcome is success without inflating the bomb. The
/// engine skips text chunks unread (zTXt costs nothing), and the png crate inflates an iCCP
/// profile only up to the decoder's 16 MiB memory limit and then drops the profile: bounded work
/// (a fraction of a second) and bounded memory, and the output has no profile.
const BOMBS: &[(&str, Expect)] = &[
    ("png-100000x100000.png", Expect::TooLarge(LimitKind::Width)),
    ("png-ztxt-zlib-bomb-200mb.png", Expect::Ok),
    ("png-iccp-zlib-bomb-200mb.png", Expect::Ok),
    (
        "jpeg-sof-65500x65500.jpg",
        Expect::TooLarge(LimitKind::Pixels),
    ),
    // zune-jpeg stops at the engine's scan limit (128) instead of walking 3 MP of coefficients
    // 5000 times.
    ("jpeg-progressive-5000-scans.jpg", Expect::Corrupt),
    ("jpeg-truncated-mid-scan.jpg", Expect::Corrupt),
    ("png-truncated-mid-idat.png", Expect::Corrupt),
];

fn bomb_path(name: &str) -> PathBuf {
    common::corpus_path("bombs").join(name)
}

fn kind_name(expect: Expect) -> &'static str {
    match expect {
        Expect::TooLarge(_) => ErrorKind::TooLarge.as_str(),
        Expect::Corrupt => ErrorKind::Corrupt.as_str(),
        Expect::Ok => "ok",
    }
}

#[test]
fn every_bomb_file_is_listed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(bomb_path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png") || n.ends_with(".jpg"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = BOMBS.iter().map(|(n, _)| (*n).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "corpus/bombs and BOMBS differ");
}

#[test]
fn bombs_give_the_expected_outcome_quickly_in_process() {
    let mut engine = Engine::new(Limits::default());
    for &(name, expect) in BOMBS {
        let input = std::fs::read(bomb_path(name)).unwrap();
        assert!(input.len() < 1024 * 1024, "{name} is not small");
        let started = Instant::now();
        let result = engine.process(&input, &Request::default());
        let seconds = started.elapsed().as_secs_f64();
        assert!(seconds < MAX_SECONDS, "{name} took {seconds:.2} s");
        match (expect, &result) {
            (Expect::TooLarge(want), Err(Error::TooLarge { limit, .. })) => {
                assert_eq!(*limit, want, "{name}: {result:?}");
            }
            (Expect::Corrupt, Err(e)) => assert_eq!(e.kind(), ErrorKind::Corrupt, "{name}: {e}"),
            (Expect::Ok, Ok(outputs)) => {
                assert_eq!(outputs.len(), 1, "{name}");
                assert_eq!((outputs[0].width, outputs[0].height), (4, 4), "{name}");
            }
            _ => panic!("{name}: expected {expect:?}, got {result:?}"),
        }
    }
}

/// Runs the command line on `input` under the memory cap; returns its status code (None when
/// killed by a signal), stderr and wall time.
fn run_capped(input: &Path, cap_bytes: u64, memory_mb: &str) -> (Option<i32>, String, f64) {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "bombs-{}-{}",
        std::process::id(),
        input.file_name().unwrap().to_string_lossy()
    ));
    let started = Instant::now();
    let output = Command::new("prlimit")
        .arg(format!("--data={cap_bytes}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_downsize"))
        .args([
            "--memory-mb",
            memory_mb,
            "--jobs",
            "1",
            "--quiet",
            "--out-dir",
        ])
        .arg(&out_dir)
        .arg(input)
        .output()
        .expect("prlimit (util-linux) must be installed to run this test");
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&out_dir);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        seconds,
    )
}

#[test]
fn bombs_fail_cleanly_under_a_128_mb_memory_cap() {
    for &(name, expect) in BOMBS {
        let path = bomb_path(name);
        let (code, stderr, seconds) = run_capped(&path, MEMORY_CAP_BYTES, MEMORY_MB);
        assert!(
            seconds < MAX_SECONDS,
            "{name} took {seconds:.2} s: {stderr}"
        );
        match expect {
            Expect::Ok => assert_eq!(code, Some(0), "{name}: {stderr}"),
            _ => {
                assert_eq!(code, Some(1), "{name}: not a clean failure: {stderr}");
                let prefix = format!("{}: {}: ", path.display(), kind_name(expect));
                assert!(
                    stderr.lines().any(|l| l.starts_with(&prefix)),
                    "{name}: no line starting {prefix:?} in {stderr:?}"
                );
            }
        }
    }
}

/// The cap leaves room for real work: a 5 MP photo converts under it.
#[test]
fn a_real_photo_fits_under_the_cap() {
    let photo = common::corpus_path(PHOTO);
    let (code, stderr, _) = run_capped(&photo, MEMORY_CAP_BYTES, MEMORY_MB);
    assert_eq!(code, Some(0), "{stderr}");
}

/// The cap is enforced: the same photo with a cap far below what it needs (its peak RSS is about
/// 15 MiB on the planar path) does not convert, so the bombs' clean exits above are not the cap
/// failing to apply.
#[test]
fn the_cap_is_enforced() {
    let photo = common::corpus_path(PHOTO);
    let (code, stderr, _) = run_capped(&photo, 6 * 1024 * 1024, "4096");
    assert_ne!(code, Some(0), "converted under a 6 MiB cap: {stderr}");
}
