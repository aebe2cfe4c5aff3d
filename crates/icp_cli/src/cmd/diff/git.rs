//! The rule files of `icp diff --base REV`: the same rule paths as the working tree's, read
//! from a git revision.
//!
//! How it works: [`rules_at`] asks `git` (found on `PATH`) for the repository's top directory
//! (`git rev-parse --show-toplevel` in the working directory), checks that the revision names
//! a commit, and for each rule path of the working tree (a file, or a directory searched
//! recursively for `.icp` files, as `--rules` reads them) lists the same path at the revision
//! (`git ls-tree -r`) and reads each file's blob (`git show REV:PATH`) into a source map,
//! named `REV:PATH` in messages. Nothing from the revision is run or written to disk: only
//! rule text is read, and `icp.toml`, the schema and the plugins stay the working tree's. A
//! revision that is not a commit, a path outside the repository or absent at the revision,
//! or a directory without `.icp` files there is an error (exit 2).

use std::path::{Path, PathBuf};
use std::process::Command;

use icp_diagnostics::SourceMap;

use crate::error::UsageError;
use crate::project::Project;

/// Runs `git -C dir ARGS`, returning its standard output, or its error in words.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let message = String::from_utf8_lossy(&out.stderr);
        let first = message.lines().next().unwrap_or("git failed").trim();
        return Err(first.to_string());
    }
    Ok(out.stdout)
}

fn error(message: String) -> UsageError {
    UsageError::Diff(message)
}

/// The rule files at revision `rev` for the working tree's rule paths `roots` (absolute).
pub fn rules_at(project: &Project, rev: &str, roots: &[PathBuf]) -> Result<SourceMap, UsageError> {
    if rev.is_empty() || rev.starts_with('-') {
        return Err(error(format!("--base {rev:?}: not a revision")));
    }
    let top = git(&project.cwd, &["rev-parse", "--show-toplevel"])
        .map_err(|e| error(format!("--base needs a git repository: {e}")))?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches(['\n', '\r']));
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        error(format!(
            "--base {rev}: no such revision in {}",
            project.show(&top)
        ))
    })?;
    let mut files: Vec<String> = Vec::new();
    for root in roots {
        let shown = project.show(root);
        let absolute =
            std::fs::canonicalize(root).map_err(|_| UsageError::Missing(shown.clone()))?;
        let relative = absolute.strip_prefix(&top).map_err(|_| {
            error(format!(
                "{shown}: outside the git repository {}",
                project.show(&top)
            ))
        })?;
        let relative = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let spec = if relative.is_empty() {
            ".".to_string()
        } else {
            relative.clone()
        };
        let listed = git(
            &top,
            &["ls-tree", "-r", "-z", "--name-only", rev, "--", &spec],
        )
        .map_err(|e| error(format!("--base {rev}: {e}")))?;
        let listed: Vec<String> = listed
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        if absolute.is_dir() {
            let before = files.len();
            files.extend(listed.into_iter().filter(|p| p.ends_with(".icp")));
            if files.len() == before {
                return Err(error(format!(
                    "{rev}:{spec}: no .icp files at that revision"
                )));
            }
        } else if listed.contains(&relative) {
            files.push(relative);
        } else {
            return Err(error(format!(
                "{rev}:{relative}: no such file at that revision"
            )));
        }
    }
    files.sort();
    files.dedup();
    let mut sources = SourceMap::new();
    for path in files {
        let name = format!("{rev}:{path}");
        let bytes = git(&top, &["show", &name]).map_err(|e| error(format!("{name}: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| error(format!("{name}: the file is not valid UTF-8")))?;
        sources.add(name, text);
    }
    Ok(sources)
}
