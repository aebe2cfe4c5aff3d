//! `icp check`: parse and type-check a rule set, report its errors and warnings.
//!
//! How it works: the rule files are compiled against the plugins' signals — loaded, or with
//! `--no-plugin-code` read from the manifests beside the libraries, none opened — and every
//! diagnostic is printed (text, or one JSON object each). In text a summary line follows: the
//! files, ICPs and tests checked and the errors and warnings found. Exit 1 when there are
//! errors, or warnings with `--deny-warnings`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use icp_diagnostics::Severity;

use crate::Format;
use crate::error::UsageError;
use crate::project::{Project, print_diagnostics};
use crate::show::plural;

/// `icp check [PATHS]`.
pub fn run(
    project: &Project,
    paths: &[PathBuf],
    format: Format,
    deny_warnings: bool,
    load_plugin_code: bool,
) -> Result<ExitCode, UsageError> {
    let host = project.plugin_signals(load_plugin_code)?;
    let files = project.rule_files(paths)?;
    let sources = project.read_sources(&files)?;
    let compiled = icp_engine::compile(&sources, &project.config.schema, host.catalog());
    print_diagnostics(&sources, &compiled.diagnostics, format, project.color);
    let errors = compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = compiled.diagnostics.len() - errors;
    if format == Format::Text {
        let mut summary = format!(
            "checked {} ({})",
            plural(files.len(), "file"),
            describe_set(&compiled, files.len())
        );
        summary.push_str(&match (errors, warnings) {
            (0, 0) => ": no problems".to_string(),
            (e, 0) => format!(": {}", plural(e, "error")),
            (0, w) => format!(": {}", plural(w, "warning")),
            (e, w) => format!(": {}, {}", plural(e, "error"), plural(w, "warning")),
        });
        let _ = writeln!(std::io::stdout(), "{summary}");
    }
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `1 ICP, 2 tests`, or `some do not parse` when a file has syntax errors.
fn describe_set(compiled: &icp_engine::Compiled, files: usize) -> String {
    use icp_syntax::ast::Item;
    if compiled.files.len() < files {
        return "some do not parse".to_string();
    }
    let items = || compiled.files.iter().flat_map(|f| &f.items);
    let icps = items().filter(|i| matches!(i, Item::Icp(_))).count();
    let tests = items().filter(|i| matches!(i, Item::Test(_))).count();
    format!("{}, {}", plural(icps, "ICP"), plural(tests, "test"))
}
