//! The project a document belongs to: its `icp.toml`, its schema and its plugins' signals.
//!
//! How it works: a document's project is found as the command line finds it, by walking up
//! from the file's directory to the first `icp.toml` (or the `--config` given to `icp lsp`);
//! a file outside any project, or a document that is not a file, is checked alone against the
//! canonical schema. [`ProjectState::load`] applies the trust model of docs/security.md
//! exactly as `icp check` does — a configuration another user may have written, or whose paths
//! lead out of its project, is refused — and then reads the plugins' signals. An editor opens
//! whatever folder it is given, so plugin code is run only for a trusted project: one whose
//! `icp.toml` lies in a directory listed in `ICP_SAFE_DIRECTORIES` or in `safe_directories`
//! of the user's trust file. Any other project's signals come from the manifests beside the
//! libraries, as `icp check --no-plugin-code` reads them, and no library is opened. A problem
//! (a refused or broken configuration, a missing manifest) is kept as a message for the
//! editor, and the project is checked with what could be read. The configuration's
//! modification time is kept, so an edited `icp.toml` is read again.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use icp_engine::SignalCatalog;
use icp_plugin_host::PluginInfo;

use crate::config::{Config, FILE_NAME};
use crate::plugin_search::{PluginSignals, plugin_signals};
use crate::project::Project;
use crate::trust::Trust;

/// What `icp lsp` was started with.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// `--config`: one configuration for every document.
    pub config: Option<PathBuf>,
    /// `--plugin` flags, resolved against the working directory.
    pub plugin_flags: Vec<PathBuf>,
    /// `--no-plugin-code`: never open a library, even in a trusted project.
    pub no_plugin_code: bool,
}

/// Which project a document belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProjectKey {
    /// The project of this `icp.toml`.
    Config(PathBuf),
    /// No configuration: the document (by its URI) alone.
    Alone(String),
}

impl ProjectKey {
    /// The project of a document at `path` (`None`: not a file), named `uri`.
    pub fn of(options: &ServerOptions, path: Option<&Path>, uri: &str) -> ProjectKey {
        if let Some(config) = &options.config {
            return ProjectKey::Config(config.clone());
        }
        path.and_then(Path::parent)
            .and_then(|dir| {
                dir.ancestors()
                    .map(|d| d.join(FILE_NAME))
                    .find(|candidate| candidate.is_file())
            })
            .map_or_else(|| ProjectKey::Alone(uri.to_string()), ProjectKey::Config)
    }
}

/// A project as loaded: its configuration, its signals and what went wrong reading them.
#[derive(Debug)]
pub struct ProjectState {
    pub project: Project,
    pub signals: SignalCatalog,
    /// The plugins the signals come from.
    pub plugins: Vec<PluginInfo>,
    /// Whether the plugin libraries were opened (a trusted project) or their manifests read.
    pub plugin_code: bool,
    /// Problems to show the user, once.
    pub problems: Vec<String>,
    /// The modification time of `icp.toml` when it was read.
    stamp: Option<SystemTime>,
}

impl ProjectState {
    /// Loads the project of `key`.
    pub fn load(key: &ProjectKey, options: &ServerOptions, trust: &Trust) -> ProjectState {
        let mut problems = Vec::new();
        let (config, stamp) = match key {
            ProjectKey::Config(path) => {
                let stamp = modified(path);
                match load_config(path, trust) {
                    Ok(config) => (config, stamp),
                    Err(problem) => {
                        problems.push(format!(
                            "{problem}; checking with the canonical fields and no plugins"
                        ));
                        (Config::default(), stamp)
                    }
                }
            }
            ProjectKey::Alone(_) => (Config::default(), None),
        };
        let root = config
            .path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let plugin_code = !options.no_plugin_code
            && config
                .path
                .as_deref()
                .is_some_and(|path| trust.is_safe(path));
        let project = Project {
            cwd: root,
            config,
            color: false,
            plugin_flags: options.plugin_flags.clone(),
            trust: trust.clone(),
        };
        let (signals, plugins) = match plugin_signals(
            &project.cwd,
            &project.config,
            &project.plugin_flags,
            &project.trust,
            plugin_code,
        ) {
            Ok(PluginSignals::Loaded(host)) => (host.catalog().clone(), host.plugins()),
            Ok(PluginSignals::Declared(declared)) => (declared.catalog, declared.plugins),
            Err(e) => {
                problems.push(format!("{e}; its signals are unknown"));
                (SignalCatalog::new(), Vec::new())
            }
        };
        ProjectState {
            project,
            signals,
            plugins,
            plugin_code,
            problems,
            stamp,
        }
    }

    /// Whether `icp.toml` changed (or appeared, or went) since it was read.
    pub fn is_stale(&self, key: &ProjectKey) -> bool {
        match key {
            ProjectKey::Config(path) => modified(path) != self.stamp,
            ProjectKey::Alone(_) => false,
        }
    }

    /// The rule files of the project on disk (none for a document alone, or when the
    /// configured rules cannot be listed).
    pub fn rule_files(&self) -> Vec<PathBuf> {
        if self.project.config.path.is_none() {
            return Vec::new();
        }
        self.project.rule_files(&[]).unwrap_or_default()
    }
}

/// Reads `icp.toml` under the trust rules of `icp check`.
fn load_config(path: &Path, trust: &Trust) -> Result<Config, String> {
    trust.check_config(path).map_err(|e| e.to_string())?;
    let config = Config::load(path).map_err(|e| e.to_string())?;
    trust.confine_config(&config).map_err(|e| e.to_string())?;
    Ok(config)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
