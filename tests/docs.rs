//! Every example in `docs/` and `rules/` is executed, so none can go stale.
//!
//! In Markdown, a fence ```` ```icp ```` holds a complete rule file that must check with no
//! diagnostic; ```` ```icp expect=E0004 ```` one that must report that code (several codes may
//! be given, separated by commas), and whose `test` blocks must pass. The files in `rules/` must check with no diagnostic, all
//! together and each directory on its own. Signals are checked against the shipped plugins,
//! built by the test and loaded as the repository's `icp.toml` configures them.

use std::path::{Path, PathBuf};

use icp_diagnostics::SourceMap;
use icp_tests::{codes, icp_files, project_schema, shipped_host, workspace};

struct Example {
    file: String,
    line: usize,
    expect: Vec<String>,
    source: String,
}

fn examples(markdown: &str, file: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```icp") else {
            continue;
        };
        // An example needing a plugin that is not shipped (the guide's `hiring`) is checked
        // by the test that builds that plugin.
        if info.contains("needs=") {
            continue;
        }
        let expect = info
            .trim()
            .strip_prefix("expect=")
            .map(|codes| codes.split(',').map(|c| c.trim().to_string()).collect())
            .unwrap_or_default();
        let mut source = String::new();
        for (_, body) in lines.by_ref() {
            if body.trim_start().starts_with("```") {
                break;
            }
            source.push_str(body);
            source.push('\n');
        }
        out.push(Example {
            file: file.to_string(),
            line: n + 1,
            expect,
            source,
        });
    }
    out
}

fn markdown_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(workspace().join("docs"))
        .expect("docs/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.push(workspace().join("README.md"));
    files.sort();
    files
}

#[test]
fn every_icp_example_in_the_docs_checks_as_documented() {
    let schema = project_schema();
    let host = shipped_host();
    let mut count = 0;
    let mut failures = Vec::new();
    for path in markdown_files() {
        let text = std::fs::read_to_string(&path).expect("readable markdown");
        let name = path
            .strip_prefix(workspace())
            .unwrap_or(&path)
            .display()
            .to_string();
        for example in examples(&text, &name) {
            count += 1;
            let label = format!("{}:{}", example.file, example.line);
            let mut sources = SourceMap::new();
            sources.add(label.clone(), example.source.clone());
            let compiled = icp_engine::compile(&sources, &schema, host.catalog());
            let got: Vec<String> = codes(&compiled.diagnostics)
                .into_iter()
                .map(String::from)
                .collect();
            let ok = if example.expect.is_empty() {
                got.is_empty()
            } else {
                example.expect.iter().all(|c| got.contains(c))
            };
            if !ok {
                let rendered = icp_diagnostics::render_text(&sources, &compiled.diagnostics, false);
                failures.push(format!(
                    "{label}: expected {:?}, got {got:?}\n{rendered}",
                    example.expect
                ));
            }
            // An example's `test` blocks must pass too.
            if let Some(rules) = &compiled.rules {
                let today = icp_syntax::ast::days_from_civil(2026, 11, 23).expect("a date");
                let rules = icp_engine::rule_tests::with_test_thresholds(rules, today);
                for report in icp_engine::rule_tests::run_tests(&rules, today) {
                    if !report.passed() {
                        failures.push(format!(
                            "{label}: test {:?} fails: {:?}",
                            report.label, report.failures
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(count >= 10, "only {count} examples found in docs/");
}

fn check_dir(dir: &Path) -> (usize, Vec<String>) {
    let files = icp_files(dir);
    let mut sources = SourceMap::new();
    for f in &files {
        // Named by their full path: list files (`lines("lists/…")`) are read relative to it.
        sources.add(
            f.display().to_string(),
            std::fs::read_to_string(f).expect("readable"),
        );
    }
    let compiled = icp_engine::compile(&sources, &project_schema(), shipped_host().catalog());
    let rendered = icp_diagnostics::render_text(&sources, &compiled.diagnostics, false);
    let problems = if compiled.diagnostics.is_empty() {
        Vec::new()
    } else {
        vec![rendered]
    };
    (files.len(), problems)
}

#[test]
fn the_rules_directory_checks_clean_as_one_set() {
    let (files, problems) = check_dir(&workspace().join("rules"));
    assert!(files >= 7, "rules/ has only {files} files");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn each_example_rule_set_checks_clean_on_its_own() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("rules"))
        .expect("rules/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 7,
        "expected one directory per example, found {dirs:?}"
    );
    for dir in dirs {
        let (files, problems) = check_dir(&dir);
        assert!(files > 0, "{} has no .icp file", dir.display());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

#[test]
fn every_test_block_in_rules_passes() {
    let mut sources = SourceMap::new();
    for f in &icp_files(&workspace().join("rules")) {
        sources.add(
            f.display().to_string(),
            std::fs::read_to_string(f).expect("readable"),
        );
    }
    let compiled = icp_engine::compile(&sources, &project_schema(), shipped_host().catalog());
    let rules = compiled.rules.expect("rules/ checks");
    let today = icp_syntax::ast::days_from_civil(2026, 11, 23).expect("a date");
    let reports = icp_engine::rule_tests::run_tests(&rules, today);
    assert!(
        reports.len() >= 30,
        "only {} tests in rules/",
        reports.len()
    );
    let failed: Vec<String> = reports
        .iter()
        .filter(|r| !r.passed())
        .map(|r| format!("{}: {:?}", r.label, r.failures))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}
