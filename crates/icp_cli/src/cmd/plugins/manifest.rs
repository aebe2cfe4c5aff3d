//! `icp plugins manifest [LIBRARY…]`: write each plugin's manifest beside its library, so that
//! `icp check --no-plugin-code` can check rules without opening the library.
//!
//! How it works: the libraries named (else the project's plugins, found as for any command)
//! are loaded — the user asked for it — with the trust rules of every run but without the
//! comparison with an existing manifest (which is being rewritten); each plugin's declarations
//! are written as [`Manifest`] to `LIBRARY.manifest.json`, through a temporary file renamed
//! into place, and one line per manifest is printed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use icp_plugin_host::Host;
use icp_plugin_host::manifest::Manifest;

use crate::error::UsageError;
use crate::plugin_search::request;
use crate::project::Project;

/// Writes the manifest of every plugin loaded from `libraries` (else the project's).
pub fn run(project: &Project, libraries: &[PathBuf]) -> Result<ExitCode, UsageError> {
    let mut plugins = request(
        &project.cwd,
        &project.config,
        &project.plugin_flags,
        &project.trust,
    );
    if !libraries.is_empty() {
        plugins.libraries = libraries.iter().map(|p| project.cwd.join(p)).collect();
        plugins.configured.clear();
        plugins.directories.clear();
    }
    plugins.skip_manifest_check = true;
    let host = Host::load(&plugins)?;
    let mut out = String::new();
    for plugin in host.plugins() {
        let signals: Vec<_> = host.catalog().signals_of(&plugin.name).collect();
        let manifest = Manifest::of(&plugin, &signals);
        let path = manifest
            .write(&plugin.file)
            .map_err(|e| UsageError::Write(project.show(&plugin.file), e))?;
        out.push_str(&format!(
            "wrote the manifest of {} {} to {}\n",
            plugin.name,
            plugin.version,
            project.show(&path)
        ));
    }
    if out.is_empty() {
        out.push_str(
            "no plugins loaded: name plugin libraries, or configure plugins in icp.toml\n",
        );
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(ExitCode::SUCCESS)
}
