//! One file per diagnostic case: `tests/cases/{errors,warnings,valid}/*.icp`.
//!
//! Each file starts with a header comment `# expect: E0004 W0003 …` (or `# expect: nothing`)
//! naming the codes it must produce. The test checks the codes, then snapshots the source and
//! its rendered diagnostics together, so a reviewer sees both in one place.

use std::collections::BTreeSet;
use std::path::Path;

use icp_diagnostics::ALL_CODES;
use icp_tests::{check_sources, codes, test_signals, workspace};

fn case_schema() -> icp_engine::Schema {
    icp_cli::config::Config::load(&workspace().join("tests/cases/icp.toml"))
        .expect("tests/cases/icp.toml loads")
        .schema
}

fn expected_codes(source: &str) -> BTreeSet<String> {
    let header = source
        .lines()
        .find_map(|l| l.strip_prefix("# expect:"))
        .expect("every case file starts with `# expect: …`");
    header
        .split_whitespace()
        .filter(|w| *w != "nothing")
        .map(str::to_string)
        .collect()
}

fn case_name(path: &Path) -> String {
    let root = workspace().join("tests/cases");
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn diagnostics_cases() {
    // Case files are named relative to `tests/cases`, and the list files they read
    // (`lines("lists/…")`) are found relative to their names.
    std::env::set_current_dir(workspace().join("tests/cases")).expect("tests/cases exists");
    let schema = case_schema();
    let signals = test_signals();
    insta::glob!("cases/**/*.icp", |path| {
        let source = std::fs::read_to_string(path).expect("case file is readable");
        let name = case_name(path);
        let (compiled, _, rendered) = check_sources(&[(&name, &source)], &schema, &signals);
        let got: BTreeSet<String> = codes(&compiled.diagnostics)
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            got,
            expected_codes(&source),
            "codes reported for {name}:\n{rendered}"
        );
        insta::assert_snapshot!(format!("--- {name}\n{source}--- diagnostics\n{rendered}"));
    });
}

#[test]
fn every_code_has_a_case() {
    let mut covered = BTreeSet::new();
    for dir in ["errors", "warnings"] {
        for entry in std::fs::read_dir(workspace().join("tests/cases").join(dir)).expect("case dir")
        {
            let path = entry.expect("entry").path();
            // Beside the case files: the list files some of them read.
            if path.extension().is_none_or(|e| e != "icp") {
                continue;
            }
            let source = std::fs::read_to_string(path).expect("case");
            covered.extend(expected_codes(&source));
        }
    }
    let missing: Vec<&str> = ALL_CODES
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !covered.contains(*c))
        .collect();
    assert!(missing.is_empty(), "codes without a case file: {missing:?}");
}

#[test]
fn duplicate_names_across_files() {
    let (compiled, _, rendered) = check_sources(
        &[
            (
                "a.icp",
                "let geo = company.country in [\"US\"]\nicp a { require geo }\n",
            ),
            (
                "b.icp",
                "let geo = company.country == \"DE\"\nicp b { require geo }\n",
            ),
        ],
        &case_schema(),
        &test_signals(),
    );
    assert_eq!(codes(&compiled.diagnostics), ["E0009"]);
    assert!(rendered.contains("b.icp:1:5"), "{rendered}");
    assert!(
        rendered.contains("a.icp:1:5"),
        "the first definition is shown: {rendered}"
    );
}

#[test]
fn definitions_may_come_in_any_order_and_file() {
    let (compiled, _, rendered) = check_sources(
        &[
            (
                "icp.icp",
                "icp a {\n  require big\n  score 5 \"exec\" when any contact where exec\n}\n",
            ),
            (
                "defs.icp",
                "let big = company.employees >= medium * 2\nlet medium = 100\npersona exec when contact.seniority == \"VP\"\n",
            ),
        ],
        &case_schema(),
        &test_signals(),
    );
    assert!(compiled.diagnostics.is_empty(), "{rendered}");
    assert!(compiled.rules.is_some());
}

