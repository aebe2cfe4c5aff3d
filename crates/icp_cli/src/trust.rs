//! Whom `icp` trusts: the `icp.toml` it reads, the plugin libraries it opens and the files a
//! configuration may point at (the trust model of docs/security.md).
//!
//! How it works: [`Trust::load`] reads the user's allow-lists — `ICP_SAFE_DIRECTORIES`
//! (colon-separated, `*` trusts every directory) and the per-user file
//! `$XDG_CONFIG_HOME/icp/trust.toml` (else `~/.config/icp/trust.toml`) with its
//! `safe_directories` and `allowed_paths` lists. Then, as git does since CVE-2022-24765:
//!
//! - [`Trust::check_config`] refuses an `icp.toml` owned by another user than the effective
//!   one, writable by every user, or in a directory every user may write without the sticky
//!   bit (where anyone could replace it);
//! - [`Trust::check_library`] refuses a plugin library owned by someone else than the user or
//!   root, writable by every user, or in a directory of which either is true (without the
//!   sticky bit); the plugin host asks it before opening any library;
//! - [`Trust::confine`] keeps the paths of `icp.toml` (`[score]` files, `[outcomes] file`, a
//!   plugin's `library`)
//!   inside the project directory or the `allowed_paths` (the SDK applies the same rule to the
//!   paths plugins read, see `icp_plugin_api::sdk::confine`).
//!
//! A directory listed as safe (and everything under it) skips the ownership and permission
//! checks. They use Unix owners and modes; on other systems they are skipped, and only the
//! confinement of paths applies.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use icp_plugin_api::sdk::confine;
use serde::Deserialize;

use crate::config::Config;

/// The user's trust settings.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// Directories (canonical) whose files skip the ownership and permission checks.
    safe_directories: Vec<PathBuf>,
    /// `*` in `ICP_SAFE_DIRECTORIES` or `safe_directories`: every directory is safe.
    trust_all: bool,
    /// Directories outside the project that configured paths may lead to.
    allowed_paths: Vec<PathBuf>,
    /// The per-user trust file, for messages.
    file: Option<PathBuf>,
}

/// A configuration or a library `icp` will not use; the message says how to allow it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TrustError(pub String);

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TrustFile {
    #[serde(default)]
    safe_directories: Vec<String>,
    #[serde(default)]
    allowed_paths: Vec<String>,
}

impl Trust {
    /// Reads `ICP_SAFE_DIRECTORIES` and the per-user trust file, if there is one.
    pub fn load() -> Result<Trust, TrustError> {
        let mut trust = Trust {
            file: trust_file(),
            ..Trust::default()
        };
        if let Some(list) = env("ICP_SAFE_DIRECTORIES") {
            for dir in std::env::split_paths(&list) {
                trust.add_safe(&dir.to_string_lossy());
            }
        }
        let Some(file) = trust.file.clone().filter(|f| f.is_file()) else {
            return Ok(trust);
        };
        let bad = |message: String| TrustError(format!("{}: {message}", file.display()));
        let text = std::fs::read_to_string(&file).map_err(|e| bad(e.to_string()))?;
        let parsed: TrustFile = toml::from_str(&text).map_err(|e| bad(e.message().to_string()))?;
        for dir in &parsed.safe_directories {
            trust.add_safe(dir);
        }
        trust.allowed_paths = parsed
            .allowed_paths
            .iter()
            .map(|p| confine::resolve(Path::new(p)))
            .collect();
        Ok(trust)
    }

    fn add_safe(&mut self, dir: &str) {
        match dir {
            "" => {}
            "*" => self.trust_all = true,
            dir => self.safe_directories.push(confine::resolve(Path::new(dir))),
        }
    }

    /// The directories outside a project its configured paths may lead to.
    pub fn allowed_paths(&self) -> &[PathBuf] {
        &self.allowed_paths
    }

    /// Whether a file lies in a directory the user declared safe (`icp lsp` opens the
    /// plugin libraries of such a project only).
    pub fn is_safe(&self, file: &Path) -> bool {
        let file = confine::resolve(file);
        self.trust_all || self.safe_directories.iter().any(|d| file.starts_with(d))
    }

    /// How to allow a refused file of directory `dir`, for messages.
    fn how_to_allow(&self, dir: &Path) -> String {
        let file = self
            .file
            .as_ref()
            .map_or("~/.config/icp/trust.toml".to_string(), |f| {
                f.display().to_string()
            });
        format!(
            "if you trust it, list {} in ICP_SAFE_DIRECTORIES or in `safe_directories` of {file} (see docs/security.md)",
            dir.display()
        )
    }

    /// Refuses an `icp.toml` another user could have written.
    pub fn check_config(&self, path: &Path) -> Result<(), TrustError> {
        if self.is_safe(path) {
            return Ok(());
        }
        let problem = unsafe_to_trust(path, Owners::UserOnly)
            .map_err(|e| TrustError(format!("cannot read {}: {e}", path.display())))?;
        match problem {
            None => Ok(()),
            Some(problem) => Err(TrustError(format!(
                "refused {}: {problem}, so another user may have written it; {}",
                path.display(),
                self.how_to_allow(path.parent().unwrap_or(path))
            ))),
        }
    }

