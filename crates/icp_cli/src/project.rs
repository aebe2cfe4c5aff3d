//! The project a command runs in, and what every command that reads rules does first.
//!
//! How it works: [`Project`] holds the working directory, the loaded `icp.toml` (found at or
//! above the working directory, or given with `--config`), whether to colour the output and
//! the `--plugin` flags. Its methods collect the rule files (the paths given, else the `rules`
//! of `icp.toml`; directories searched recursively for `.icp` files, sorted, each file read
//! once however often it is named), read them into a source map, and compile them, printing
//! the rule errors when there are any. Run outside a project (no `icp.toml` here or above,
//! no `rules/` and no rule paths given), they say so and how to start one.

use std::io::Write;
use std::path::{Path, PathBuf};

use icp_diagnostics::{Diagnostic, SourceMap};
use icp_engine::SignalCatalog;
use icp_engine::ir::RuleSet;
use icp_plugin_host::Host;

use crate::Format;
use crate::config::Config;
use crate::error::UsageError;
use crate::plugin_search::PluginSignals;
use crate::show::{display, plural};
use crate::trust::Trust;

/// Where a command runs and with what configuration.
#[derive(Debug)]
pub struct Project {
    pub cwd: PathBuf,
    pub config: Config,
    /// Whether diagnostics are coloured.
    pub color: bool,
    /// `--plugin` flags, as given.
    pub plugin_flags: Vec<PathBuf>,
    /// The user's trust settings (docs/security.md).
    pub trust: Trust,
}

impl Project {
    /// A path as messages show it: relative to the working directory where it can be.
    pub fn show(&self, path: &Path) -> String {
        display(&self.cwd, path)
    }

    /// Loads the run's plugins (see [`crate::plugin_search`]); only the commands that read
    /// rules or leads call it.
    pub fn load_plugins(&self) -> Result<Host, UsageError> {
        crate::plugin_search::load_plugins(&self.cwd, &self.config, &self.plugin_flags, &self.trust)
    }

    /// The signals of the run's plugins: loaded, or (`code = false`) read from the manifests
    /// beside the libraries without opening any.
    pub fn plugin_signals(&self, code: bool) -> Result<PluginSignals, UsageError> {
        crate::plugin_search::plugin_signals(
            &self.cwd,
            &self.config,
            &self.plugin_flags,
            &self.trust,
            code,
        )
    }

    /// The rule files named by `paths` (or by the configuration), sorted, each once.
    pub fn rule_files(&self, paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
        let roots: Vec<PathBuf> = if paths.is_empty() {
            self.config.rules.clone()
        } else {
            paths.iter().map(|p| self.cwd.join(p)).collect()
        };
        let mut files = Vec::new();
        for root in &roots {
            if root.is_dir() {
                let before = files.len();
                collect_icp_files(root, &mut files)
                    .map_err(|e| UsageError::Read(self.show(root), e))?;
                if files.len() == before {
                    return Err(UsageError::NoRules(self.show(root)));
                }
            } else if root.is_file() {
                files.push(root.clone());
            } else if paths.is_empty() && self.config.path.is_none() {
                // No icp.toml, and not even the default rules/: not in a project at all.
                return Err(UsageError::NoProject(self.show(root)));
            } else {
                return Err(UsageError::Missing(self.show(root)));
            }
        }
        // The same file named twice (directly, through an overlapping directory or another
        // spelling of its path) is read once.
        let mut seen = std::collections::HashSet::new();
        files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
        Ok(files)
    }

    /// Reads the rule files into a source map, named as messages show them.
    pub fn read_sources(&self, files: &[PathBuf]) -> Result<SourceMap, UsageError> {
        let mut sources = SourceMap::new();
        for path in files {
            let name = self.show(path);
            let bytes = std::fs::read(path).map_err(|e| UsageError::Read(name.clone(), e))?;
            let text = String::from_utf8(bytes).map_err(|_| {
                UsageError::Read(
                    name.clone(),
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "the file is not valid UTF-8",
                    ),
                )
            })?;
            sources.add(name, text);
        }
        Ok(sources)
    }

    /// Compiles the rule set; on rule errors prints them with `then` ("nothing was scored")
    /// and returns `None` (exit 1).
    pub fn compile_or_report(
        &self,
        signals: &SignalCatalog,
        paths: &[PathBuf],
        then: &str,
    ) -> Result<Option<(RuleSet, SourceMap)>, UsageError> {
        let files = self.rule_files(paths)?;
        let sources = self.read_sources(&files)?;
        Ok(self.compile_sources_or_report(signals, sources, then))
    }

    /// Compiles rule files already read (`icp diff --base` reads them from git); on rule
    /// errors prints them with `then` and returns `None` (exit 1).
    pub fn compile_sources_or_report(
        &self,
        signals: &SignalCatalog,
        sources: SourceMap,
        then: &str,
    ) -> Option<(RuleSet, SourceMap)> {
        let compiled = icp_engine::compile(&sources, &self.config.schema, signals);
        let Some(rules) = compiled.rules else {
            let errors: Vec<Diagnostic> = compiled
                .diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect();
            print_diagnostics(&sources, &errors, Format::Text, self.color);
            let _ = writeln!(
                std::io::stdout(),
                "the rule set has {}; {then}",
                plural(errors.len(), "error")
            );
            return None;
        };
        Some((rules, sources))
    }
}

/// Prints diagnostics on stdout, as text (coloured or not) or one JSON object each.
pub fn print_diagnostics(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    format: Format,
    color: bool,
) {
    let text = match format {
        Format::Text => icp_diagnostics::render_text(sources, diagnostics, color),
        Format::Json => icp_diagnostics::render_json(sources, diagnostics),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
}

fn collect_icp_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_icp_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "icp") {
            out.push(path);
        }
    }
    Ok(())
}
