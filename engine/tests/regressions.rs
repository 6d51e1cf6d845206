//! Fuzzer finds (corpus/regression/, kept under the fuzzer's file names) and the broken corpus
//! (corpus/broken/): each file, processed with the default request and limits, must give an
//! output or an error. A panic or a hang fails the test, naming every file that did.

#![allow(clippy::unwrap_used)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use downsize::{Engine, Limits, Request};

mod common;

/// Generous: the slowest of these files takes well under a second in a debug build.
const HANG_AFTER: Duration = Duration::from_secs(10);

fn files_in(folder: &str) -> Vec<PathBuf> {
    common::files_in(folder, |p| {
        let name = p.file_name().unwrap().to_string_lossy();
        !name.starts_with('.') && !name.ends_with(".md")
    })
}

/// Runs `job` on its own thread; `Err` says how it went wrong (panic, or still running after
/// `timeout`).
fn guarded(job: impl FnOnce() + Send + 'static, timeout: Duration) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(catch_unwind(AssertUnwindSafe(job)));
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(panic)) => Err(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(non-string payload)")
        )),
        // The thread is left running: there is no safe way to stop it, and the test fails anyway.
        Err(_) => Err(format!("still running after {timeout:?}")),
    }
}

fn check_folder(folder: &str) -> usize {
    let files = files_in(folder);
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let input = std::fs::read(path).unwrap();
            let job = move || {
                let _ = Engine::new(Limits::default()).process(&input, &Request::default());
            };
            guarded(job, HANG_AFTER)
                .err()
                .map(|why| format!("{}: {why}", path.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    files.len()
}

#[test]
fn fuzzer_finds_neither_panic_nor_hang() {
    check_folder("regression");
}

#[test]
fn broken_files_neither_panic_nor_hang() {
    assert!(check_folder("broken") > 0, "corpus/broken is empty");
}

/// The guard itself works: a panicking and a hanging job are both reported.
#[test]
fn the_guard_reports_panics_and_hangs() {
    assert_eq!(
        guarded(|| panic!("boom"), HANG_AFTER),
        Err("panicked: boom".to_owned())
    );
    let hang = || std::thread::sleep(Duration::from_secs(5));
    assert!(guarded(hang, Duration::from_millis(50))
        .unwrap_err()
        .starts_with("still running"));
}
