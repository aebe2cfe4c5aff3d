//! Loads signal plugins at run time and connects them to the engine.
//!
//! How it works: [`Host::load`] takes the plugins a run asks for — `--plugin` flags,
//! `[plugins.NAME]` tables of `icp.toml` (a bare library name found in the `ICP_PLUGIN_PATH`
//! directories, beside the executable or in the per-user plugin home) and every library in
//! the `ICP_PLUGIN_PATH` directories — opens each library with `libloading`, looks up the one entry symbol,
//! checks the table it returns (magic number, size, ABI minor version) before calling
//! anything else, and reads the declarations into a [`SignalCatalog`] the checker resolves
//! `funding.raised_within(90d)` against. Libraries are never unloaded (Rust thread-locals in
//! an unloaded library crash at thread exit), so the table and its declarations stay valid for
//! the process.
//!
//! Scoring then asks for [`Host::prepare`]: it initialises the plugins the rule set uses,
//! with their configuration as JSON (once per host: a later rule set reuses the state,
//! `init.rs`; [`Host::shutdown`] ends them at exit), and resolves each signal's input fields against the
//! schema. [`Signals::fill`] evaluates every distinct signal call of the rule set once per
//! batch — not once per lead, and once for all the ICPs that use it — handing the plugin the
//! batch's own columns (dictionary-encoded text and all) without copying them, then validates
//! what comes back (length, type, text codes, list offsets) before converting it into the
//! batch's signal column and releasing the plugin's memory. Anything wrong — a library that
//! cannot be found or opened, a wrong ABI, an error or panic inside the plugin, a malformed
//! result — is a [`PluginError`] naming the plugin and its file; nothing from a failed call
//! reaches a result.
//!
//! [`Signals::fill_as_of`] does the same for a batch whose leads are evaluated as of different
//! dates (`icp backtest`), one call per signal and date (`as_of`).
//!
//! A plugin configured with `isolate = true` (or a `timeout`) runs in a worker process
//! instead ([`isolate`]): the same calls, over a pipe, so a crash or a hang in it is an error
//! naming it rather than the end of `icp`.
//! Before a library is opened, the request's [`LibraryVet`] (the CLI's trust rules) may refuse
//! it; a manifest beside a library ([`manifest`]) must match what the library declares, and
//! [`manifest::read_manifests`] gives the same catalogue without opening any library.

mod as_of;
mod call;
mod config_keys;
#[cfg(test)]
mod fuzz;
mod init;
mod isolate;
mod load;
pub mod manifest;

use std::path::{Path, PathBuf};

use icp_engine::SignalCatalog;

pub use call::Signals;
pub use isolate::{Isolation, WORKER_SUBCOMMAND, serve_worker, show_duration};
pub use load::{PluginSource, is_plugin_file_name, library_file, library_is_path};

/// Where the plugins of a run come from.
#[derive(Debug, Clone, Default)]
pub struct PluginRequest {
    /// `--plugin PATH` flags.
    pub libraries: Vec<PathBuf>,
    /// `[plugins.NAME]` tables of `icp.toml`.
    pub configured: Vec<Configured>,
    /// Directories every plugin library of which (`libplugin_*.so` …) is loaded
    /// (`ICP_PLUGIN_PATH`).
    pub directories: Vec<PathBuf>,
    /// The per-user plugin directory (`icp plugins install` fills it): the last place a bare
    /// library name is looked up, after `directories` and the executable's directory. Its
    /// libraries are loaded only when a `[plugins.NAME]` table asks for them.
    pub plugin_home: Option<PathBuf>,
    /// Asked about every library before it is opened; an error refuses it.
    pub vet: Option<LibraryVet>,
    /// Load without comparing each library with the manifest beside it (to rewrite it).
    pub skip_manifest_check: bool,
}

/// A check run on a library file before it is opened (the CLI's trust rules: ownership and
/// who may write the file and its directory); `Err` is the reason it is refused.
#[derive(Clone)]
pub struct LibraryVet(pub std::sync::Arc<VetFn>);

/// The function of a [`LibraryVet`].
pub type VetFn = dyn Fn(&Path) -> Result<(), String> + Send + Sync;

impl std::fmt::Debug for LibraryVet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LibraryVet")
    }
}

/// One `[plugins.NAME]` table.
#[derive(Debug, Clone)]
pub struct Configured {
    pub name: String,
    /// `library = "…"`: a path (relative to `base_dir`), or a bare library name looked up
    /// in the plugin directories, beside the `icp` executable and in the plugin home;
    /// `plugin_NAME` if absent.
    pub library: Option<String>,
    /// The rest of the table, as a JSON object.
    pub config_json: String,
    /// The directory of `icp.toml`; relative paths in the configuration start there.
    pub base_dir: PathBuf,
    /// `isolate = true` or `timeout`: run the plugin in a worker process.
    pub isolation: Option<Isolation>,
}

