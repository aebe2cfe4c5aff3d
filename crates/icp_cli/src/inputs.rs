//! Every file a run reads, so that no output of the run can overwrite one of them.
//!
//! How it works: [`files_read`] lists the lead files, the rule files, `icp.toml`, the plugin
//! libraries and every file a plugin's configuration names (any text value, or text in an
//! array, that names an existing file relative to `icp.toml`: the SDK's paths are such values,
//! and a value that happens to name a file only makes the check stricter). `icp score` compares
//! its outputs with these, as the same file after canonicalising, before it writes anything.

use std::path::{Path, PathBuf};

use icp_plugin_host::Host;

use crate::project::Project;

/// The files a run of the project reads: `leads`, `contacts`, the rule files of `rules`
/// (or of icp.toml), icp.toml itself, the plugin libraries and the files their configuration
/// names.
pub fn files_read(
    project: &Project,
    host: &Host,
    rules: &[PathBuf],
    leads: &[&Path],
) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = leads.iter().map(|p| p.to_path_buf()).collect();
    files.extend(project.rule_files(rules).unwrap_or_default());
    files.extend(project.config.path.clone());
    files.extend(host.plugins().into_iter().map(|p| p.file));
    for plugin in &project.config.plugins {
        let table: serde_json::Value =
            serde_json::from_str(&plugin.config_json).unwrap_or_default();
        let mut texts = Vec::new();
        collect_texts(&table, &mut texts);
        files.extend(
            texts
                .into_iter()
                .map(|t| plugin.base_dir.join(t))
                .filter(|p| p.is_file()),
        );
    }
    files
}

/// The text values of a JSON value, in objects and arrays at any depth.
fn collect_texts<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_texts(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_texts(v, out)),
        _ => {}
    }
}