    /// Refuses a plugin library another user could have written (the host asks before
    /// opening it); the message is the reason.
    pub fn check_library(&self, path: &Path) -> Result<(), String> {
        if self.is_safe(path) {
            return Ok(());
        }
        match unsafe_to_trust(path, Owners::UserOrRoot) {
            Ok(None) => Ok(()),
            Ok(Some(problem)) => Err(format!(
                "{problem}, so another user may have written it; {}",
                self.how_to_allow(path.parent().unwrap_or(path))
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// `path` (from `icp.toml` in `base`) when it stays inside `base` or an allowed
    /// directory; `what` names the key for the message.
    pub fn confine(&self, base: &Path, path: &Path, what: &str) -> Result<PathBuf, TrustError> {
        confine::within(base, path, &self.allowed_paths)
            .map_err(|e| TrustError(format!("icp.toml `{what}`: {e}")))
    }

    /// Refuses a configuration whose paths lead outside its project: the `[score]` files, the
    /// `[outcomes] file` and the `library` of each `[plugins.NAME]` table.
    pub fn confine_config(&self, config: &Config) -> Result<(), TrustError> {
        let Some(base) = config.path.as_deref().and_then(Path::parent) else {
            return Ok(());
        };
        let score = &config.score;
        for (key, path) in [
            ("[score] leads", &score.leads),
            ("[score] contacts", &score.contacts),
            ("[score] output", &score.output),
            ("[score] rejects", &score.rejects),
            ("[score] contacts_out", &score.contacts_out),
            ("[outcomes] file", &config.outcomes.file),
        ] {
            if let Some(path) = path {
                self.confine(base, path, key)?;
            }
        }
        for plugin in &config.plugins {
            if let Some(library) = &plugin.library
                && icp_plugin_host::library_is_path(library)
            {
                let key = format!("[plugins.{}] library", plugin.name);
                self.confine(&plugin.base_dir, Path::new(library), &key)?;
            }
        }
        Ok(())
    }
}

/// Who may own a trusted file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owners {
    /// Only the effective user (a project's `icp.toml`).
    UserOnly,
    /// The effective user or root (plugin libraries and their directories, which a system
    /// installation may own).
    UserOrRoot,
}

/// Why another user could have written `path` (or replaced it in its directory), if they
/// could.
#[cfg(unix)]
fn unsafe_to_trust(path: &Path, owners: Owners) -> std::io::Result<Option<String>> {
    use std::os::unix::fs::MetadataExt;
    let user = rustix::process::geteuid().as_raw();
    let owned =
        |uid: u32, owners: Owners| uid == user || (owners == Owners::UserOrRoot && uid == 0);
    let file = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&file)?;
    if !owned(meta.uid(), owners) {
        return Ok(Some(format!(
            "it is owned by user {}, not by you (user {user})",
            meta.uid()
        )));
    }
    if meta.mode() & 0o002 != 0 {
        return Ok(Some("every user may write it".to_string()));
    }
    let Some(dir) = file.parent() else {
        return Ok(None);
    };
    let dir_meta = std::fs::metadata(dir)?;
    // In a world-writable directory without the sticky bit anyone may replace the file.
    if dir_meta.mode() & 0o002 != 0 && dir_meta.mode() & 0o1000 == 0 {
        return Ok(Some(format!(
            "every user may replace it in its directory {}",
            dir.display()
        )));
    }
    if owners == Owners::UserOrRoot && !owned(dir_meta.uid(), owners) {
        return Ok(Some(format!(
            "its directory {} is owned by user {}, not by you (user {user})",
            dir.display(),
            dir_meta.uid()
        )));
    }
    Ok(None)
}

/// Elsewhere there are no Unix owners and modes to check: nothing is refused.
#[cfg(not(unix))]
fn unsafe_to_trust(path: &Path, _owners: Owners) -> std::io::Result<Option<String>> {
    std::fs::metadata(path).map(|_| None)
}

/// The per-user trust file: `$XDG_CONFIG_HOME/icp/trust.toml`, else
/// `~/.config/icp/trust.toml`.
pub fn trust_file() -> Option<PathBuf> {
    let config = env("XDG_CONFIG_HOME").map(PathBuf::from).or_else(|| {
        env("HOME")
            .or_else(|| env("USERPROFILE"))
            .map(|home| PathBuf::from(home).join(".config"))
    })?;
    Some(config.join("icp/trust.toml"))
}

/// An environment variable, `None` when unset or empty.
fn env(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_others_may_write_are_refused_unless_their_directory_is_safe() {
        let dir = std::env::temp_dir().join(format!("icp-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let file = dir.join("icp.toml");
        std::fs::write(&file, "").expect("write");
        let trust = Trust::default();
        assert!(trust.check_config(&file).is_ok());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let err = trust.check_config(&file).expect_err("world-writable");
        assert!(err.0.contains("every user may write it"), "{err}");
        assert!(err.0.contains("ICP_SAFE_DIRECTORIES"), "{err}");
        assert!(trust.check_library(&file).is_err());
        let mut safe = Trust::default();
        safe.add_safe(&dir.to_string_lossy());
        assert!(safe.check_config(&file).is_ok());
        let mut all = Trust::default();
        all.add_safe("*");
        assert!(all.check_library(&file).is_ok());

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let err = trust
            .check_config(&file)
            .expect_err("world-writable directory");
        assert!(err.0.contains("may replace it"), "{err}");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
        assert!(
            trust.check_config(&file).is_ok(),
            "the sticky bit protects it"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