#[test]
fn a_syntax_error_in_one_file_still_reports_the_others() {
    let (compiled, _, _) = check_sources(
        &[("a.icp", "let x = \n"), ("b.icp", "icp b { require ( }\n")],
        &case_schema(),
        &test_signals(),
    );
    assert_eq!(codes(&compiled.diagnostics), ["E0001", "E0001"]);
    assert!(compiled.rules.is_none());
}

#[test]
fn max_and_min_score_respect_group_caps_and_negative_points() {
    let source = "icp a {\n  score 20 \"a\" when company.employees > 10\n  score -30 \"b\" when company.revenue > 1M\n  group \"g\" max 30 {\n    score 25 \"c\" when company.founded > 2000\n    score 15 \"d\" when company.city == \"Paris\"\n    score -5 \"e\" when company.state == \"CA\"\n  }\n  tier A when score >= 50\n}\n";
    let (compiled, _, rendered) =
        check_sources(&[("a.icp", source)], &case_schema(), &test_signals());
    let rules = compiled.rules.expect(&rendered);
    let icp = rules.icp("a").expect("icp a");
    assert_eq!(icp.max_score, 50.0);
    assert_eq!(icp.min_score, -35.0);
}

#[test]
fn labels_default_to_the_condition_text() {
    let source = "icp a {\n  score 5 when company.employees\n      between 10 and 20\n  require company.country == \"US\"\n}\n";
    let (compiled, _, rendered) =
        check_sources(&[("a.icp", source)], &case_schema(), &test_signals());
    let rules = compiled.rules.expect(&rendered);
    let icp = &rules.icps[0];
    assert_eq!(icp.scores[0].label, "company.employees between 10 and 20");
    assert_eq!(icp.requires[0].label, "company.country == \"US\"");
}

#[test]
fn identical_signal_calls_are_interned_once() {
    let source = "icp a {\n  score 5 \"a\" when funding.raised_within(90d)\n  score 5 \"b\" when funding.raised_within(within: 90d) and company.employees > 5\n  score 5 \"c\" when funding.raised_within(30d)\n}\n";
    let (compiled, _, rendered) =
        check_sources(&[("a.icp", source)], &case_schema(), &test_signals());
    let rules = compiled.rules.expect(&rendered);
    assert_eq!(rules.signal_calls.len(), 2);
}

#[test]
fn the_generated_benchmark_rule_set_checks_clean() {
    let sources = icp_benches::rule_set(20);
    let compiled = icp_engine::compile(
        &sources,
        &icp_engine::Schema::canonical(),
        &icp_engine::SignalCatalog::new(),
    );
    let rendered = icp_diagnostics::render_text(&sources, &compiled.diagnostics, false);
    assert!(compiled.diagnostics.is_empty(), "{rendered}");
}

#[test]
fn control_characters_are_never_echoed_raw() {
    let source = "let a = company.name == \"x\0y\" and nada\n\
                  let b = company.name == \"\u{1b}[31mred\u{1b}[0m\" and nope\n\
                  icp c { require a and b }\n";
    let (compiled, sources, rendered) =
        check_sources(&[("odd.icp", source)], &case_schema(), &test_signals());
    assert_eq!(codes(&compiled.diagnostics), ["E0008", "E0008"]);
    let coloured = icp_diagnostics::render_text(&sources, &compiled.diagnostics, true);
    for text in [&rendered, &coloured] {
        assert!(!text.contains('\0'), "{text}");
        assert!(!text.contains("\u{1b}[31mred"), "{text}");
        assert!(text.contains("\"x\\0y\""), "{text}");
        assert!(text.contains("\"\\u{1b}[31mred\\u{1b}[0m\""), "{text}");
    }
    assert!(!rendered.contains('\u{1b}'), "{rendered}");
    // The caret stays under the name, after the escapes.
    let lines: Vec<&str> = rendered.lines().collect();
    let shown = lines
        .iter()
        .position(|l| l.contains("and nope"))
        .expect("the line is shown");
    assert_eq!(
        lines[shown + 1].find('^'),
        lines[shown].find("nope"),
        "{rendered}"
    );
}
