//! Keeping the paths a configuration gives inside the project.
//!
//! How it works: a path from `icp.toml` (or from a plugin's `[plugins.NAME]` table) is joined
//! to the project directory, then resolved the way the system will open it — symbolic links
//! followed, `..` taken — with [`resolve`]: the longest part of it that exists is
//! canonicalised and the rest appended, `..` in the rest popping a component. The result must
//! lie inside the canonical project directory or inside one of the directories the user
//! allowed (`allowed_paths` of the per-user `trust.toml`, which `icp` hands to plugins as the
//! reserved configuration key [`ALLOWED_PATHS_KEY`]); otherwise [`within`] refuses it. A path
//! given on the command line is not checked: the user typed it. `icp` and the SDK share this
//! file so that the CLI's `[score]` paths and a plugin's data paths obey one rule.

use std::path::{Component, Path, PathBuf};

/// The configuration key under which `icp` hands a plugin the user's allowed directories (a
/// JSON array of absolute paths). A project's `icp.toml` cannot set it: `icp` refuses keys
/// starting with `$` and always overwrites this one.
pub const ALLOWED_PATHS_KEY: &str = "$allowed_paths";

/// `path` (relative to `base`, or absolute) as the system will open it, when it lies inside
/// `base` or one of `allowed`; else an error message saying where it leads and how to allow
/// it.
pub fn within(base: &Path, path: &Path, allowed: &[PathBuf]) -> Result<PathBuf, String> {
    let joined = base.join(path);
    let resolved = resolve(&joined);
    let inside = |dir: &Path| resolved.starts_with(resolve(dir));
    if inside(base) || allowed.iter().any(|dir| inside(dir)) {
        return Ok(joined);
    }
    Err(format!(
        "{} leads outside the project ({}) to {}; give it on the command line, or allow the directory in `allowed_paths` of the per-user trust.toml (see docs/security.md)",
        path.display(),
        base.display(),
        resolved.display()
    ))
}

/// The absolute path the system opens for `path`: symbolic links of the part that exists
/// followed, `..` and `.` of the rest taken lexically.
pub fn resolve(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    // The longest prefix that exists, canonicalised; the rest appended lexically.
    let components: Vec<Component> = absolute.components().collect();
    for split in (0..=components.len()).rev() {
        let head: PathBuf = components[..split].iter().collect();
        let Ok(mut resolved) = std::fs::canonicalize(&head) else {
            continue;
        };
        for part in &components[split..] {
            match part {
                Component::ParentDir => {
                    resolved.pop();
                }
                Component::CurDir => {}
                other => resolved.push(other.as_os_str()),
            }
        }
        return resolved;
    }
    absolute
}

/// The allowed directories `icp` put under [`ALLOWED_PATHS_KEY`] in a plugin's configuration.
pub fn allowed_paths(config: &serde_json::Map<String, serde_json::Value>) -> Vec<PathBuf> {
    match config.get(ALLOWED_PATHS_KEY) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(PathBuf::from))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_inside_the_project_pass_and_the_rest_are_refused() {
        let project = tempfile_dir("inside");
        std::fs::create_dir_all(project.join("data")).expect("mkdir");
        std::fs::write(project.join("data/a.csv"), "x\n").expect("write");
        assert!(within(&project, Path::new("data/a.csv"), &[]).is_ok());
        assert!(within(&project, Path::new("data/new/b.csv"), &[]).is_ok());
        assert!(within(&project, Path::new("data/../data/a.csv"), &[]).is_ok());
        let err = within(&project, Path::new("../../etc/passwd"), &[]).expect_err("outside");
        assert!(err.contains("leads outside the project"), "{err}");
        assert!(within(&project, Path::new("/etc/passwd"), &[]).is_err());
        assert!(within(&project, Path::new("/etc/passwd"), &[PathBuf::from("/etc")]).is_ok());
        // Not yet existing parts cannot climb out either.
        assert!(within(&project, Path::new("nope/../../x"), &[]).is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", project.join("link")).expect("symlink");
            assert!(within(&project, Path::new("link/passwd"), &[]).is_err());
        }
        let _ = std::fs::remove_dir_all(&project);
    }

    fn tempfile_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("icp-confine-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }
}
