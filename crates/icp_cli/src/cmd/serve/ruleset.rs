//! One version of the rules `icp serve` scores with, and how a version is loaded.
//!
//! How it works: [`Loader::load`] does everything `icp score` does before reading a lead, and
//! refuses what a server cannot do: it re-reads `icp.toml` (when the project has one, under
//! the same trust checks as at start), collects and reads the rule files, compiles them
//! against the plugins loaded at start (each library is loaded and initialised once for the
//! process; an icp.toml whose `[plugins.NAME]` tables differ from those at start is refused
//! until a restart, as is a rule set calling a plugin not loaded, which does not compile),
//! refuses relative thresholds (`percentile`, `median`,
//! `top` tiers: they are computed over a whole lead file, and a request is not one), and
//! prepares the signal calls. Any failure is a [`Failure`] with the checker's diagnostics
//! (as text for the log and as JSON objects for `/healthz`); success is a [`Version`], which
//! the server swaps in whole. [`Loader::fingerprint`] is the content hash of every file a
//! version depends on (icp.toml, the rule files, the list files the rules read), which the
//! watcher compares to notice edits. Hashes are 64-bit FNV-1a, shown as 16 hex digits: they
//! tell versions apart, they are not a security measure.

use std::path::PathBuf;

use icp_diagnostics::Diagnostic;
use icp_engine::ir::RuleSet;
use icp_engine::plan::Plan;
use icp_io::InputConfig;
use icp_plugin_host::{Configured, Host, Signals};

use crate::config::Config;
use crate::project::Project;

/// A loaded, checked rule set with its signal calls ready.
#[derive(Debug)]
pub struct Version {
    /// 1 for the rules loaded at start, then one more per successful reload.
    pub number: u64,
    pub rules: RuleSet,
    pub plan: Plan,
    pub signals: Signals<'static>,
    /// `[input]` of icp.toml: how the posted JSON keys map to fields.
    pub input: InputConfig,
    /// Text cells that would open a spreadsheet formula get a `'` (`[score] escape_formulas`).
    pub guard_formulas: bool,
    /// The rule files and list files, with their hashes.
    pub files: Vec<FileStamp>,
    /// icp.toml, when the project has one.
    pub config: Option<FileStamp>,
    /// The hash of every file of the version.
    pub hash: String,
    /// When it was loaded, in seconds since 1970-01-01 UTC.
    pub loaded_at: u64,
    /// The icp.toml it was loaded with, which later loads start from once it is served.
    project_config: Config,
}

/// A file of a version: its name as messages show it, its size and hash.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileStamp {
    pub path: String,
    pub bytes: u64,
    pub hash: String,
}

/// Why a version did not load.
#[derive(Debug, Clone)]
pub struct Failure {
    /// One line: what failed.
    pub message: String,
    /// The checker's diagnostics as text, without colour (empty when there are none).
    pub text: String,
    /// The same diagnostics as JSON objects (`icp check --format json`).
    pub diagnostics: Vec<serde_json::Value>,
}

impl Failure {
    fn plain(message: String) -> Failure {
        Failure {
            message,
            text: String::new(),
            diagnostics: Vec::new(),
        }
    }
}

/// Loads versions of the rules: the project (its icp.toml re-read at every load), the rule
/// paths of the command line, and the plugins loaded at start.
#[derive(Debug)]
pub struct Loader {
    project: Project,
    paths: Vec<PathBuf>,
    host: &'static Host,
    /// The `[plugins.NAME]` tables the plugins were loaded with at start.
    plugin_tables: Vec<Configured>,
    /// Versions loaded so far.
    loaded: u64,
}

impl Loader {
    pub fn new(project: Project, paths: Vec<PathBuf>, host: &'static Host) -> Loader {
        Loader {
            plugin_tables: project.config.plugins.clone(),
            project,
            paths,
            host,
            loaded: 0,
        }
    }

