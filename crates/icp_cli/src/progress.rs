//! The progress of a command reading a lead file (`icp score`, `backtest`, `discover`): how
//! much of the file is read, how fast, and how long is left.
//!
//! How it works: the lead reader counts the bytes it takes from the file
//! ([`icp_io::ReadProgress`]); [`Progress::start`] starts a thread that polls that count.
//! On a terminal (stderr is one) it draws an indicatif bar — bytes read of the file's size,
//! throughput, time left — ten times a second, and clears it when the command is done. When
//! stderr is not a terminal nothing is shown, unless `--progress` asks: then a plain line a
//! second (`scoring: read 1.20 MiB of 4.80 MiB (25%), 2.40 MiB/s, 2 seconds left`) and a last
//! one when the file is read, which logs and CI keep readably. Leads from standard input have
//! no size and no count, and no progress.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use icp_io::ReadProgress;
use indicatif::{HumanBytes, HumanDuration, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress display running on its own thread; dropping it stops it (the bar is cleared,
/// the last line written).
#[derive(Debug)]
pub struct Progress {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Shows the reading of `source` as `what` ("scoring"), when stderr is a terminal or
    /// `asked` (`--progress`); `None` when nothing is shown.
    pub fn start(
        asked: bool,
        what: &'static str,
        source: Option<ReadProgress>,
    ) -> Option<Progress> {
        let terminal = std::io::stderr().is_terminal();
        if !terminal && !asked {
            return None;
        }
        let source = source?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("icp-progress".into())
            .spawn(move || {
                if terminal {
                    draw_bar(what, &source, &stopped);
                } else {
                    write_lines(what, &source, &stopped);
                }
            })
            .ok()?;
        Some(Progress {
            stop,
            thread: Some(thread),
        })
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// The indicatif bar, until `stop`.
fn draw_bar(what: &str, source: &ReadProgress, stop: &AtomicBool) {
    let bar = match source.total() {
        Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let template = "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} \
                    {binary_bytes_per_sec}, {eta} left";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    while !stop.load(Ordering::Relaxed) {
        bar.set_position(source.read());
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

/// A plain line a second, and one at the end, until `stop`.
fn write_lines(what: &str, source: &ReadProgress, stop: &AtomicBool) {
    let started = Instant::now();
    let mut last = Instant::now();
    loop {
        let done = stop.load(Ordering::Relaxed);
        if done || last.elapsed() >= Duration::from_secs(1) {
            let line = progress_line(what, source.read(), source.total(), started.elapsed(), done);
            let _ = writeln!(std::io::stderr(), "{line}");
            last = Instant::now();
        }
        if done {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `scoring: read 1.20 MiB of 4.80 MiB (25%), 2.40 MiB/s, 2 seconds left`; at the end,
/// `… in 2 seconds`.
fn progress_line(
    what: &str,
    read: u64,
    total: Option<u64>,
    elapsed: Duration,
    done: bool,
) -> String {
    let seconds = elapsed.as_secs_f64().max(1e-3);
    let rate = read as f64 / seconds;
    let mut line = format!("{what}: read {}", HumanBytes(read));
    if let Some(total) = total.filter(|&t| t > 0) {
        let share = (read.min(total) as f64 / total as f64 * 100.0).floor();
        line.push_str(&format!(" of {} ({share}%)", HumanBytes(total)));
        if !done && rate > 0.0 {
            let left = total.saturating_sub(read) as f64 / rate;
            line.push_str(&format!(
                ", {}/s, {} left",
                HumanBytes(rate as u64),
                HumanDuration(Duration::from_secs_f64(left))
            ));
        }
    }
    if done {
        line.push_str(&format!(" in {}", HumanDuration(elapsed)));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_how_much_is_read_how_fast_and_what_is_left() {
        let line = progress_line(
            "scoring",
            1 << 20,
            Some(4 << 20),
            Duration::from_secs(1),
            false,
        );
        assert_eq!(
            line,
            "scoring: read 1.00 MiB of 4.00 MiB (25%), 1.00 MiB/s, 3 seconds left"
        );
        let end = progress_line(
            "scoring",
            4 << 20,
            Some(4 << 20),
            Duration::from_secs(2),
            true,
        );
        assert_eq!(
            end,
            "scoring: read 4.00 MiB of 4.00 MiB (100%) in 2 seconds"
        );
        let without_size = progress_line("scoring", 10, None, Duration::from_secs(1), false);
        assert_eq!(without_size, "scoring: read 10 B");
    }
}
