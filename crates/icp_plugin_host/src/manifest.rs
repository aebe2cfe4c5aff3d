//! Plugin manifests: what a plugin declares, written beside its library, so that rules can be
//! checked without opening (and so running) any library.
//!
//! How it works: a manifest is a JSON file named after the library with `.manifest.json`
//! appended (`libplugin_funding.so.manifest.json`), holding exactly the declarations the host
//! reads from the plugin's table: its name, version, documentation, ABI version and each
//! signal's name, documentation, parameters, output type and the lead fields it reads — the
//! shapes `icp plugins --format json` prints — and the configuration keys the plugin declares
//! it reads (`config_keys`, left out when it declares none, and absent from manifests written
//! before it existed, which still read), so unknown keys are warned without loading code. `icp plugins manifest` and `icp plugins install`
//! write it ([`Manifest::write`], through a temporary file renamed into place) after loading
//! the library, which the user asked for. [`read_manifests`] finds the plugins of a request
//! exactly where [`crate::Host::load`] would (the same search, the same order) but reads each
//! manifest instead of opening the library: a library without one is an error naming it. When
//! a library is loaded and a manifest sits beside it, [`verify`] compares the two; a
//! difference is a stale manifest, an error naming both files (a manifest without
//! `config_keys` is not compared on them). A manifest that declares one signal twice is
//! refused as a library doing so is; two manifests of one plugin name are the loader's
//! "loaded twice" error.

use std::path::{Path, PathBuf};

use icp_engine::{ParamDecl, SignalCatalog, SignalDecl, Type};
use serde::{Deserialize, Serialize};

use crate::load::{Opened, load_all};
use crate::{Configured, PluginError, PluginInfo, PluginRequest, PluginSource, show};

/// What a plugin declares, as its manifest file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    pub doc: String,
    /// `1.MINOR`, the plugin ABI version the library was built for.
    pub abi: String,
    /// The configuration keys the plugin declares it reads; `None` when it does not say
    /// (or the manifest predates the field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_keys: Option<Vec<String>>,
    pub signals: Vec<ManifestSignal>,
}

/// One signal of a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSignal {
    pub name: String,
    pub doc: String,
    pub params: Vec<ManifestParam>,
    pub output: String,
    /// The lead fields the signal reads, such as `company.domain`.
    pub inputs: Vec<String>,
    /// The ordered category of its text values (`round`, …); absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

/// One parameter of a signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestParam {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub optional: bool,
}

/// The manifest file of a library: its file name with `.manifest.json` appended.
pub fn manifest_path(library: &Path) -> PathBuf {
    let mut name = library.file_name().unwrap_or_default().to_os_string();
    name.push(".manifest.json");
    library.with_file_name(name)
}

impl Manifest {
    /// The manifest of a plugin, from its information and its signals' declarations.
    pub fn of(info: &PluginInfo, signals: &[&SignalDecl]) -> Manifest {
        Manifest {
            name: info.name.clone(),
            version: info.version.clone(),
            doc: info.doc.clone(),
            abi: format!("1.{}", info.abi_minor),
            config_keys: info.config_keys.clone(),
            signals: signals
                .iter()
                .map(|s| ManifestSignal {
                    name: s.name.clone(),
                    doc: s.doc.clone(),
                    params: s
                        .params
                        .iter()
                        .map(|p| ManifestParam {
                            name: p.name.clone(),
                            ty: p.ty.to_string(),
                            optional: p.optional,
                        })
                        .collect(),
                    output: s.output.to_string(),
                    inputs: s.inputs.clone(),
                    order: s.order.clone(),
                })
                .collect(),
        }
    }

    /// Reads a manifest file.
    pub fn read(path: &Path) -> Result<Manifest, PluginError> {
        let bad = |message: String| PluginError::BadManifest {
            path: show(path),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| bad(format!("not a plugin manifest: {e}")))
    }

