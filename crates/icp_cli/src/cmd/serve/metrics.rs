//! The counters of `icp serve` and their Prometheus text exposition (`GET /metrics`).
//!
//! How it works: requests are counted by route and status, and their latency (from the
//! request's arrival to its response's headers) goes into a fixed-bucket histogram per route;
//! the other counters are atomics. [`Metrics::render`] writes the Prometheus text format
//! 0.0.4: a `# HELP` and `# TYPE` line per metric, then its samples, the histogram as
//! cumulative `_bucket{le=…}` counts with `_sum` and `_count`. Routes are the router's
//! patterns (`/score`), and `other` for any path the router does not know, so a scan of
//! random paths cannot grow the label set.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0,
];

/// One route's latency histogram: a count per bucket (not cumulative), the sum, the count.
#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// The plugin host's figures `/metrics` shows.
#[derive(Debug, Default, Clone, Copy)]
pub struct PluginFigures {
    pub loaded: u64,
    pub initialised: u64,
    pub init_calls: u64,
}

impl PluginFigures {
    pub fn of(host: &icp_plugin_host::Host) -> PluginFigures {
        PluginFigures {
            loaded: host.plugins().len() as u64,
            initialised: host.initialised_count() as u64,
            init_calls: host.init_calls(),
        }
    }
}

/// Everything `/metrics` shows.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (route, status) → requests.
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    leads_scored: AtomicU64,
    reloads: AtomicU64,
    reload_failures: AtomicU64,
    /// Responses with an error body (status 400 and above).
    errors: AtomicU64,
    in_flight: AtomicU64,
}

impl Metrics {
    /// A request to `route` is being handled; [`Metrics::finished`] ends it.
    pub fn started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// A request to `route` was answered with `status` after `elapsed`.
    pub fn finished(&self, route: &'static str, status: u16, elapsed: Duration) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        if status >= 400 {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((route, status)).or_default() += 1;
        }
        let seconds = elapsed.as_secs_f64();
        if let Ok(mut latency) = self.latency.lock() {
            let h = latency.entry(route).or_default();
            if let Some(i) = BUCKETS.iter().position(|&le| seconds <= le) {
                h.buckets[i] += 1;
            }
            h.sum += seconds;
            h.count += 1;
        }
    }

    pub fn scored(&self, leads: u64) {
        self.leads_scored.fetch_add(leads, Ordering::Relaxed);
    }

    pub fn reloaded(&self) {
        self.reloads.fetch_add(1, Ordering::Relaxed);
    }

    pub fn reload_failed(&self) {
        self.reload_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition; `version` is the rules' version number in force,
    /// `healthy` whether the latest reload succeeded, `plugins` the plugin host's figures.
    pub fn render(&self, version: u64, healthy: bool, plugins: PluginFigures) -> String {
        let mut out = String::new();
        let head = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        head(
            &mut out,
            "icp_http_requests_total",
            "counter",
            "HTTP requests answered, by route and status.",
        );
        if let Ok(requests) = self.requests.lock() {
            for ((route, status), n) in requests.iter() {
                let _ = writeln!(
                    out,
                    "icp_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        head(
            &mut out,
            "icp_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its response, by route.",
        );
        if let Ok(latency) = self.latency.lock() {
            for (route, h) in latency.iter() {
                let mut cumulative = 0;
                for (le, n) in BUCKETS.iter().zip(h.buckets) {
                    cumulative += n;
                    let _ = writeln!(
                        out,
                        "icp_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                    );
                }
                let _ = writeln!(
                    out,
                    "icp_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                     icp_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                     icp_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count, h.sum, h.count
                );
            }
        }
        let counters = [
            (
                "icp_leads_scored_total",
                "counter",
                "Leads scored or explained.",
                self.leads_scored.load(Ordering::Relaxed),
            ),
            (
                "icp_rules_reloads_total",
                "counter",
                "Edits of the rules loaded and put in force.",
                self.reloads.load(Ordering::Relaxed),
            ),
            (
                "icp_rules_reload_failures_total",
                "counter",
                "Edits of the rules that did not load (the version in force kept serving).",
                self.reload_failures.load(Ordering::Relaxed),
            ),
            (
                "icp_errors_total",
                "counter",
                "Responses with an error body (status 400 and above).",
                self.errors.load(Ordering::Relaxed),
            ),
            (
                "icp_requests_in_flight",
                "gauge",
                "Requests being handled now.",
                self.in_flight.load(Ordering::Relaxed),
            ),
            (
                "icp_rules_version",
                "gauge",
                "The version number of the rules in force (1 at start, one more per reload).",
                version,
            ),
            (
                "icp_rules_healthy",
                "gauge",
                "1 when the latest edit of the rules loaded, 0 when it did not.",
                u64::from(healthy),
            ),
            (
                "icp_plugins_loaded",
                "gauge",
                "Plugin libraries loaded (once, at start).",
                plugins.loaded,
            ),
            (
                "icp_plugins_initialised",
                "gauge",
                "Plugins initialised for the rules (each once for the process).",
                plugins.initialised,
            ),
            (
                "icp_plugin_inits_total",
                "counter",
                "Calls to plugins' init (one per plugin in use unless an init failed).",
                plugins.init_calls,
            ),
        ];
        for (name, kind, help, value) in counters {
            head(&mut out, name, kind, help);
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_is_cumulative_and_counts_every_request() {
        let m = Metrics::default();
        for ms in [0, 3, 3, 700, 20_000] {
            m.started();
            m.finished("/score", 200, Duration::from_millis(ms));
        }
        m.started();
        m.finished("/score", 413, Duration::from_millis(1));
        let text = m.render(1, true, PluginFigures::default());
        assert!(text.contains("icp_http_requests_total{route=\"/score\",status=\"200\"} 5\n"));
        assert!(text.contains("icp_http_requests_total{route=\"/score\",status=\"413\"} 1\n"));
        assert!(text.contains("_bucket{route=\"/score\",le=\"0.0005\"} 1\n"));
        assert!(text.contains("_bucket{route=\"/score\",le=\"0.001\"} 2\n"));
        assert!(text.contains("_bucket{route=\"/score\",le=\"0.005\"} 4\n"));
        assert!(text.contains("_bucket{route=\"/score\",le=\"1\"} 5\n"));
        assert!(text.contains("_bucket{route=\"/score\",le=\"10\"} 5\n"));
        assert!(text.contains("_bucket{route=\"/score\",le=\"+Inf\"} 6\n"));
        assert!(text.contains("icp_http_request_duration_seconds_count{route=\"/score\"} 6\n"));
        assert!(text.contains("icp_errors_total 1\n"));
        assert!(text.contains("icp_requests_in_flight 0\n"));
    }
}
