//! `icp lsp`: the language server editors start (docs/editor.md).
//!
//! How it works: unlike the other commands it needs no project where it starts — each
//! document finds its own `icp.toml` — so it runs before any configuration is read. It reads
//! the user's trust settings (a broken trust file is shown to the user, and nothing is then
//! trusted, so no plugin code runs), resolves the `--plugin` flags against the working
//! directory and hands over to [`crate::lsp::serve`], which speaks the Language Server
//! Protocol on standard input and output until the editor ends it.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::lsp::ServerOptions;
use crate::trust::Trust;

/// `icp lsp [--no-plugin-code]`, with the global `--config` and `--plugin` flags.
pub fn run(config: Option<PathBuf>, plugins: Vec<PathBuf>, no_plugin_code: bool) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_default();
    let (trust, problem) = match Trust::load() {
        Ok(trust) => (trust, None),
        Err(e) => (
            Trust::default(),
            Some(format!(
                "{e}; no directory is trusted, so no plugin code runs"
            )),
        ),
    };
    let options = ServerOptions {
        config: config.map(|c| cwd.join(c)),
        plugin_flags: plugins.into_iter().map(|p| cwd.join(p)).collect(),
        no_plugin_code,
    };
    crate::lsp::serve(options, trust, problem)
}