/// A failure at the plugin boundary; each names the plugin (when known) and its file.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("plugin `{name}`: library not found: {path} (looked in {looked})")]
    NotFound {
        name: String,
        path: String,
        looked: String,
    },
    #[error("plugin library {path}: {message}")]
    NotLoadable { path: String, message: String },
    #[error(
        "plugin library {path}: no `icp_plugin_entry_v1` symbol: it is not an icp plugin, or was built for another major version of the plugin ABI"
    )]
    NoEntry { path: String },
    #[error("plugin library {path}: {message}")]
    BadAbi { path: String, message: String },
    #[error("plugin `{name}` ({path}): {message}")]
    Plugin {
        name: String,
        path: String,
        message: String,
    },
    #[error("plugin `{name}` is loaded twice: from {first} and from {second}")]
    Duplicate {
        name: String,
        first: String,
        second: String,
    },
    #[error(
        "icp.toml configures [plugins.{configured}], but {path} is the plugin `{declared}`; rename the table or point `library` at the right file"
    )]
    NameMismatch {
        configured: String,
        declared: String,
        path: String,
    },
    #[error("cannot read the plugin directory {path}: {message}")]
    Directory { path: String, message: String },
    /// An isolated plugin's worker ended: `crashed (signal 11: SIGSEGV)` while `evaluating
    /// `funding.raised_within(90d)``.
    #[error("plugin `{name}` ({path}) {what} while {doing}")]
    Isolated {
        name: String,
        path: String,
        what: String,
        doing: String,
    },
    /// A load error an isolated plugin's worker reported, in the words of the in-process one.
    #[error("{0}")]
    Reported(String),
    #[error("refused to load the plugin library {path}: {message}")]
    Refused { path: String, message: String },
    #[error(
        "plugin library {path} has no manifest {manifest}: write it with `icp plugins manifest {path}` (which loads the library: do it only if you trust it)"
    )]
    NoManifest { path: String, manifest: String },
    #[error("plugin manifest {path}: {message}")]
    BadManifest { path: String, message: String },
    #[error(
        "plugin `{name}`: the manifest {manifest} does not match the library {library} ({difference}); rewrite it with `icp plugins manifest {library}`"
    )]
    StaleManifest {
        name: String,
        library: String,
        manifest: String,
        difference: String,
    },
}

/// A loaded plugin, as `icp plugins` lists it.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub doc: String,
    pub file: PathBuf,
    /// Where it was asked for: a flag, `icp.toml` or a plugin directory.
    pub source: PluginSource,
    pub abi_minor: u32,
    /// The configuration keys it declares it reads (`None`: it does not say).
    pub config_keys: Option<Vec<String>>,
}

/// The loaded plugins and the catalogue of their signals.
#[derive(Debug, Default)]
pub struct Host {
    plugins: Vec<load::Loaded>,
    catalog: SignalCatalog,
    /// For each signal of the catalogue: its plugin and its index in the plugin's table.
    owners: Vec<(usize, u32)>,
    /// Per plugin: the state its `init` returned, once a rule set has used it.
    states: Vec<std::sync::Mutex<Option<init::State>>>,
    /// The `init` calls made (`icp serve`'s `/metrics`).
    init_calls: std::sync::atomic::AtomicU64,
    /// Whether [`Host::shutdown`] has ended the plugins.
    shut_down: std::sync::atomic::AtomicBool,
}

impl Host {
    /// Loads every plugin the request names and reads their declarations; each library is
    /// vetted before it is opened and checked against the manifest beside it, if any.
    pub fn load(request: &PluginRequest) -> Result<Host, PluginError> {
        let plugins = load::load_all(request, |path, source, isolated| {
            if let Some(vet) = &request.vet {
                (vet.0)(path).map_err(|message| PluginError::Refused {
                    path: show(path),
                    message,
                })?;
            }
            let plugin = match isolated {
                Some((name, isolation)) => isolate::open(name, path, source, isolation)?,
                None => load::open(path, source)?,
            };
            if !request.skip_manifest_check {
                manifest::verify(&plugin.info, &plugin.signals)?;
            }
            Ok(plugin)
        })?;
        let mut host = Host::default();
        for plugin in plugins {
            let index = host.plugins.len();
            for (i, decl) in plugin.signals.iter().enumerate() {
                host.catalog.add(decl.clone());
                host.owners.push((index, i as u32));
            }
            host.plugins.push(plugin);
            host.states.push(std::sync::Mutex::new(None));
        }
        Ok(host)
    }

    /// The signals the checker resolves `plugin.signal(…)` calls against.
    pub fn catalog(&self) -> &SignalCatalog {
        &self.catalog
    }

    /// The loaded plugins, in load order.
    pub fn plugins(&self) -> Vec<PluginInfo> {
        self.plugins.iter().map(|p| p.info.clone()).collect()
    }
}

/// Shows a path the way messages do.
fn show(path: &Path) -> String {
    path.display().to_string()
}
