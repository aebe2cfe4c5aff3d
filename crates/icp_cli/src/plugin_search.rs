//! Where a run's plugins come from: the places the project gives, then the per-user plugin
//! home.
//!
//! How it works: [`load_plugins`] hands the host, in this order, the `--plugin` flags (relative
//! to the working directory), the `[plugins.NAME]` tables of `icp.toml` and the directories of
//! `ICP_PLUGIN_PATH` (every library in them is loaded); a table's bare library name (default
//! `plugin_NAME`) is looked up in those directories, then beside the `icp` executable (where
//! `cargo build` puts the shipped plugins), then in the plugin home. The plugin home is
//! [`plugin_home`]: `$ICP_PLUGIN_HOME`, else `$XDG_DATA_HOME/icp/plugins`, else
//! `~/.local/share/icp/plugins`; `icp plugins install` copies libraries there, and only the
//! ones a table names are loaded from it. Empty variables count as unset.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use icp_plugin_host::{Host, PluginRequest};

use crate::config::Config;
use crate::error::UsageError;

/// Loads the plugins of the `--plugin` flags, of icp.toml and of the `ICP_PLUGIN_PATH`
/// directories, with the plugin home as the last place bare library names are looked up.
pub fn load_plugins(cwd: &Path, config: &Config, flags: &[PathBuf]) -> Result<Host, UsageError> {
    let request = PluginRequest {
        libraries: flags.iter().map(|p| cwd.join(p)).collect(),
        configured: config.plugins.clone(),
        directories: env("ICP_PLUGIN_PATH")
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        plugin_home: plugin_home(),
    };
    let host = Host::load(&request)?;
    crate::plugin_keys::warn_unknown(&config.plugins, &host);
    Ok(host)
}

/// The per-user plugin directory: `$ICP_PLUGIN_HOME`, else `$XDG_DATA_HOME/icp/plugins`, else
/// `~/.local/share/icp/plugins`; `None` when not even a home directory is known.
pub fn plugin_home() -> Option<PathBuf> {
    if let Some(home) = env("ICP_PLUGIN_HOME") {
        return Some(PathBuf::from(home));
    }
    let data = env("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| user_home().map(|home| home.join(".local/share")))?;
    Some(data.join("icp/plugins"))
}

/// The user's home directory: `$HOME`, else (on Windows) `$USERPROFILE`.
fn user_home() -> Option<PathBuf> {
    env("HOME")
        .or_else(|| env("USERPROFILE"))
        .map(PathBuf::from)
}

/// An environment variable, `None` when unset or empty.
fn env(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}
