//! `icp plugins install PATH…`: put plugin libraries in the per-user plugin home, where every
//! `icp` finds them wherever it is installed.
//!
//! How it works: each PATH is either a plugin crate (a directory with a `Cargo.toml`), built
//! with `cargo build --release --manifest-path PATH/Cargo.toml` (cargo's messages go to
//! stderr as usual; the library is the `cdylib` artifact cargo reports for that manifest), or
//! an already built library (`.so`, `.dylib` or `.dll`). The library is loaded and checked as
//! a plugin (entry symbol, ABI, declarations) before anything is copied, then copied into the
//! plugin home ([`crate::plugin_search::plugin_home`]) under its own file name: first to a
//! hidden partial file, then renamed over any earlier copy, so a run using the old library
//! meanwhile keeps a whole file; its manifest (`LIBRARY.manifest.json`, see
//! `icp_plugin_host::manifest`) is written beside the copy the same way, so that
//! `icp check --no-plugin-code` finds it. The paths are installed in order; the first failure stops
//! the command with exit 2 and a one-line message. Installing reads no `icp.toml` and loads no
//! configured plugin: it is how a project whose plugins are missing gets them.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use icp_plugin_host::manifest::Manifest;
use icp_plugin_host::{Host, PluginError, PluginInfo, PluginRequest, library_file};

use crate::plugin_search::plugin_home;
use crate::show::display;

/// Why a path could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{0}: no such file or directory")]
    Missing(String),
    #[error(
        "{0}: not a plugin crate (a directory with a Cargo.toml) nor a plugin library (.so, .dylib or .dll)"
    )]
    NotPlugin(String),
    #[error("cannot run cargo to build {path}: {source}")]
    CargoSpawn {
        path: String,
        source: std::io::Error,
    },
    #[error("cargo build --release failed for {path} ({status}); its messages are above")]
    CargoFailed { path: String, status: String },
    #[error(
        "cargo built no shared library for {0}: a plugin crate sets `crate-type = [\"cdylib\"]` under [lib]"
    )]
    NoLibrary(String),
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error(
        "no plugin directory: set ICP_PLUGIN_HOME (or XDG_DATA_HOME, or HOME) to say where plugins go"
    )]
    NoHome,
    #[error("cannot install {library} into {dir}: {source}")]
    Copy {
        library: String,
        dir: String,
        source: std::io::Error,
    },
}

/// Installs every path in turn; prints one line per plugin installed.
pub fn run(cwd: &Path, paths: &[PathBuf]) -> Result<ExitCode, InstallError> {
    let home = plugin_home().ok_or(InstallError::NoHome)?;
    for path in paths {
        let path = cwd.join(path);
        let library = library_of(cwd, &path)?;
        let (plugin, manifest) = check_plugin(&library, &display(cwd, &path))?;
        let installed = copy_into(&library, &home, cwd)?;
        manifest
            .write(&installed)
            .map_err(|source| InstallError::Copy {
                library: format!("the manifest of {}", display(cwd, &library)),
                dir: home.display().to_string(),
                source,
            })?;
        // The plugin home is the user's, not the project's: shown whole.
        let mut line = format!(
            "installed {} {} to {}",
            plugin.name,
            plugin.version,
            installed.display()
        );
        if let Some(bare) = needs_library_key(&installed, &plugin.name) {
            line.push_str(&format!(
                " (its file is not the default `plugin_{}`: set `library = \"{bare}\"` under [plugins.{}])",
                plugin.name, plugin.name
            ));
        }
        let _ = writeln!(std::io::stdout(), "{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The library to install for `path`: built from the crate there, or the file itself.
fn library_of(cwd: &Path, path: &Path) -> Result<PathBuf, InstallError> {
    let shown = || display(cwd, path);
    if path.is_dir() {
        let manifest = path.join("Cargo.toml");
        if !manifest.is_file() {
            return Err(InstallError::NotPlugin(shown()));
        }
        return build(&manifest, &shown());
    }
    if !path.is_file() {
        return Err(InstallError::Missing(shown()));
    }
    let is_library = path
        .extension()
        .and_then(OsStr::to_str)
        .is_some_and(|e| ["so", "dylib", "dll"].contains(&e));
    if is_library {
        Ok(path.to_path_buf())
    } else {
        Err(InstallError::NotPlugin(shown()))
    }
}

/// Builds the crate of `manifest` in release mode and returns its shared library, as cargo's
/// JSON messages name it.
fn build(manifest: &Path, shown: &str) -> Result<PathBuf, InstallError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--message-format=json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| InstallError::CargoSpawn {
            path: shown.to_string(),
            source,
        })?;
    if !output.status.success() {
        return Err(InstallError::CargoFailed {
            path: shown.to_string(),
            status: output.status.to_string(),
        });
    }
    let ours = std::fs::canonicalize(manifest).unwrap_or_else(|_| manifest.to_path_buf());
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| {
            m["manifest_path"]
                .as_str()
                .is_some_and(|p| std::fs::canonicalize(p).is_ok_and(|p| p == ours))
        })
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "cdylib"))
        })
        .flat_map(|m| {
            m["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(PathBuf::from))
                .collect::<Vec<_>>()
        })
        .find(|f| {
            f.extension()
                .is_some_and(|e| e == std::env::consts::DLL_EXTENSION)
        })
        .ok_or_else(|| InstallError::NoLibrary(shown.to_string()))
}

/// Loads the library the way a run would and returns what it declares, and its manifest: a
/// file that is not an icp plugin (or not of this ABI) fails here, before it is copied.
fn check_plugin(library: &Path, shown: &str) -> Result<(PluginInfo, Manifest), InstallError> {
    let host = Host::load(&PluginRequest {
        libraries: vec![library.to_path_buf()],
        skip_manifest_check: true,
        ..PluginRequest::default()
    })?;
    let plugin = host
        .plugins()
        .into_iter()
        .next()
        .ok_or_else(|| InstallError::NotPlugin(shown.to_string()))?;
    let signals: Vec<_> = host.catalog().signals_of(&plugin.name).collect();
    let manifest = Manifest::of(&plugin, &signals);
    Ok((plugin, manifest))
}

/// Copies `library` into `home` under its file name, replacing an earlier copy whole.
fn copy_into(library: &Path, home: &Path, cwd: &Path) -> Result<PathBuf, InstallError> {
    let failed = |source| InstallError::Copy {
        library: display(cwd, library),
        dir: home.display().to_string(),
        source,
    };
    let name = library
        .file_name()
        .ok_or_else(|| failed(std::io::ErrorKind::InvalidInput.into()))?;
    std::fs::create_dir_all(home).map_err(failed)?;
    let target = home.join(name);
    let partial = home.join(format!(
        ".{}.{}.partial",
        name.to_string_lossy(),
        std::process::id()
    ));
    let copied = std::fs::copy(library, &partial).and_then(|_| std::fs::rename(&partial, &target));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(failed(e));
    }
    Ok(target)
}

/// The `library` value a `[plugins.NAME]` table needs for this file, when the file is not
/// the one the table finds by default (`plugin_NAME`).
fn needs_library_key(file: &Path, plugin: &str) -> Option<String> {
    let name = file.file_name()?.to_str()?;
    if name == library_file(&format!("plugin_{plugin}")) {
        return None;
    }
    let bare = name
        .strip_prefix(std::env::consts::DLL_PREFIX)
        .unwrap_or(name)
        .strip_suffix(std::env::consts::DLL_SUFFIX)
        .unwrap_or(name);
    Some(bare.to_string())
}
