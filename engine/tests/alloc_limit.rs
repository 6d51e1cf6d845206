//! No allocation is sized by an untrusted header before the limits check: for every broken file
//! and every bomb, processed under `Limits::default()`, the largest single allocation the engine
//! asks for stays within what the limits allow (the working-memory budget plus the input).
//!
//! A counting global allocator (this test binary only) records the size of every allocation
//! request made on the processing thread, including requests that fail, so even a fallible
//! `try_reserve` sized from a header would be caught.

// A `GlobalAlloc` cannot be written without `unsafe`: the trait itself is unsafe. The impl only
// forwards to the system allocator and counts.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;

use downsize::{Engine, Limits, Request};

mod common;

struct Counting;

thread_local! {
    /// Whether allocations on this thread are being recorded.
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    /// Largest single allocation request since tracking started.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn record(size: usize) {
    // `try_with`: the thread-locals may be gone while a thread is being torn down.
    let _ = TRACKING.try_with(|on| {
        if on.get() {
            let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds exactly as it does for `System`; the counting touches only
// const-initialised thread-locals without destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The largest single allocation `f` makes on this thread.
fn largest_allocation(f: impl FnOnce()) -> usize {
    LARGEST.with(|l| l.set(0));
    TRACKING.with(|t| t.set(true));
    f();
    TRACKING.with(|t| t.set(false));
    LARGEST.with(Cell::get)
}

fn files_in(folder: &str) -> Vec<PathBuf> {
    common::files_in(folder, common::is_image_name)
}

fn check_folder(folder: &str) {
    let limits = Limits::default();
    let mut over = Vec::new();
    let files = files_in(folder);
    assert!(!files.is_empty(), "corpus/{folder} is empty");
    for path in &files {
        let input = std::fs::read(path).unwrap();
        let allowed = limits.max_working_bytes as usize + input.len();
        // A fresh engine each time: a reused one would hide an oversized first allocation
        // behind buffers kept from an earlier file.
        let mut engine = Engine::new(limits);
        let request = Request::default();
        let mut outcome = String::new();
        let largest = largest_allocation(|| {
            outcome = match engine.process(&input, &request) {
                Ok(_) => "ok".to_owned(),
                Err(e) => e.kind().as_str().to_owned(),
            };
        });
        println!(
            "{:>12} bytes largest allocation, {outcome:>11}: {}",
            largest,
            path.display()
        );
        if largest > allowed {
            over.push(format!(
                "{}: {largest} bytes in one allocation, limits allow {allowed}",
                path.display()
            ));
        }
    }
    assert!(over.is_empty(), "{}", over.join("\n"));
}

#[test]
fn broken_files_allocate_within_the_limits() {
    check_folder("broken");
}

#[test]
fn bombs_allocate_within_the_limits() {
    check_folder("bombs");
}

/// The counter sees allocations, including fallible ones that fail: otherwise the checks above
/// could pass by measuring nothing.
#[test]
fn the_counter_sees_large_and_failed_allocations() {
    let seen = largest_allocation(|| {
        let v: Vec<u8> = Vec::with_capacity(3 << 20);
        std::hint::black_box(&v);
    });
    assert!(seen >= 3 << 20, "{seen}");
    let seen = largest_allocation(|| {
        let mut v: Vec<u8> = Vec::new();
        let _ = v.try_reserve_exact(usize::MAX / 4);
    });
    assert!(seen >= usize::MAX / 4, "{seen}");
}
