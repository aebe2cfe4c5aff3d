//! The hot reload of `icp serve`: a thread that polls the files of the rules and swaps in
//! each edit that loads.
//!
//! How it works: every `--watch-interval` (200 ms unless told) the thread hashes the contents of icp.toml, the rule files
//! and the list files ([`Loader::fingerprint`]); polling contents rather than waiting for
//! file-system events works the same on every system and catches editors that replace a
//! file instead of writing it. A new hash is loaded and checked in full
//! ([`Loader::load`]); a version that loads is swapped in and logged on stderr, one that does
//! not is logged with its diagnostics and recorded for `/healthz`, and the version in force
//! keeps serving. The same broken contents are not loaded twice: nothing is tried again until
//! a file changes again. [`Watcher::stop`] ends the thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::ruleset::Loader;
use super::state::State;

/// The polling thread.
#[derive(Debug)]
pub struct Watcher {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Watcher {
    /// Starts polling every `interval` for `state`, whose version in force `loader` loaded.
    pub fn start(
        mut loader: Loader,
        state: Arc<State>,
        interval: Duration,
    ) -> std::io::Result<Watcher> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        // Taken before the thread starts, so an edit saved right after the server says it
        // listens is seen as a change rather than as the starting point.
        loader.accept(&state.current.load());
        let first = loader.fingerprint(&state.current.load());
        let thread = std::thread::Builder::new()
            .name("icp-serve-watch".into())
            .spawn(move || {
                let mut seen = first;
                while !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(interval);
                    let served = state.current.load_full();
                    let now = loader.fingerprint(&served);
                    if now == seen {
                        continue;
                    }
                    seen = now;
                    match loader.load() {
                        Ok(version) => {
                            loader.accept(&version);
                            eprintln!(
                                "icp serve: rules reloaded: version {} ({}, {} files)",
                                version.number,
                                version.hash,
                                version.files.len()
                            );
                            state.swap_in(Arc::new(version));
                            // The new version may read other list files.
                            seen = loader.fingerprint(&state.current.load());
                        }
                        Err(failure) => {
                            eprintln!(
                                "icp serve: the edited rules were not loaded ({}); version {} keeps serving\n{}",
                                failure.message,
                                served.number,
                                failure.text.trim_end()
                            );
                            state.reload_failed(failure);
                        }
                    }
                }
            })?;
        Ok(Watcher { stop, thread })
    }

    /// Stops polling and waits for the thread.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
