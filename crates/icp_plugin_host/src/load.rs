//! Finding, opening and checking plugin libraries, and reading their declarations.
//!
//! How it works: every library is opened with `libloading` and leaked (never unloaded). The
//! entry symbol is looked up by its versioned name; the table it returns is read only after
//! its magic number, its size and its ABI minor version have been checked, and only the
//! fields of the minor version it declares. Declarations are copied into engine types at
//! once, validating UTF-8 and type codes, so nothing later reads the plugin's memory except
//! through a checked call.
//!
//! [`load_all`] decides which files to open and in which order, and is generic over how a file
//! is opened: [`Host::load`](crate::Host::load) opens libraries, while
//! [`crate::manifest::read_manifests`] reads the manifest beside each file instead, so both
//! find exactly the same files. A directory of `ICP_PLUGIN_PATH` contributes only the files
//! named as plugins ([`is_plugin_file_name`]).

#![allow(unsafe_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use icp_engine::{ParamDecl, SignalDecl, Type};
use icp_plugin_api::ffi::slice;
use icp_plugin_api::{ABI_MINOR, ENTRY_SYMBOL, EntryFn, MAGIC, PluginV1, Str, ty};
use serde::Serialize;

use crate::isolate::{Backend, Isolation};
use crate::{Configured, PluginError, PluginInfo, PluginRequest, config_keys, show};

/// Where a plugin was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PluginSource {
    Flag,
    Config,
    Directory,
}

/// What [`load_all`] needs of an opened plugin, loaded or only described by its manifest.
pub(crate) trait Opened {
    fn info(&self) -> &PluginInfo;
    /// Attaches the `[plugins.NAME]` configuration.
    fn configure(&mut self, config: Configured);
}

impl Opened for Loaded {
    fn info(&self) -> &PluginInfo {
        &self.info
    }
    fn configure(&mut self, config: Configured) {
        self.config = Some(config);
    }
}

/// A loaded, checked plugin.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub info: PluginInfo,
    /// Its table in this process, or its worker when it is isolated.
    pub backend: Backend,
    pub signals: Vec<SignalDecl>,
    /// The `[plugins.NAME]` configuration, if any.
    pub config: Option<Configured>,
}

/// The platform's file name of a library: `libNAME.so`, `libNAME.dylib` or `NAME.dll`.
pub fn library_file(name: &str) -> String {
    libloading::library_filename(name)
        .to_string_lossy()
        .into_owned()
}

/// Whether a file of an `ICP_PLUGIN_PATH` directory is named as a plugin, as `cargo build`
/// names a `plugin_*` crate: `libplugin_*.so`, `libplugin_*.dylib` or `plugin_*.dll`.
pub fn is_plugin_file_name(file: &Path) -> bool {
    let prefix = format!("{}plugin_", std::env::consts::DLL_PREFIX);
    file.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        n.len() > prefix.len() + std::env::consts::DLL_SUFFIX.len()
            && n.starts_with(&prefix)
            && n.ends_with(std::env::consts::DLL_SUFFIX)
    })
}

/// How [`load_all`] asks for a file to be opened: the file, where it was asked for, and the
/// plugin's name and isolation when `icp.toml` asks for it to run in a worker.
pub(crate) type Isolated<'a> = Option<(&'a str, &'a Isolation)>;