    /// Writes the manifest of `library` beside it, whole or not at all (a temporary file
    /// renamed over the old one); returns its path.
    pub fn write(&self, library: &Path) -> std::io::Result<PathBuf> {
        let path = manifest_path(library);
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        let partial = path.with_file_name(format!(
            ".{}.{}.partial",
            path.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        ));
        let written =
            std::fs::write(&partial, text).and_then(|()| std::fs::rename(&partial, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        written.map(|()| path)
    }

    /// The ABI minor version and the signal declarations, checked as the loader checks a
    /// table's.
    fn declarations(&self) -> Result<(u32, Vec<SignalDecl>), String> {
        let minor = self
            .abi
            .strip_prefix("1.")
            .and_then(|m| m.parse::<u32>().ok())
            .ok_or_else(|| format!("`abi` is {:?}, not 1.MINOR", self.abi))?;
        if minor > icp_plugin_api::ABI_MINOR {
            return Err(format!(
                "built for plugin ABI 1.{minor}, newer than this icp's 1.{}",
                icp_plugin_api::ABI_MINOR
            ));
        }
        let ty = |text: &str, what: &str| {
            Type::parse(text).ok_or_else(|| format!("{what} has unknown type {text:?}"))
        };
        let mut signals: Vec<SignalDecl> = Vec::new();
        for s in &self.signals {
            if signals.iter().any(|seen| seen.name == s.name) {
                return Err(format!("declares signal `{}` twice", s.name));
            }
            let params = s
                .params
                .iter()
                .map(|p| {
                    Ok(ParamDecl {
                        name: p.name.clone(),
                        ty: ty(&p.ty, &format!("parameter `{}` of `{}`", p.name, s.name))?,
                        optional: p.optional,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            signals.push(SignalDecl {
                plugin: self.name.clone(),
                name: s.name.clone(),
                doc: s.doc.clone(),
                params,
                output: ty(&s.output, &format!("the output of `{}`", s.name))?,
                inputs: s.inputs.clone(),
                order: s.order.clone(),
            });
        }
        Ok((minor, signals))
    }

    /// The first difference from `other`, in words, or `None` when they are equal.
    fn difference(&self, other: &Manifest) -> Option<String> {
        if self == other {
            return None;
        }
        let field = |what: &str, a: &str, b: &str| {
            (a != b).then(|| format!("{what}: {a:?} in the manifest, {b:?} in the library"))
        };
        field("name", &self.name, &other.name)
            .or_else(|| field("version", &self.version, &other.version))
            .or_else(|| field("abi", &self.abi, &other.abi))
            .or_else(|| {
                let names = |m: &Manifest| m.signals.iter().map(|s| s.name.clone()).collect();
                let (a, b): (Vec<String>, Vec<String>) = (names(self), names(other));
                (a != b).then(|| {
                    format!(
                        "signals: {} in the manifest, {} in the library",
                        a.join(", "),
                        b.join(", ")
                    )
                })
            })
            .or_else(|| {
                let differs = self
                    .signals
                    .iter()
                    .zip(&other.signals)
                    .find(|(a, b)| a != b);
                differs.map(|(a, _)| format!("signal `{}` is declared differently", a.name))
            })
            .or_else(|| {
                (self.config_keys != other.config_keys).then(|| {
                    let show = |keys: &Option<Vec<String>>| {
                        keys.as_ref().map_or("none declared".to_string(), |k| {
                            format!("[{}]", k.join(", "))
                        })
                    };
                    format!(
                        "configuration keys: {} in the manifest, {} in the library",
                        show(&self.config_keys),
                        show(&other.config_keys)
                    )
                })
            })
            .or_else(|| Some("its documentation differs".to_string()))
    }
}

/// Compares a loaded plugin with the manifest beside its library, if there is one.
pub(crate) fn verify(info: &PluginInfo, signals: &[SignalDecl]) -> Result<(), PluginError> {
    let path = manifest_path(&info.file);
    if !path.is_file() {
        return Ok(());
    }
    let written = Manifest::read(&path)?;
    let mut actual = Manifest::of(info, &signals.iter().collect::<Vec<_>>());
    if written.config_keys.is_none() {
        // Written before manifests held the keys: nothing to compare them with.
        actual.config_keys = None;
    }
    match written.difference(&actual) {
        None => Ok(()),
        Some(difference) => Err(PluginError::StaleManifest {
            name: info.name.clone(),
            library: show(&info.file),
            manifest: show(&path),
            difference,
        }),
    }
}

/// The plugins of a request and their signals, read from their manifests: no library is
/// opened.
#[derive(Debug, Default)]
pub struct Declarations {
    pub catalog: SignalCatalog,
    pub plugins: Vec<PluginInfo>,
}

/// A plugin as its manifest describes it.
struct Described {
    info: PluginInfo,
    signals: Vec<SignalDecl>,
}

impl Opened for Described {
    fn info(&self) -> &PluginInfo {
        &self.info
    }
    fn configure(&mut self, _config: Configured) {}
}

/// Finds the plugins of `request` where [`crate::Host::load`] would and reads their
/// manifests instead of opening them.
pub fn read_manifests(request: &PluginRequest) -> Result<Declarations, PluginError> {
    let described = load_all(
        request,
        |library: &Path, source: PluginSource, _isolated| {
            let path = manifest_path(library);
            if !path.is_file() {
                return Err(PluginError::NoManifest {
                    path: show(library),
                    manifest: show(&path),
                });
            }
            let manifest = Manifest::read(&path)?;
            let (abi_minor, signals) =
                manifest
                    .declarations()
                    .map_err(|message| PluginError::BadManifest {
                        path: show(&path),
                        message,
                    })?;
            Ok(Described {
                info: PluginInfo {
                    name: manifest.name,
                    version: manifest.version,
                    doc: manifest.doc,
                    file: library.to_path_buf(),
                    source,
                    abi_minor,
                    config_keys: manifest.config_keys,
                },
                signals,
            })
        },
    )?;
    let mut declarations = Declarations::default();
    for plugin in described {
        for signal in plugin.signals {
            declarations.catalog.add(signal);
        }
        declarations.plugins.push(plugin.info);
    }
    Ok(declarations)
}
