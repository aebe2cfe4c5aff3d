//! Where a run's plugins come from: the places the project gives, then the per-user plugin
//! home.
//!
//! How it works: [`load_plugins`] hands the host, in this order, the `--plugin` flags (relative
//! to the working directory), the `[plugins.NAME]` tables of `icp.toml` and the directories of
//! `ICP_PLUGIN_PATH` (every library in them named as a plugin, `libplugin_*.so` and the like,
//! is loaded); a table's bare library name (default
//! `plugin_NAME`) is looked up in those directories, then beside the `icp` executable (where
//! `cargo build` puts the shipped plugins), then in the plugin home. The plugin home is
//! [`plugin_home`]: `$ICP_PLUGIN_HOME`, else `$XDG_DATA_HOME/icp/plugins`, else
//! `~/.local/share/icp/plugins`; `icp plugins install` copies libraries there, and only the
//! ones a table names are loaded from it. Empty variables count as unset. Every library is
//! vetted by the user's [`Trust`] before it is opened, and each plugin's configuration carries
//! the user's allowed paths (see `icp_plugin_api::sdk::confine`). With `code = false`,
//! [`plugin_signals`] reads the manifests beside the libraries instead of opening them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use icp_engine::SignalCatalog;
use icp_plugin_api::sdk::confine::ALLOWED_PATHS_KEY;
use icp_plugin_host::manifest::{Declarations, read_manifests};
use icp_plugin_host::{Configured, Host, LibraryVet, PluginRequest};

use crate::config::Config;
use crate::error::UsageError;
use crate::trust::Trust;

/// The signals of a run's plugins: from the loaded libraries, or from their manifests.
#[derive(Debug)]
pub enum PluginSignals {
    Loaded(Host),
    Declared(Declarations),
}

impl PluginSignals {
    /// The signals the checker resolves `plugin.signal(…)` calls against.
    pub fn catalog(&self) -> &SignalCatalog {
        match self {
            PluginSignals::Loaded(host) => host.catalog(),
            PluginSignals::Declared(declared) => &declared.catalog,
        }
    }
}

/// The signals of the run's plugins: loaded (`code`), or read from the manifests beside the
/// libraries, no library opened.
pub fn plugin_signals(
    cwd: &Path,
    config: &Config,
    flags: &[PathBuf],
    trust: &Trust,
    code: bool,
) -> Result<PluginSignals, UsageError> {
    Ok(if code {
        PluginSignals::Loaded(load_plugins(cwd, config, flags, trust)?)
    } else {
        let declared = read_manifests(&request(cwd, config, flags, trust))?;
        crate::plugin_keys::warn_unknown(&config.plugins, &declared.plugins);
        PluginSignals::Declared(declared)
    })
}

/// Loads the plugins of the `--plugin` flags, of icp.toml and of the `ICP_PLUGIN_PATH`
/// directories, with the plugin home as the last place bare library names are looked up.
pub fn load_plugins(
    cwd: &Path,
    config: &Config,
    flags: &[PathBuf],
    trust: &Trust,
) -> Result<Host, UsageError> {
    let host = Host::load(&request(cwd, config, flags, trust))?;
    crate::plugin_keys::warn_unknown(&config.plugins, &host.plugins());
    Ok(host)
}

/// Where the run's plugins come from, with the trust rules attached.
pub fn request(cwd: &Path, config: &Config, flags: &[PathBuf], trust: &Trust) -> PluginRequest {
    let vetting = trust.clone();
    PluginRequest {
        libraries: flags.iter().map(|p| cwd.join(p)).collect(),
        configured: config
            .plugins
            .iter()
            .map(|c| with_allowed_paths(c, trust))
            .collect(),
        directories: env("ICP_PLUGIN_PATH")
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        plugin_home: plugin_home(),
        vet: Some(LibraryVet(std::sync::Arc::new(move |path| {
            vetting.check_library(path)
        }))),
        skip_manifest_check: false,
    }
}

/// A plugin's configuration with the user's allowed paths under the reserved key (which
/// icp.toml cannot set), for the SDK's path checks.
fn with_allowed_paths(configured: &Configured, trust: &Trust) -> Configured {
    let mut configured = configured.clone();
    let mut table: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&configured.config_json).unwrap_or_default();
    let allowed = trust
        .allowed_paths()
        .iter()
        .map(|p| serde_json::Value::String(p.to_string_lossy().into_owned()))
        .collect();
    table.insert(
        ALLOWED_PATHS_KEY.to_string(),
        serde_json::Value::Array(allowed),
    );
    configured.config_json = serde_json::Value::Object(table).to_string();
    configured
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
