//! `icp plugins`: list the loaded signal plugins, their files and their signals; and
//! `icp plugins install` ([`install`]), which puts plugin libraries in the per-user plugin
//! home.
//!
//! How it works: the plugins are loaded as for any command that reads rules (see
//! [`crate::plugin_search`] for the order of the places searched) and listed in load order,
//! each with its version and the file it was loaded from, then each signal with its
//! signature, documentation and the lead fields it reads. `--format json` prints the same as
//! one JSON document, with `source` saying how the plugin was asked for (`flag`, `config` or
//! `directory`).

pub mod install;
pub mod manifest;

use std::io::Write;
use std::process::ExitCode;

use crate::Format;
use crate::error::UsageError;
use crate::project::Project;

/// `icp plugins`: every loaded plugin with its file and signals.
pub fn run(project: &Project, format: Format) -> Result<ExitCode, UsageError> {
    let host = project.load_plugins()?;
    let catalog = host.catalog();
    let plugins = host.plugins();
    let text = match format {
        Format::Json => {
            let list: Vec<serde_json::Value> = plugins
                .iter()
                .map(|p| {
                    let signals: Vec<serde_json::Value> = catalog
                        .signals_of(&p.name)
                        .map(|s| {
                            serde_json::json!({
                                "name": s.name,
                                "signature": s.signature(),
                                "doc": s.doc,
                                "params": s.params.iter().map(|p| serde_json::json!({
                                    "name": p.name,
                                    "type": p.ty.to_string(),
                                    "optional": p.optional,
                                })).collect::<Vec<_>>(),
                                "output": s.output.to_string(),
                                "inputs": s.inputs,
                            })
                        })
                        .collect();
                    serde_json::json!({
                        "name": p.name,
                        "version": p.version,
                        "doc": p.doc,
                        "file": project.show(&p.file),
                        "source": p.source,
                        "abi": format!("1.{}", p.abi_minor),
                        "signals": signals,
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&serde_json::json!({ "plugins": list }))
                .unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Text => {
            let mut out = String::new();
            if plugins.is_empty() {
                out.push_str(
                    "no plugins loaded: add a [plugins.NAME] table to icp.toml, pass --plugin PATH or set ICP_PLUGIN_PATH\n",
                );
            }
            for p in &plugins {
                out.push_str(&format!(
                    "{} {} ({})\n",
                    p.name,
                    p.version,
                    project.show(&p.file)
                ));
                if !p.doc.is_empty() {
                    out.push_str(&format!("  {}\n", p.doc));
                }
                for s in catalog.signals_of(&p.name) {
                    out.push_str(&format!("\n  {}\n", s.signature()));
                    if !s.doc.is_empty() {
                        out.push_str(&format!("      {}\n", s.doc));
                    }
                    if !s.inputs.is_empty() {
                        out.push_str(&format!("      reads {}\n", s.inputs.join(", ")));
                    }
                }
                out.push('\n');
            }
            out
        }
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}
