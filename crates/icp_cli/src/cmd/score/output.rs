//! The files `icp score` writes besides standard output: results through a partial file, and
//! a rejects file created only when a row is rejected.
//!
//! How it works: [`Partial`] writes the results to `.NAME.PID.partial` beside the output and
//! puts it in the output's place on [`Partial::commit`]; dropped uncommitted (a failed run) it
//! removes the partial file, so no results that look complete are left. [`LazyFile`] keeps
//! what is written in memory until a second line (a header and a rejected row) arrives, and
//! only then creates the file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The rejects file, created only when the first rejected row arrives: until then what is
/// written (the header line) waits in memory.
pub struct LazyFile {
    path: PathBuf,
    pending: Vec<u8>,
    file: Option<std::fs::File>,
}

impl LazyFile {
    /// A file at `path`, not created yet.
    pub fn new(path: PathBuf) -> LazyFile {
        LazyFile {
            path,
            pending: Vec::new(),
            file: None,
        }
    }
}

impl Write for LazyFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(f) = &mut self.file {
            return f.write(buf);
        }
        self.pending.extend_from_slice(buf);
        // A header and at least one row: now the file is worth creating.
        if self.pending.iter().filter(|b| **b == b'\n').count() >= 2 {
            let mut f = std::fs::File::create(&self.path)?;
            f.write_all(&self.pending)?;
            self.pending.clear();
            self.file = Some(f);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

/// Whether two paths name one existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// A results file being written: `.NAME.PID.partial` beside the output, removed unless
/// [`Partial::commit`] puts it in the output's place.
pub struct Partial {
    path: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Partial {
    /// The partial file for `target`, created and open for writing.
    pub fn create(target: &Path) -> std::io::Result<(Partial, std::fs::File)> {
        // A device or a pipe (`-o /dev/null`) is written directly.
        if target.metadata().is_ok_and(|m| !m.is_file()) {
            let file = std::fs::OpenOptions::new().write(true).open(target)?;
            let partial = Partial {
                path: target.to_path_buf(),
                target: target.to_path_buf(),
                committed: true,
            };
            return Ok((partial, file));
        }
        let name = target
            .file_name()
            .map_or("results".into(), |n| n.to_string_lossy());
        // The process id keeps two runs writing the same output from sharing a partial file.
        let path = target.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let file = std::fs::File::create(&path)?;
        let partial = Partial {
            path,
            target: target.to_path_buf(),
            committed: false,
        };
        Ok((partial, file))
    }

    /// Puts the partial file in the output's place. An earlier output is removed first rather
    /// than renamed over: on ext4 (its `auto_da_alloc` default) a rename over a file writes the
    /// new one back to disk at once, in the rename, which kept a run on a million companies
    /// waiting 50–70 ms for the disk. Removed first, the results are written back later in
    /// the background, like any new file's. The output is gone for the moment between the two
    /// calls; a run that fails before it leaves any earlier output untouched, and should the
    /// rename fail after the removal, the partial file is kept and named in the error.
    pub fn commit(mut self) -> std::io::Result<()> {
        if !self.committed {
            match std::fs::remove_file(&self.target) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            if let Err(e) = std::fs::rename(&self.path, &self.target) {
                self.committed = true;
                let kept = format!("{e} (the results are in {})", self.path.display());
                return Err(std::io::Error::new(e.kind(), kept));
            }
            self.committed = true;
        }
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
