//! The files a run writes, as one set: each whole or not at all, all from the same run.
//!
//! How it works: an [`OutputSet`] is made from every path the run will write (results,
//! rejects, …) before anything is written, and refuses the same file named twice (after
//! canonicalising: `-o x --rejects x`). [`OutputSet::create`] opens a temporary file beside
//! the target, `.NAME.PID-N.partial`, created exclusively (`O_EXCL`) with the mode of any new
//! file, and registers it with the [`cleanup`] module, which removes it on SIGINT or SIGTERM
//! before the process exits (130, 143). [`OutputSet::commit`] — only when the run succeeds —
//! writes every temporary file to disk (`fsync`), then, holding an advisory lock on the
//! targets' directories so two runs' commits never interleave, renames each over its target
//! (an atomic replace: the old file until the rename, the new one after it, never neither) and
//! syncs the directories. An output the run leaves out ([`OutputSet::discard`], a rejects file
//! when no row was rejected) is not created, and an earlier file at its path, from another
//! run, is removed in the same commit, so what lies at the set's paths is always one run's.
//! A set dropped without a commit (an error, a panic) removes its temporary files and leaves
//! the earlier outputs untouched. A target that is not a regular file (`/dev/null`, a pipe) is
//! written directly. A set made with [`OutputSet::new_files`] (`icp init`) never replaces a
//! file: each temporary file is hard-linked to its target, which fails if the target exists,
//! and when one fails the targets linked before it are removed again, so the set is still
//! whole or absent. `kill -9` cannot be caught: it may leave a temporary file, never a
//! half-written output.

mod cleanup;

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// One output of a set: its target, and while it is being written its temporary file.
#[derive(Debug)]
struct Output {
    target: PathBuf,
    /// The temporary file and a handle on it, to sync it before the commit.
    temp: Option<(PathBuf, File)>,
    /// Written directly: the target is a device or a pipe.
    direct: bool,
    discarded: bool,
}

/// Every file a run writes; see the module documentation.
#[derive(Debug)]
pub struct OutputSet {
    outputs: Vec<Output>,
    /// Commit by linking, never replacing an existing file ([`OutputSet::new_files`]).
    new_only: bool,
}

/// The same file given twice as outputs of one run.
#[derive(Debug)]
pub struct SamePath {
    pub first: PathBuf,
    pub second: PathBuf,
}

impl OutputSet {
    /// The outputs of a run, in this order; nothing is created yet. The same file named twice
    /// is refused.
    pub fn new(targets: &[PathBuf]) -> Result<OutputSet, SamePath> {
        for (i, a) in targets.iter().enumerate() {
            if let Some(b) = targets[..i].iter().find(|b| same_file(a, b)) {
                return Err(SamePath {
                    first: b.clone(),
                    second: a.clone(),
                });
            }
        }
        let outputs = targets
            .iter()
            .map(|target| Output {
                target: target.clone(),
                temp: None,
                direct: target.metadata().is_ok_and(|m| !m.is_file()),
                discarded: false,
            })
            .collect();
        Ok(OutputSet {
            outputs,
            new_only: false,
        })
    }

    /// The outputs of a run that creates files and must not replace any: the commit fails,
    /// leaving every target as it was, if one of them exists by then.
    pub fn new_files(targets: &[PathBuf]) -> Result<OutputSet, SamePath> {
        let mut set = OutputSet::new(targets)?;
        set.new_only = true;
        for output in &mut set.outputs {
            output.direct = false;
        }
        Ok(set)
    }

    /// The file to write output `index` to: a new temporary file beside its target (or the
    /// target itself when it is a device or a pipe).
    pub fn create(&mut self, index: usize) -> io::Result<File> {
        let output = &mut self.outputs[index];
        if output.direct {
            return std::fs::OpenOptions::new().write(true).open(&output.target);
        }
        let (path, file) = cleanup::create_temporary(&output.target)?;
        let handle = file.try_clone()?;
        output.temp = Some((path, handle));
        Ok(file)
    }

    /// Leaves output `index` out of the commit: its temporary file is removed, and an earlier
    /// file at its path is removed when the set commits.
    pub fn discard(&mut self, index: usize) {
        let output = &mut self.outputs[index];
        output.discarded = true;
        if let Some((path, _)) = output.temp.take() {
            cleanup::remove(&path);
        }
    }