    /// Loads and checks the rules as the files are now; on success the loader keeps the
    /// icp.toml it read, on failure the one of the last good version.
    pub fn load(&self) -> Result<Version, Failure> {
        let config = self.read_config()?;
        if let Some(table) = changed_plugin_table(&self.plugin_tables, &config.plugins) {
            return Err(Failure::plain(format!(
                "icp.toml changes [plugins.{table}]; plugins are loaded once, when icp serve \
                 starts: restart it to load the new plugin configuration"
            )));
        }
        let project = Project {
            config,
            ..self.project_clone()
        };
        let show_err = |e: crate::error::UsageError| Failure::plain(e.to_string());
        let files = project.rule_files(&self.paths).map_err(show_err)?;
        let sources = project.read_sources(&files).map_err(show_err)?;
        let compiled = icp_engine::compile(&sources, &project.config.schema, self.host.catalog());
        let Some(rules) = compiled.rules else {
            let errors: Vec<Diagnostic> = compiled
                .diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect();
            let diagnostics = icp_diagnostics::render_json(&sources, &errors)
                .lines()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect();
            return Err(Failure {
                message: format!(
                    "the rule set has {}",
                    crate::show::plural(errors.len(), "error")
                ),
                text: icp_diagnostics::render_text(&sources, &errors, false),
                diagnostics,
            });
        };
        if let Some(relative) = rules.relatives.first() {
            return Err(Failure::plain(format!(
                "the rules use `{}`, which is computed over a whole lead file before scoring; \
                 icp serve scores leads a request at a time and cannot compute it",
                relative.text(&rules)
            )));
        }
        // The `[input]` table is checked now, not at the first request.
        (project.config.input)
            .validate(&rules.schema)
            .map_err(|e| Failure::plain(format!("icp.toml {e}")))?;
        let signals = self
            .host
            .prepare(&rules)
            .map_err(|e| Failure::plain(e.to_string()))?;
        let mut stamps = Vec::new();
        for path in files.iter().chain(&rules.list_files) {
            let bytes = std::fs::read(path)
                .map_err(|e| Failure::plain(format!("cannot read {}: {e}", project.show(path))))?;
            stamps.push(FileStamp {
                path: project.show(path),
                bytes: bytes.len() as u64,
                hash: hex(fnv1a(&[&bytes])),
            });
        }
        let config_stamp = match &project.config.path {
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|e| {
                    Failure::plain(format!("cannot read {}: {e}", project.show(path)))
                })?;
                Some(FileStamp {
                    path: project.show(path),
                    bytes: bytes.len() as u64,
                    hash: hex(fnv1a(&[&bytes])),
                })
            }
            None => None,
        };
        let hash = {
            let parts: Vec<&[u8]> = (stamps.iter().chain(&config_stamp))
                .flat_map(|s| [s.path.as_bytes(), s.hash.as_bytes()])
                .collect();
            hex(fnv1a(&parts))
        };
        let plan = Plan::new(&rules);
        let loaded_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(Version {
            number: self.loaded + 1,
            plan,
            signals,
            input: project.config.input.clone(),
            guard_formulas: project.config.score.escape_formulas != Some(false),
            files: stamps,
            config: config_stamp,
            hash,
            loaded_at,
            rules,
            project_config: project.config,
        })
    }

    /// Records that `version` is now served: later loads number after it and read the rule
    /// paths of its icp.toml.
    pub fn accept(&mut self, version: &Version) {
        self.loaded = version.number;
        self.project.config = version.project_config.clone();
    }

    /// The hash of the contents of every file a load reads now (icp.toml, the rule files,
    /// the list files of `served`), and of any error listing them: equal hashes, same load.
    pub fn fingerprint(&self, served: &Version) -> u64 {
        let mut paths: Vec<PathBuf> = self.project.config.path.iter().cloned().collect();
        let mut parts: Vec<Vec<u8>> = Vec::new();
        match self.project.rule_files(&self.paths) {
            Ok(files) => paths.extend(files),
            Err(e) => parts.push(e.to_string().into_bytes()),
        }
        paths.extend(served.rules.list_files.iter().cloned());
        for path in &paths {
            parts.push(path.as_os_str().as_encoded_bytes().to_vec());
            parts.push(std::fs::read(path).unwrap_or_else(|e| e.to_string().into_bytes()));
        }
        let slices: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        fnv1a(&slices)
    }

    /// icp.toml as it is now, checked as at start (who may have written it, the paths it
    /// gives); without one, the configuration found at start.
    fn read_config(&self) -> Result<Config, Failure> {
        let Some(path) = &self.project.config.path else {
            return Ok(self.project.config.clone());
        };
        let fail = |e: String| Failure::plain(format!("{}: {e}", self.project.show(path)));
        let config = Config::load(path).map_err(|e| Failure::plain(e.to_string()))?;
        let trust = &self.project.trust;
        trust.check_config(path).map_err(|e| fail(e.to_string()))?;
        trust
            .confine_config(&config)
            .map_err(|e| Failure::plain(e.to_string()))?;
        Ok(config)
    }

    fn project_clone(&self) -> Project {
        Project {
            cwd: self.project.cwd.clone(),
            config: self.project.config.clone(),
            color: false,
            plugin_flags: self.project.plugin_flags.clone(),
            trust: self.project.trust.clone(),
        }
    }
}

/// The name of a `[plugins.NAME]` table added, removed or changed between `before` and
/// `after`, if any (the first by name).
fn changed_plugin_table(before: &[Configured], after: &[Configured]) -> Option<String> {
    let key = |c: &Configured| {
        (
            c.name.clone(),
            c.library.clone(),
            c.config_json.clone(),
            c.base_dir.clone(),
            c.isolation.clone(),
        )
    };
    let mut names: Vec<&str> = (before.iter().chain(after))
        .map(|c| c.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names.into_iter().find_map(|name| {
        let find = |tables: &[Configured]| tables.iter().find(|c| c.name == name).map(key);
        (find(before) != find(after)).then(|| name.to_string())
    })
}

/// 64-bit FNV-1a over the parts, each followed by its length so that boundaries count.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |byte: u8| {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    };
    for part in parts {
        part.iter().for_each(|&b| eat(b));
        (part.len() as u64)
            .to_le_bytes()
            .into_iter()
            .for_each(&mut eat);
    }
    hash
}

fn hex(hash: u64) -> String {
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_fnv1a_and_counts_boundaries() {
        // FNV-1a of the empty input is the offset basis; of "a", the published value, before
        // the length bytes are mixed in.
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
        assert_eq!(fnv1a(&[b"abc"]), fnv1a(&[b"abc"]));
        assert_eq!(hex(0xab), "00000000000000ab");
    }
}
