//! The temporary files of a run, removed however it ends: by its output set on an error, or
//! here on SIGINT and SIGTERM.
//!
//! How it works: every temporary file is created through [`create_temporary`], which records
//! it in a process-wide registry; [`remove`] and a commit take it out. The first file created
//! installs, once, a thread waiting for SIGINT and SIGTERM (`signal-hook`'s iterator, so the
//! work is done on an ordinary thread, not in a signal handler): on a signal it takes the
//! registry's lock, marks it closed (no file is created after that), removes every file in it,
//! says so on stderr and exits with 128 + the signal (130, 143). A commit renames under the
//! same lock ([`while_committing`]), so a signal lands either before it (the earlier outputs
//! stay) or after it (the new ones are all in place), never between two renames. SIGXFSZ
//! (a file-size limit, `ulimit -f`) is caught too, and does nothing: the write that crossed
//! the limit then fails with an error the run reports (exit 2), instead of the signal killing
//! the process with its temporary files left behind.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

use signal_hook::consts::{SIGINT, SIGTERM, SIGXFSZ};

/// The temporary files that exist now, and whether a signal has closed the registry.
struct Registry {
    files: Vec<PathBuf>,
    closed: bool,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    files: Vec::new(),
    closed: false,
});

static INSTALL: Once = Once::new();

fn registry() -> MutexGuard<'static, Registry> {
    // A panic while the lock was held left the list as it was: still usable.
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Creates a new temporary file beside `target`, `.NAME.PID-N.partial`, never one that exists.
pub(super) fn create_temporary(target: &Path) -> io::Result<(PathBuf, File)> {
    INSTALL.call_once(install_handlers);
    let name = target
        .file_name()
        .map_or("output".into(), |n| n.to_string_lossy());
    let mut registry = registry();
    if registry.closed {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
    }
    for attempt in 0u32.. {
        let path =
            target.with_file_name(format!(".{name}.{}-{attempt}.partial", std::process::id()));
        match File::options().write(true).create_new(true).open(&path) {
            Ok(file) => {
                registry.files.push(path.clone());
                return Ok((path, file));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns by its 1000th attempt")
}

/// Removes a temporary file and forgets it.
pub(super) fn remove(path: &Path) {
    let mut registry = registry();
    let _ = std::fs::remove_file(path);
    registry.files.retain(|p| p != path);
}

/// Runs a commit's renames with no signal handled in between; the renamed files are forgotten.
pub(super) fn while_committing<T>(renames: impl FnOnce() -> T) -> T {
    let mut registry = registry();
    let done = renames();
    // What is still in the list is what was not renamed: the output set removes those.
    registry.files.retain(|p| p.exists());
    done
}

/// The thread that removes the temporary files on SIGINT or SIGTERM, and SIGXFSZ turned into
/// an error of the write that crossed the limit.
fn install_handlers() {
    // A no-op handler: the write fails with EFBIG instead of the process being killed.
    let _ = signal_hook::flag::register(
        SIGXFSZ,
        std::sync::Arc::<std::sync::atomic::AtomicBool>::default(),
    );
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("icp-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let mut registry = registry();
                registry.closed = true;
                let unfinished = !registry.files.is_empty();
                for path in registry.files.drain(..) {
                    let _ = std::fs::remove_file(path);
                }
                let name = if signal == SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
                let outputs = if unfinished {
                    "; nothing was written, earlier outputs are as they were"
                } else {
                    ""
                };
                eprintln!("\nerror: stopped by {name}{outputs}");
                std::process::exit(128 + signal);
            }
        });
}
