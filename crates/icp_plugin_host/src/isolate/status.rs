//! How a worker process ended, in words: `crashed (signal 11: SIGSEGV)`, `exited with code 3`;
//! and durations as `icp.toml` writes them.
//!
//! How it works: on Unix an [`ExitStatus`] carries the signal that ended the process, named
//! here with the platform's constants from `libc`; elsewhere only an exit code is known.

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// How long a worker whose output has closed is given to finish ending before it is killed.
const GRACE: Duration = Duration::from_secs(2);

/// Waits up to a short grace period for a child that is ending; `None` if it still runs.
pub(super) fn wait_briefly(child: &mut Child) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if start.elapsed() < GRACE => {
                std::thread::sleep(Duration::from_millis(5));
            }
            _ => return None,
        }
    }
}

/// How a worker that ended on its own ended: `crashed (signal 11: SIGSEGV)`.
pub(super) fn describe(status: ExitStatus) -> String {
    match signal_of(status) {
        Some(signal) => format!("crashed ({})", show_signal(signal)),
        None => match status.code() {
            Some(code) => format!("exited unexpectedly with code {code}"),
            None => "ended unexpectedly".to_string(),
        },
    }
}

/// How a worker that was killed ended: `signal 9: SIGKILL`.
pub(super) fn describe_end(status: ExitStatus) -> String {
    match signal_of(status) {
        Some(signal) => show_signal(signal),
        None => format!("exit code {}", status.code().unwrap_or(-1)),
    }
}

#[cfg(unix)]
fn signal_of(status: ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[cfg(not(unix))]
fn signal_of(_status: ExitStatus) -> Option<i32> {
    None
}

/// `signal 11: SIGSEGV`.
fn show_signal(signal: i32) -> String {
    match signal_name(signal) {
        Some(name) => format!("signal {signal}: {name}"),
        None => format!("signal {signal}"),
    }
}

#[cfg(unix)]
fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGSYS => "SIGSYS",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        _ => return None,
    })
}

#[cfg(not(unix))]
fn signal_name(_signal: i32) -> Option<&'static str> {
    None
}

/// A duration as `icp.toml` writes it: `5s`, `1.5s`, `250ms`.
pub fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(show_duration(Duration::from_secs(5)), "5s");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(show_duration(Duration::from_millis(250)), "250ms");
    }
}
