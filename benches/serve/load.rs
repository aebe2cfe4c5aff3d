//! A load generator for `icp serve`: N requests a second of one lead each, for S seconds,
//! over HTTP/1.1 keep-alive connections; it reports the errors, the latency percentiles and
//! the server's resident memory over time.
//!
//! How it works: the run is open-loop: request `k` is due at `start + k / rate` whatever
//! happened to the others, and its latency counts from that moment (not from when it was
//! sent), so a slow answer that delays the next requests on its connection shows in the
//! figures instead of being hidden (no coordinated omission). Requests are dealt round-robin
//! to `connections` threads, each with its own keep-alive connection (reopened after an
//! error); request `k` posts lead `k mod leads` as one JSON object. A status other than 200,
//! an I/O error or a malformed answer is an error, counted by kind. Another thread reads the
//! server's `VmRSS` from `/proc/PID/status` once a second (Linux; nothing elsewhere). Only the
//! standard library is used, so the client adds no overhead of its own runtime.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to send.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub addr: SocketAddr,
    /// The endpoint, `/score`.
    pub path: String,
    /// Requests per second.
    pub rate: u32,
    pub seconds: f64,
    pub connections: usize,
    /// Request bodies (one lead each), sent in turn.
    pub bodies: Vec<Vec<u8>>,
    /// The server's process id, for its resident memory.
    pub server_pid: Option<u32>,
}

/// What happened.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub sent: u64,
    pub ok: u64,
    pub errors: u64,
    /// Error kind (`status 429`, `io: …`) → count.
    pub error_kinds: BTreeMap<String, u64>,
    /// Latencies of the successful requests, sorted, in microseconds.
    pub latencies_us: Vec<u64>,
    /// (seconds since the start, resident memory in KiB).
    pub rss_kib: Vec<(f64, u64)>,
    pub elapsed: Duration,
}

impl LoadReport {
    /// The `q` quantile (0 to 1) of the latencies, in microseconds (nearest rank).
    pub fn quantile_us(&self, q: f64) -> u64 {
        if self.latencies_us.is_empty() {
            return 0;
        }
        let rank = (q * self.latencies_us.len() as f64).ceil() as usize;
        self.latencies_us[rank.clamp(1, self.latencies_us.len()) - 1]
    }

    /// The report as text: counts, latencies, then the memory samples.
    pub fn render(&self) -> String {
        let ms = |us: u64| us as f64 / 1000.0;
        let mut out = format!(
            "sent {} requests in {:.1} s ({:.0}/s): {} ok, {} errors\n",
            self.sent,
            self.elapsed.as_secs_f64(),
            self.sent as f64 / self.elapsed.as_secs_f64().max(1e-9),
            self.ok,
            self.errors
        );
        for (kind, n) in &self.error_kinds {
            out.push_str(&format!("  {n} × {kind}\n"));
        }
        out.push_str(&format!(
            "latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms\n",
            ms(self.quantile_us(0.5)),
            ms(self.quantile_us(0.9)),
            ms(self.quantile_us(0.99)),
            ms(self.quantile_us(0.999)),
            ms(self.latencies_us.last().copied().unwrap_or(0)),
        ));
        if let (Some(first), Some(last)) = (self.rss_kib.first(), self.rss_kib.last()) {
            let max = self.rss_kib.iter().map(|s| s.1).max().unwrap_or(0);
            out.push_str(&format!(
                "server RSS: {:.1} MiB at {:.0} s, {:.1} MiB at {:.0} s, at most {:.1} MiB\n",
                first.1 as f64 / 1024.0,
                first.0,
                last.1 as f64 / 1024.0,
                last.0,
                max as f64 / 1024.0
            ));
        }
        out
    }
}

/// Runs the plan and reports.
pub fn run(plan: &LoadPlan) -> LoadReport {
    assert!(!plan.bodies.is_empty(), "at least one request body");
    let total = (f64::from(plan.rate) * plan.seconds).round() as u64;
    let connections = plan.connections.max(1);
    let start = Instant::now() + Duration::from_millis(50);
    let shared = Arc::new(Mutex::new(LoadReport::default()));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = plan.server_pid.map(|pid| {
        let (shared, done) = (Arc::clone(&shared), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Some(kib) = rss_kib(pid)
                    && let Ok(mut report) = shared.lock()
                {
                    report.rss_kib.push((start.elapsed().as_secs_f64(), kib));
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
    });
    let workers: Vec<_> = (0..connections)
        .map(|c| {
            let (plan, shared) = (plan.clone(), Arc::clone(&shared));
            std::thread::spawn(move || {
                let mut connection: Option<Connection> = None;
                let mut local = LoadReport::default();
                let mut k = c as u64;
                while k < total {
                    let due = start + Duration::from_secs_f64(k as f64 / f64::from(plan.rate));
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let body = &plan.bodies[(k % plan.bodies.len() as u64) as usize];
                    local.sent += 1;
                    let answer = match connection.as_mut() {
                        Some(conn) => conn.post(&plan.path, body),
                        None => Connection::open(plan.addr).and_then(|mut conn| {
                            let answer = conn.post(&plan.path, body);
                            connection = Some(conn);
                            answer
                        }),
                    };
                    match answer {
                        Ok(200) => {
                            local.ok += 1;
                            local.latencies_us.push(due.elapsed().as_micros() as u64);
                        }
                        Ok(status) => {
                            local.errors += 1;
                            *local
                                .error_kinds
                                .entry(format!("status {status}"))
                                .or_default() += 1;
                        }
                        Err(e) => {
                            local.errors += 1;
                            *local.error_kinds.entry(format!("io: {e}")).or_default() += 1;
                            connection = None;
                        }
                    }
                    k += connections as u64;
                }
                if let Ok(mut report) = shared.lock() {
                    report.sent += local.sent;
                    report.ok += local.ok;
                    report.errors += local.errors;
                    report.latencies_us.extend(local.latencies_us);
                    for (kind, n) in local.error_kinds {
                        *report.error_kinds.entry(kind).or_default() += n;
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    done.store(true, Ordering::Relaxed);
    if let Some(sampler) = sampler {
        let _ = sampler.join();
    }
    let mut report = std::mem::take(&mut *shared.lock().expect("the report"));
    report.elapsed = start.elapsed();
    report.latencies_us.sort_unstable();
    report
}

/// A keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    host: String,
}

impl Connection {
    fn open(addr: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Connection {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
            host: addr.to_string(),
        })
    }

    /// Posts one JSON body and reads the whole answer; its status.
    fn post(&mut self, path: &str, body: &[u8]) -> std::io::Result<u16> {
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.host,
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        self.writer.write_all(&request)?;
        let malformed = |what: &str| std::io::Error::other(format!("malformed answer: {what}"));
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        let status: u16 = (line.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| malformed("status line"))?;
        let mut length = None;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(malformed("headers cut short"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let length = length.ok_or_else(|| malformed("no Content-Length"))?;
        let mut answer = vec![0; length];
        self.reader.read_exact(&mut answer)?;
        Ok(status)
    }
}

/// The resident memory of process `pid`, in KiB (Linux; `None` elsewhere or once it ended).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let report = LoadReport {
            latencies_us: (1..=100).collect(),
            ..LoadReport::default()
        };
        assert_eq!(report.quantile_us(0.5), 50);
        assert_eq!(report.quantile_us(0.99), 99);
        assert_eq!(report.quantile_us(1.0), 100);
        assert_eq!(report.quantile_us(0.0), 1);
        assert_eq!(LoadReport::default().quantile_us(0.5), 0);
    }
}
