//! The fuzzer of the plugin host: proptest harnesses run with the unit tests.
//!
//! How it works: `protocol.rs` feeds random and mutated byte streams to both ends of an
//! isolated plugin's pipe — the host's (a frame, then a greeting or a reply) and the
//! worker's (the request loop, in front of a fake plugin table) — and `columns.rs` has a
//! fake in-process plugin return malformed output columns (wrong row counts and types, null
//! pointers with lengths, bad UTF-8, NaN and infinities, huge lengths, absurd validity,
//! codes and offsets out of range) through the checked call path. Every case must end in a
//! result or an error: never a panic, and (the counting allocator below) never an
//! allocation out of proportion to the bytes that came in.
//!
//! `ICP_FUZZ_CASES` sets the number of cases of each property (default 256, seconds); the
//! longer run is in docs/testing.md. A finding is kept as a file in
//! `crates/icp_plugin_host/fuzz/regressions/` (`protocol/*.bin`: a byte stream;
//! `columns/*.json`: a column spec), which the `regressions_*` tests replay first.

#![allow(unsafe_code)]

mod columns;
mod protocol;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;

/// How many cases each property runs: `ICP_FUZZ_CASES`, else 256.
fn cases() -> u32 {
    std::env::var("ICP_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// The regression files of one harness (`protocol`, `columns`), by name.
fn regressions(kind: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(kind);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("the regression directory")
        .map(|entry| {
            let path = entry.expect("an entry").path();
            let name = path.display().to_string();
            (name, std::fs::read(&path).expect("a regression file"))
        })
        .collect();
    files.sort();
    files
}

/// The system allocator, noting the largest single allocation made on each thread.
struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed straight to the system allocator; the bookkeeping touches a
// const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's layout, as `GlobalAlloc::alloc` requires.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (the system's) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as `GlobalAlloc::realloc` requires of the caller.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn note(size: usize) {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

/// Runs `f` and returns the largest single allocation it made on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    let result = f();
    (result, LARGEST.with(Cell::get))
}