    /// Puts every output in its target's place; see the module documentation. The files'
    /// writers must have flushed everything they hold. Fails with the path that could not be
    /// committed; outputs already renamed stay, the others keep their earlier files.
    pub fn commit(mut self) -> Result<(), (PathBuf, io::Error)> {
        for output in &self.outputs {
            if let Some((_, file)) = &output.temp {
                file.sync_all().map_err(|e| (output.target.clone(), e))?;
            }
        }
        let mut dirs: Vec<PathBuf> = self
            .outputs
            .iter()
            .filter(|o| !o.direct)
            .map(|o| directory_of(&o.target))
            .collect();
        dirs.sort();
        dirs.dedup();
        // Held until the end of the commit; sorted, so two runs take them in the same order.
        let _locks: Vec<File> = dirs.iter().filter_map(|d| lock_directory(d)).collect();
        if self.new_only {
            return cleanup::while_committing(|| self.link_new());
        }
        cleanup::while_committing(|| {
            for output in &mut self.outputs {
                let failed = |e| (output.target.clone(), e);
                if let Some((path, _)) = &output.temp {
                    std::fs::rename(path, &output.target).map_err(failed)?;
                    output.temp = None;
                } else if output.discarded && !output.direct {
                    match std::fs::remove_file(&output.target) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(failed(e)),
                        _ => {}
                    }
                }
            }
            Ok(())
        })?;
        for dir in &dirs {
            // The renames themselves reach the disk; a directory that cannot be synced (some
            // file systems refuse) is no reason to fail a run whose files are in place.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl OutputSet {
    /// Links every temporary file to its target, none replacing a file; on a failure removes
    /// the targets linked so far. The temporary files are removed when the set is dropped.
    fn link_new(&mut self) -> Result<(), (PathBuf, io::Error)> {
        let mut linked: Vec<&Path> = Vec::new();
        for output in &self.outputs {
            let Some((path, _)) = &output.temp else {
                continue;
            };
            if let Err(e) = std::fs::hard_link(path, &output.target) {
                for target in linked {
                    let _ = std::fs::remove_file(target);
                }
                return Err((output.target.clone(), e));
            }
            linked.push(&output.target);
        }
        Ok(())
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        for output in &mut self.outputs {
            if let Some((path, _)) = output.temp.take() {
                cleanup::remove(&path);
            }
        }
    }
}

/// The directory a target is in (`.` for a bare file name).
fn directory_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An exclusive advisory lock on a directory, released when the file is dropped; `None`
/// where directories cannot be locked (the commit goes on without it).
fn lock_directory(dir: &Path) -> Option<File> {
    let handle = File::open(dir).ok()?;
    handle.lock().ok()?;
    Some(handle)
}

/// Whether two paths name one file: the same path once canonicalised (the file need not
/// exist, its directory must), or the same existing file under two names (a hard link).
pub fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(x), Ok(y)) = (a.metadata(), b.metadata())
        && same_inode(&x, &y)
    {
        return true;
    }
    canonical(a) == canonical(b)
}

#[cfg(unix)]
fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_inode(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// The path with its directory canonicalised (the file itself may not exist yet).
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (std::fs::canonicalize(directory_of(path)), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_commits_whole_or_leaves_the_earlier_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        std::fs::write(&a, "old a").expect("write");
        std::fs::write(&b, "old b").expect("write");
        let listing = || {
            let mut names: Vec<String> = std::fs::read_dir(dir.path())
                .expect("list")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };

        let mut set = OutputSet::new(&[a.clone(), b.clone()]).expect("distinct");
        io::Write::write_all(&mut set.create(0).expect("create"), b"new a").expect("write");
        io::Write::write_all(&mut set.create(1).expect("create"), b"new b").expect("write");
        assert_eq!(listing().len(), 4, "two temporary files beside the targets");
        drop(set);
        assert_eq!(listing(), ["a.csv", "b.csv"]);
        assert_eq!(std::fs::read_to_string(&a).expect("read"), "old a");

        let mut set = OutputSet::new(&[a.clone(), b.clone()]).expect("distinct");
        io::Write::write_all(&mut set.create(0).expect("create"), b"new a").expect("write");
        set.create(1).expect("create");
        set.discard(1);
        set.commit().expect("commit");
        assert_eq!(listing(), ["a.csv"]);
        assert_eq!(std::fs::read_to_string(&a).expect("read"), "new a");
    }

    #[test]
    fn a_set_of_new_files_replaces_nothing_and_stays_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        let mut set = OutputSet::new_files(&[a.clone(), b.clone()]).expect("distinct");
        io::Write::write_all(&mut set.create(0).expect("create"), b"new a").expect("write");
        io::Write::write_all(&mut set.create(1).expect("create"), b"new b").expect("write");
        // Another writer takes b after the set was planned: the commit fails, b is kept and
        // a, already linked, is taken back.
        std::fs::write(&b, "theirs").expect("write");
        let (failed, _) = set.commit().expect_err("b exists");
        assert_eq!(failed, b);
        assert_eq!(std::fs::read_to_string(&b).expect("read"), "theirs");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .collect();
        assert_eq!(names.len(), 1, "only b, no temporary file: {names:?}");

        std::fs::remove_file(&b).expect("remove");
        let mut set = OutputSet::new_files(&[a.clone(), b.clone()]).expect("distinct");
        io::Write::write_all(&mut set.create(0).expect("create"), b"new a").expect("write");
        io::Write::write_all(&mut set.create(1).expect("create"), b"new b").expect("write");
        set.commit().expect("commit");
        assert_eq!(std::fs::read_to_string(&a).expect("read"), "new a");
        assert_eq!(std::fs::read_to_string(&b).expect("read"), "new b");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    }

    #[test]
    fn the_same_file_twice_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.csv");
        let again = dir.path().join(".").join("a.csv");
        assert!(OutputSet::new(&[a.clone(), again]).is_err());
        std::fs::write(&a, "x").expect("write");
        let link = dir.path().join("link.csv");
        std::fs::hard_link(&a, &link).expect("link");
        assert!(OutputSet::new(&[a.clone(), link]).is_err());
        assert!(OutputSet::new(&[a, dir.path().join("b.csv")]).is_ok());
    }
}
