//! What the handlers of `icp serve` share: the version of the rules in force, the health of
//! the last reload, the limits and their semaphores, the metrics.
//!
//! How it works: the version is an [`ArcSwap`]: a request takes the version in force once, at
//! its start, and scores with it to the end, while a reload swaps the next one in whole (no
//! request ever sees half of two versions; the old one is dropped when its last request
//! ends). The health is the failure of the latest reload, if it failed, cleared by the next
//! one that succeeds. Admission is two semaphores: `queue` (`--max-queue` permits, taken
//! without waiting — none left is 429) and `workers` (`--max-concurrent`, waited for).

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use tokio::sync::Semaphore;

use super::Limits;
use super::metrics::Metrics;
use super::ruleset::{Failure, Version};

/// A reload that failed, and when.
#[derive(Debug, Clone)]
pub struct Degraded {
    pub failure: Failure,
    /// In seconds since 1970-01-01 UTC.
    pub at: u64,
}

/// The server's shared state.
#[derive(Debug)]
pub struct State {
    pub current: ArcSwap<Version>,
    pub health: Mutex<Option<Degraded>>,
    pub metrics: Metrics,
    pub limits: Limits,
    pub queue: Arc<Semaphore>,
    pub workers: Arc<Semaphore>,
    /// `--as-of`, in days since 1970-01-01; else each request uses the current date.
    pub as_of: Option<i32>,
}

impl State {
    pub fn new(first: Version, limits: Limits, as_of: Option<i32>) -> State {
        State {
            current: ArcSwap::from_pointee(first),
            health: Mutex::new(None),
            metrics: Metrics::default(),
            limits,
            queue: Arc::new(Semaphore::new(limits.max_queue)),
            workers: Arc::new(Semaphore::new(limits.max_concurrent)),
            as_of,
        }
    }

    /// The as-of date of a request: `--as-of`, else today (UTC).
    pub fn today(&self) -> i32 {
        self.as_of
            .unwrap_or_else(|| crate::args::as_of_date(None).unwrap_or_default())
    }

    /// The failure of the latest reload, if it failed.
    pub fn degraded(&self) -> Option<Degraded> {
        self.health.lock().map_or(None, |h| h.clone())
    }

    /// Puts a new version in force and clears a failure.
    pub fn swap_in(&self, version: Arc<Version>) {
        self.current.store(version);
        if let Ok(mut health) = self.health.lock() {
            *health = None;
        }
        self.metrics.reloaded();
    }

    /// Records a reload that failed; the version in force stays.
    pub fn reload_failed(&self, failure: Failure) {
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if let Ok(mut health) = self.health.lock() {
            *health = Some(Degraded { failure, at });
        }
        self.metrics.reload_failed();
    }
}
