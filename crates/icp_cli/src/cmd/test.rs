//! `icp test`: run every `test` block of a rule set.
//!
//! How it works: the rule set is compiled against the plugins' signals (loaded, or with
//! `--no-plugin-code` read from their manifests) — rule errors are printed and nothing runs,
//! exit 1;
//! the engine runs each test's lead through the rules as of the `--as-of` date. A passing test
//! is one `ok` line; a failing one names each failed expectation with its location, what was
//! expected and what came out, then explains the ICPs concerned and the contacts' personas.
//! Exit 1 if any expectation fails.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::args::as_of_date;
use crate::error::UsageError;
use crate::project::Project;

/// `icp test [PATHS] [--as-of DATE]`.
pub fn run(
    project: &Project,
    paths: &[PathBuf],
    as_of: Option<&str>,
    load_plugin_code: bool,
) -> Result<ExitCode, UsageError> {
    let plugins = project.plugin_signals(load_plugin_code)?;
    let today = as_of_date(as_of)?;
    let Some((rules, sources)) =
        project.compile_or_report(plugins.catalog(), paths, "no test was run")?
    else {
        return Ok(ExitCode::from(1));
    };
    // Relative thresholds: over the leads of all the test blocks.
    let rules = icp_engine::rule_tests::with_test_thresholds(&rules, today);
    let reports = icp_engine::rule_tests::run_tests(&rules, today);
    let mut out = String::new();
    let mut failed = 0;
    for report in &reports {
        if report.passed() {
            out.push_str(&format!("test {} ... ok\n", report.label));
            continue;
        }
        failed += 1;
        out.push_str(&format!("test {} ... FAILED\n", report.label));
        let mut explained = Vec::new();
        for failure in &report.failures {
            let file = sources.file(failure.span.file);
            let at = sources.location(failure.span);
            out.push_str(&format!(
                "  {}:{}:{}: expected {}, got {}\n",
                file.name(),
                at.line,
                at.column,
                failure.expected,
                failure.actual
            ));
            if !explained.contains(&failure.icp) {
                explained.push(failure.icp);
            }
        }
        for icp in explained {
            out.push_str(&icp_engine::explain::explain_icp(
                &report.result.icps[icp],
                2,
            ));
        }
        out.push_str(&icp_engine::explain::explain_personas(&report.result, 2));
    }
    out.push_str(&format!(
        "{} passed, {failed} failed\n",
        reports.len() - failed
    ));
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