/// Opens the libraries of a request with `open`: flags first, then `icp.toml`, then the
/// directories; a plugin name already loaded from the same file is skipped, from another file
/// is an error (except that a directory never overrides a flag or the configuration: two
/// directories, or one directory twice through a link, holding different files of one name is
/// an error). A configured plugin with an isolation is opened isolated (a flag's library
/// again, isolated, when its configuration asks for it).
pub(crate) fn load_all<T: Opened>(
    request: &PluginRequest,
    mut open: impl FnMut(&Path, PluginSource, Isolated<'_>) -> Result<T, PluginError>,
) -> Result<Vec<T>, PluginError> {
    let mut loaded: Vec<T> = Vec::new();
    let add = |plugin: T, loaded: &mut Vec<T>| -> Result<(), PluginError> {
        let info = plugin.info();
        if let Some(other) = loaded.iter().find(|p| p.info().name == info.name) {
            if same_file(&other.info().file, &info.file)
                || (info.source == PluginSource::Directory
                    && other.info().source != PluginSource::Directory)
            {
                return Ok(());
            }
            return Err(PluginError::Duplicate {
                name: info.name.clone(),
                first: show(&other.info().file),
                second: show(&info.file),
            });
        }
        loaded.push(plugin);
        Ok(())
    };
    for path in &request.libraries {
        if !path.is_file() {
            return Err(PluginError::NotFound {
                name: path.display().to_string(),
                path: show(path),
                looked: "the path given with --plugin".to_string(),
            });
        }
        add(open(path, PluginSource::Flag, None)?, &mut loaded)?;
    }
    for configured in &request.configured {
        // A flag may supply the library of a configured plugin.
        if let Some(plugin) = loaded.iter_mut().find(|p| p.info().name == configured.name) {
            if let Some(isolation) = &configured.isolation {
                let (file, source) = (plugin.info().file.clone(), plugin.info().source);
                *plugin = open(&file, source, Some((&configured.name, isolation)))?;
            }
            plugin.configure(configured.clone());
            continue;
        }
        let path = find_library(configured, request)?;
        let isolated = configured
            .isolation
            .as_ref()
            .map(|i| (configured.name.as_str(), i));
        let mut plugin = open(&path, PluginSource::Config, isolated)?;
        if plugin.info().name != configured.name {
            return Err(PluginError::NameMismatch {
                configured: configured.name.clone(),
                declared: plugin.info().name.clone(),
                path: show(&path),
            });
        }
        plugin.configure(configured.clone());
        add(plugin, &mut loaded)?;
    }
    for dir in &request.directories {
        let entries = std::fs::read_dir(dir).map_err(|e| PluginError::Directory {
            path: show(dir),
            message: e.to_string(),
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && is_plugin_file_name(p))
            .collect();
        files.sort();
        for file in files {
            add(open(&file, PluginSource::Directory, None)?, &mut loaded)?;
        }
    }
    Ok(loaded)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Whether a `library` value of icp.toml is a path (relative to icp.toml) rather than a bare
/// library name looked up in the plugin directories.
pub fn library_is_path(library: &str) -> bool {
    library.contains('/') || library.contains('\\') || library.contains('.')
}

/// The file of a configured plugin: `library` as a path relative to `icp.toml`, or a bare
/// name (default `plugin_NAME`) looked up in the plugin directories, beside the executable,
/// then in the plugin home.
fn find_library(configured: &Configured, request: &PluginRequest) -> Result<PathBuf, PluginError> {
    let library = configured
        .library
        .clone()
        .unwrap_or_else(|| format!("plugin_{}", configured.name));
    if library_is_path(&library) {
        let path = configured.base_dir.join(&library);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(PluginError::NotFound {
                name: configured.name.clone(),
                path: show(&path),
                looked: "the `library` path of icp.toml, relative to its directory".to_string(),
            })
        };
    }
    let file = library_file(&library);
    let mut places: Vec<PathBuf> = request.directories.clone();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        places.push(dir);
    }
    places.extend(request.plugin_home.clone());
    for dir in &places {
        let path = dir.join(&file);
        if path.is_file() {
            return Ok(path);
        }
    }
    let looked: Vec<String> = places.iter().map(|p| show(p)).collect();
    Err(PluginError::NotFound {
        name: configured.name.clone(),
        path: file,
        looked: format!(
            "{}; build and install the plugin (`icp plugins install PATH`), or set `library` under [plugins.{}]",
            looked.join(", "),
            configured.name
        ),
    })
}

/// Opens a library, checks its table and reads its declarations.
pub(crate) fn open(path: &Path, source: PluginSource) -> Result<Loaded, PluginError> {
    let bad = |message: String| PluginError::BadAbi {
        path: show(path),
        message,
    };
    // SAFETY: loading a library runs its initialisers; a plugin library is trusted code the
    // user chose to run, as any program they start. `Library::new` reports a file that is not
    // a loadable library as an error.
    let library =
        unsafe { libloading::Library::new(path) }.map_err(|e| PluginError::NotLoadable {
            path: show(path),
            message: format!("not a loadable shared library ({e})"),
        })?;
    // Never unloaded: see the module documentation of the crate.
    let library: &'static libloading::Library = Box::leak(Box::new(library));
    // SAFETY: the symbol's type is fixed by the ABI for this versioned name.
    let entry = unsafe { library.get::<EntryFn>(ENTRY_SYMBOL) }
        .map_err(|_| PluginError::NoEntry { path: show(path) })?;
    // SAFETY: the entry function takes nothing and returns a pointer to a static table (the
    // SDK catches panics inside it).
    let table = unsafe { entry() };
    if table.is_null() {
        return Err(bad(
            "the entry function returned no table (the plugin failed while declaring its signals)"
                .to_string(),
        ));
    }
    // The magic number, the size and the minor version come first in every version of the
    // table; read them, the magic first, before trusting the rest.
    let head = table.cast::<u8>();
    // SAFETY: a non-null table starts with the magic number in every ABI version.
    let magic = unsafe { head.cast::<u64>().read_unaligned() };
    if magic != MAGIC {
        return Err(bad(format!(
            "wrong magic number {magic:#018x} (expected {MAGIC:#018x}, \"ICPPLUGN\"): the entry symbol does not return an icp plugin table"
        )));
    }
    // SAFETY: a table with the magic number has the size and the minor version after it.
    let (size, minor) = unsafe {
        (
            head.add(std::mem::offset_of!(PluginV1, size))
                .cast::<usize>()
                .read_unaligned(),
            head.add(std::mem::offset_of!(PluginV1, abi_minor))
                .cast::<u32>()
                .read_unaligned(),
        )
    };
    if minor > ABI_MINOR {
        return Err(bad(format!(
            "built for plugin ABI 1.{minor}, newer than this icp's 1.{ABI_MINOR}; upgrade icp or rebuild the plugin against an older icp_plugin_api"
        )));
    }
    // The 1.0 layout is this crate's `PluginV1`. A later minor version appends fields, which a
    // newer host reads only from tables whose `abi_minor` says they are there.
    let needed = std::mem::size_of::<PluginV1>();
    if size < needed {
        return Err(bad(format!(
            "its table is {size} bytes, smaller than the {needed} bytes of ABI 1.0"
        )));
    }
    if !table.is_aligned() || !table_arrays_aligned(table) {
        return Err(bad("its table or declarations are not aligned".to_string()));
    }
    // SAFETY: checked above: a table of at least this version's size, valid for the life of
    // the process since the library is never unloaded.
    let table: &'static PluginV1 = unsafe { &*table };
    let text = |s: Str, what: &str| {
        // SAFETY: the table's strings live as long as the library.
        unsafe { s.to_str() }
            .map(str::to_string)
            .ok_or_else(|| bad(format!("its {what} is not UTF-8")))
    };
    let name = text(table.name, "name")?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(bad(format!(
            "`{name}` is not a plugin name (letters, digits and `_`)"
        )));
    }
    let in_plugin = |message: String| PluginError::Plugin {
        name: name.clone(),
        path: show(path),
        message,
    };
    let mut signals = Vec::new();
    // SAFETY: `signals` points to `n_signals` declarations that live as long as the library.
    let decls = unsafe { slice(table.signals, table.n_signals) };
    let mut seen = HashMap::new();
    for decl in decls {
        let signal = text(decl.name, "signal name")?;
        let type_of = |code: u32, what: &str| {
            ty::name(code).and_then(Type::parse).ok_or_else(|| {
                in_plugin(format!(
                    "signal `{signal}` declares {what} with unknown type code {code}"
                ))
            })
        };
        // SAFETY: as above, for the declaration's parameters and inputs.
        let params = unsafe { slice(decl.params, decl.n_params) }
            .iter()
            .map(|p| {
                Ok(ParamDecl {
                    name: text(p.name, "parameter name")?,
                    ty: type_of(p.ty, "a parameter")?,
                    optional: p.optional != 0,
                })
            })
            .collect::<Result<Vec<_>, PluginError>>()?;
        // SAFETY: as above.
        let inputs = unsafe { slice(decl.inputs, decl.n_inputs) }
            .iter()
            .map(|s| text(*s, "input field"))
            .collect::<Result<Vec<_>, PluginError>>()?;
        if seen.insert(signal.clone(), ()).is_some() {
            return Err(in_plugin(format!("declares signal `{signal}` twice")));
        }
        signals.push(SignalDecl {
            plugin: name.clone(),
            name: signal.clone(),
            doc: text(decl.doc, "documentation")?,
            params,
            output: type_of(decl.output, "its output")?,
            inputs,
            order: icp_plugin_api::order_of_flags(decl.flags).map(str::to_string),
        });
    }
    Ok(Loaded {
        info: PluginInfo {
            version: text(table.version, "version")?,
            doc: text(table.doc, "documentation")?,
            name,
            file: path.to_path_buf(),
            source,
            abi_minor: minor,
            config_keys: config_keys::declared(library, path)?,
        },
        backend: Backend::InProcess(table),
        signals,
        config: None,
    })
}

/// Whether the declaration arrays a table points to are aligned for their types.
fn table_arrays_aligned(table: *const PluginV1) -> bool {
    // SAFETY: called on a checked, aligned table of at least this version's size.
    let t = unsafe { &*table };
    if !t.signals.is_aligned() {
        return false;
    }
    // SAFETY: `signals` is aligned and points to `n_signals` declarations.
    unsafe { slice(t.signals, t.n_signals) }
        .iter()
        .all(|d| d.params.is_aligned() && d.inputs.is_aligned())
}
