//! `icp check` and `icp fmt` end to end, through the built binary: exit codes, text and JSON
//! output, configuration discovery, and clear one-line errors for bad usage.

use std::path::Path;
use std::process::{Command, Output};

fn icp(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the icp binary runs")
}

/// Builds the shipped plugins beside the `icp` binary under test (once per test binary), where
/// the repository's `icp.toml` finds them.
fn plugins_built() {
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        icp_benches::cargo_build(&[
            "-p",
            "plugin_funding",
            "-p",
            "plugin_events",
            "-p",
            "plugin_job_changes",
        ]);
    });
}

/// `[plugins.*]` tables configuring the shipped plugins with the demo's data files.
fn demo_plugins() -> String {
    let demo = repo().join("demo");
    format!(
        "[plugins.funding]\ndata = {:?}\n\n[plugins.events]\ndata = {:?}\n\n[plugins.job_changes]\ndata = {:?}\nchampions = {:?}\n",
        demo.join("funding.csv").display().to_string(),
        demo.join("events.csv").display().to_string(),
        demo.join("job_changes.csv").display().to_string(),
        demo.join("champions.csv").display().to_string(),
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A project directory with an icp.toml and the given rule files.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("icp.toml"),
        "rules = [\"rules\"]\n\n[fields.company]\nannual_spend = \"number\"\n",
    )
    .expect("write icp.toml");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write rule file");
    }
    dir
}

const GOOD: &str = "icp demo {\n  require company.employees >= 50\n  score 10 \"spend\" when company.annual_spend > 1M\n  tier A when score >= 10\n  tier B otherwise\n}\n";
const BROKEN: &str = "icp demo {\n  require company.employes >= 50\n}\n";
const WARNING: &str =
    "let unused = company.employees > 5\n\nicp demo {\n  require company.employees >= 50\n}\n";

#[test]
fn check_with_no_arguments_uses_the_rules_of_icp_toml() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    let out = icp(dir.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    insta::assert_snapshot!(stdout(&out), @"checked 1 file (1 ICP, 0 tests): no problems");
}

#[test]
fn icp_toml_is_found_from_a_subdirectory() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    let sub = dir.path().join("rules");
    let out = icp(&sub, &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn rule_errors_exit_1_with_a_located_message() {
    let dir = project(&[("rules/demo.icp", BROKEN)]);
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out), @r"
    error[E0004]: unknown company field `company.employes`
      ┌─ rules/demo.icp:2:11
      │
    2 │   require company.employes >= 50
      │           ^^^^^^^^^^^^^^^^
      │
      = help: did you mean `company.employees`?

    checked 1 file (1 ICP, 0 tests): 1 error
    ");
}

#[test]
fn json_format_prints_one_object_per_diagnostic() {
    let dir = project(&[
        ("rules/demo.icp", BROKEN),
        ("rules/warn.icp", WARNING.replace("demo", "other").as_str()),
    ]);
    let out = icp(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "unused-let warnings are not reported alongside errors"
    );
    insta::assert_json_snapshot!(lines[0], @r#"
    {
      "code": "E0004",
      "column": 11,
      "end": {
        "column": 27,
        "line": 2
      },
      "file": "rules/demo.icp",
      "help": "did you mean `company.employees`?",
      "label": null,
      "line": 2,
      "message": "unknown company field `company.employes`",
      "severity": "error"
    }
    "#);
}

#[test]
fn warnings_exit_0_unless_denied() {
    let dir = project(&[("rules/demo.icp", WARNING)]);
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("warning[W0004]"), "{}", stdout(&out));
    assert!(stdout(&out).ends_with("1 warning\n"), "{}", stdout(&out));
    let out = icp(dir.path(), &["check", "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn explicit_paths_override_the_configuration() {
    let dir = project(&[("rules/demo.icp", BROKEN), ("other/good.icp", GOOD)]);
    let out = icp(dir.path(), &["check", "other"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = icp(dir.path(), &["check", "other/good.icp"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_missing_path_exits_2_with_one_line() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    let out = icp(dir.path(), &["check", "nope.icp"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: nope.icp: no such file or directory\n");
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_directory_without_rules_exits_2() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    std::fs::create_dir(dir.path().join("empty")).expect("mkdir");
    let out = icp(dir.path(), &["check", "empty"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: no .icp files found in empty\n");
}

#[test]
fn a_file_that_is_not_utf8_exits_2() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    std::fs::write(dir.path().join("rules/bad.icp"), [0x66, 0xff, 0xfe]).expect("write");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: cannot read rules/bad.icp: the file is not valid UTF-8\n"
    );
}

#[test]
fn a_bad_icp_toml_exits_2_naming_the_file() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    std::fs::write(
        dir.path().join("icp.toml"),
        "[fields.company]\narr = \"money\"\n",
    )
    .expect("write");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("icp.toml: [fields.company]: field `company.arr` has unknown type \"money\""),
        "{}",
        stderr(&out)
    );
    std::fs::write(dir.path().join("icp.toml"), "rulez = [\"rules\"]\n").expect("write");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown field `rulez`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    assert_eq!(icp(dir.path(), &["chek"]).status.code(), Some(2));
    assert_eq!(
        icp(dir.path(), &["check", "--format", "xml"]).status.code(),
        Some(2)
    );
    let help = icp(dir.path(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("check"));
}

#[test]
fn fmt_check_lists_files_that_would_change_and_fmt_fixes_them() {
    let messy = "icp   other{\nrequire company.employees>=50\n  tier A when company.revenue>1M}\n";
    let dir = project(&[("rules/a.icp", GOOD), ("rules/b.icp", messy)]);
    let out = icp(dir.path(), &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("would reformat rules/b.icp"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("rules/a.icp"), "{}", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rules/b.icp")).expect("read"),
        messy
    );

    let out = icp(dir.path(), &["fmt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let fixed = std::fs::read_to_string(dir.path().join("rules/b.icp")).expect("read");
    assert_ne!(fixed, messy);
    let out = icp(dir.path(), &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(icp(dir.path(), &["check"]).status.code(), Some(0));
}

#[test]
fn fmt_refuses_a_file_with_a_syntax_error() {
    let dir = project(&[("rules/a.icp", "icp demo {\n")]);
    let out = icp(dir.path(), &["fmt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error[E0001]"), "{}", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rules/a.icp")).expect("read"),
        "icp demo {\n"
    );
}

#[test]
fn fmt_dash_formats_standard_input() {
    use std::io::Write;
    let dir = project(&[("rules/a.icp", GOOD)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(["fmt", "-"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"let  x=company.employees>5\nicp a{require x}\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).starts_with("let x = company.employees > 5\n"),
        "{}",
        stdout(&out)
    );
}

const TESTED: &str = "icp demo {\n  require company.employees >= 50\n  score 10 \"spend\" when company.annual_spend > 1M\n  tier A when score >= 10\n  tier B otherwise\n}\n\ntest \"big spender is tier A\" {\n  company { employees: 60, annual_spend: 2M }\n  expect demo tier A\n}\n\ntest \"small spender is tier B\" {\n  company { employees: 60, annual_spend: 5K }\n  expect demo tier B\n  expect demo score == 0\n}\n";

#[test]
fn test_runs_every_test_block_and_exits_0_when_all_pass() {
    let dir = project(&[("rules/demo.icp", TESTED)]);
    let out = icp(dir.path(), &["test", "--as-of", "2026-11-23"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    insta::assert_snapshot!(stdout(&out), @r"
    test big spender is tier A ... ok
    test small spender is tier B ... ok
    2 passed, 0 failed
    ");
}

#[test]
fn a_failing_expectation_shows_expected_actual_and_the_explanation() {
    let failing = TESTED.replace("expect demo score == 0", "expect demo score >= 5");
    let dir = project(&[("rules/demo.icp", failing.as_str())]);
    let out = icp(dir.path(), &["test", "--as-of", "2026-11-23"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out), @r"
    test big spender is tier A ... ok
    test small spender is tier B ... FAILED
      rules/demo.icp:16:3: expected score >= 5, got score 0
      demo: qualified, score 0 of 10 (0%), tier B
        require  true     company.employees >= 50
        score    0        spend
        tier A   false    score >= 10
        tier B   true     otherwise
    1 passed, 1 failed
    ");
}

#[test]
fn test_with_rule_errors_runs_nothing_and_exits_1() {
    let dir = project(&[("rules/demo.icp", BROKEN)]);
    let out = icp(dir.path(), &["test"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error[E0004]"), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("the rule set has 1 error; no test was run\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_bad_as_of_date_is_a_usage_error() {
    let dir = project(&[("rules/demo.icp", TESTED)]);
    let out = icp(dir.path(), &["test", "--as-of", "2026-02-30"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: --as-of 2026-02-30: not a date; write YYYY-MM-DD, such as 2026-11-23\n"
    );
}

const SCORED: &str = "persona buyer when contact.seniority in [\"VP\", \"C-Level\"]\n\nicp demo \"Demo\" {\n  require company.employees >= 50\n  exclude company.industry has \"Gambling\"\n  score 20 \"software\" when company.industry has any [\"Software\", \"Internet\"]\n  score 10 \"buyer\"    when any contact where buyer\n  score 5  \"revenue\"  when company.revenue >= 10M\n  tier A when score >= 30\n  tier B otherwise\n}\n";

const COMPANIES: &str = "id,name,domain,industry,employees,revenue,country\nc1,Acme,acme.com,Software;Fintech,51-200,$40M,US\nc2,Beta,beta.io,Gambling,500,n/a,United Kingdom\nc3,Gamma,gamma.de,Retail,,€ 2 million,DE\nc4,Delta,delta.com,software,10000,lots,US\n\"broken,row\n";

const CONTACTS: &str = "company_id,name,title,seniority\nc1,Ann,CFO,C-Level\nc1,Bob,Engineer,Staff\nc4,Cid,VP Sales,VP\nc9,Nobody,CEO,C-Level\n";

fn scoring_project() -> tempfile::TempDir {
    project(&[
        ("rules/demo.icp", SCORED),
        ("leads.csv", COMPANIES),
        ("contacts.csv", CONTACTS),
    ])
}

/// The summary without its timing line, which differs from run to run.
fn without_timing(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("elapsed "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn score_writes_one_row_per_lead_and_a_summary() {
    let dir = scoring_project();
    let out = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "-o",
            "out.csv",
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.path().join("out.csv")).expect("output");
    insta::assert_snapshot!("score_csv", written);
    insta::assert_snapshot!("score_summary", without_timing(&stderr(&out)));
    let rejects =
        std::fs::read_to_string(dir.path().join("out.rejects.csv")).expect("rejects file");
    assert!(rejects.contains("line"), "{rejects}");
}

#[test]
fn score_all_with_explain_as_json_lines() {
    let dir = scoring_project();
    let out = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "--all",
            "--explain",
            "--format",
            "jsonl",
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(rows.len(), 4, "four readable leads, one ICP each");
    insta::assert_json_snapshot!("score_jsonl_first_row", rows[0]);
}

#[test]
fn explain_accounts_for_every_check_and_the_near_miss() {
    let dir = scoring_project();
    let out = icp(
        dir.path(),
        &[
            "explain",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "--id",
            "c4",
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("explain_c4", stdout(&out));
    let out = icp(
        dir.path(),
        &[
            "explain",
            "--leads",
            "leads.csv",
            "--id",
            "c3",
            "--as-of",
            "2026-11-23",
        ],
    );
    insta::assert_snapshot!("explain_c3", stdout(&out));
}

#[test]
fn explain_of_an_unknown_id_exits_2() {
    let dir = scoring_project();
    let out = icp(
        dir.path(),
        &["explain", "--leads", "leads.csv", "--id", "nope"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: no lead with id \"nope\" in leads.csv\n"
    );
}

#[test]
fn score_without_a_lead_file_or_with_a_missing_one_exits_2() {
    let dir = scoring_project();
    let out = icp(dir.path(), &["score"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no lead file"), "{}", stderr(&out));
    let out = icp(dir.path(), &["score", "--leads", "missing.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: cannot open"),
        "{}",
        stderr(&out)
    );
}

/// The repository root, where icp.toml points at the example rules and the demo.
fn repo() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

#[test]
fn the_example_rules_score_a_hubspot_export_with_a_one_line_preset() {
    plugins_built();
    let dir = tempfile::tempdir().expect("temp dir");
    let root = repo();
    std::fs::write(
        dir.path().join("icp.toml"),
        format!(
            "rules = [{:?}, {:?}]\n\n[input]\npreset = \"hubspot\"\n\n{}",
            root.join("rules/midmarket_saas").display().to_string(),
            root.join("rules/two_products").display().to_string(),
            demo_plugins()
        ),
    )
    .expect("write icp.toml");
    for file in ["companies.csv", "contacts.csv"] {
        std::fs::copy(
            root.join("tests/inputs/hubspot").join(file),
            dir.path().join(file),
        )
        .expect("copy the export");
    }
    let leads = [
        "--leads",
        "companies.csv",
        "--contacts",
        "contacts.csv",
        "--as-of",
        "2026-11-23",
    ];
    let out = icp(dir.path(), &[&["score", "--all"][..], &leads].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("example_rules_hubspot_all", stdout(&out));
    let explained = icp(
        dir.path(),
        &[&["explain", "--id", "5001"][..], &leads].concat(),
    );
    assert_eq!(explained.status.code(), Some(0), "{}", stderr(&explained));
    insta::assert_snapshot!("example_rules_hubspot_explain_5001", stdout(&explained));
}

#[test]
fn the_readme_main_command_scores_the_demo() {
    plugins_built();
    let dir = tempfile::tempdir().expect("temp dir");
    let out_file = dir.path().join("scored.csv");
    let out = icp(
        &repo(),
        &[
            "score",
            "-o",
            out_file.to_str().expect("utf-8 path"),
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = stderr(&out);
    assert!(
        summary.starts_with("read 3,000 rows from demo/companies.csv: 3,000 leads, 0 rejected"),
        "{summary}"
    );
    let rows = std::fs::read_to_string(&out_file).expect("results");
    assert_eq!(rows.lines().count(), 3001, "a header and one row per lead");
    assert!(
        !dir.path().join("scored.rejects.csv").exists(),
        "no rejects file without rejected rows"
    );
}

#[test]
fn naming_another_lead_file_leaves_the_score_defaults_out() {
    let dir = scoring_project();
    std::fs::write(
        dir.path().join("icp.toml"),
        "rules = [\"rules\"]\n\n[fields.company]\nannual_spend = \"number\"\n\n[score]\nleads = \"leads.csv\"\ncontacts = \"contacts.csv\"\noutput = \"scored.csv\"\n",
    )
    .expect("write icp.toml");
    std::fs::write(
        dir.path().join("other.csv"),
        "id,name,employees\nx1,Other,80\n",
    )
    .expect("write");
    let out = icp(
        dir.path(),
        &["score", "--leads", "other.csv", "--as-of", "2026-11-23"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("id,name,icp,"),
        "results on standard output: {}",
        stdout(&out)
    );
    assert!(
        !stderr(&out).contains("contacts.csv"),
        "the configured contacts are not joined: {}",
        stderr(&out)
    );
    assert!(
        !dir.path().join("scored.csv").exists(),
        "the configured output is not overwritten"
    );
    let out = icp(dir.path(), &["score", "--as-of", "2026-11-23"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("3 contacts joined"),
        "{}",
        stderr(&out)
    );
    assert!(dir.path().join("scored.csv").exists());
    let out = icp(dir.path(), &["score", "--threads", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn score_refuses_to_write_over_its_input() {
    let dir = scoring_project();
    let out = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "-o", "leads.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: leads.csv is also an input file; write the results somewhere else\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("leads.csv")).expect("read"),
        COMPANIES
    );
}

#[test]
fn gen_writes_a_lead_set_that_scores_cleanly() {
    plugins_built();
    let dir = tempfile::tempdir().expect("temp dir");
    let root = repo();
    std::fs::copy(root.join("icp.toml"), dir.path().join("icp.toml")).expect("copy icp.toml");
    let rules = root.join("rules");
    let args = [
        "gen",
        "--companies",
        "500",
        "--seed",
        "7",
        "--messy",
        "0",
        "--contacts-per-company",
        "1..3",
        "-o",
        "c.csv",
        "--contacts-out",
        "p.csv",
    ];
    let out = icp(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("wrote 500 companies to c.csv and "),
        "{}",
        stderr(&out)
    );
    let first = std::fs::read(dir.path().join("c.csv")).expect("companies");
    let out = icp(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read(dir.path().join("c.csv")).expect("companies"),
        first,
        "same arguments, same bytes"
    );
    for messy in ["0", "0.3"] {
        let out = icp(
            dir.path(),
            &[
                "gen",
                "--companies",
                "500",
                "--messy",
                messy,
                "-o",
                "c.csv",
                "--contacts-out",
                "p.csv",
                // Where the copied icp.toml's plugins find their data.
                "--signals-dir",
                "demo",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = icp(
            dir.path(),
            &[
                "score",
                "--rules",
                rules.to_str().expect("utf-8 path"),
                "--leads",
                "c.csv",
                "--contacts",
                "p.csv",
                "-o",
                "s.csv",
                "--as-of",
                "2026-11-23",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let summary = stderr(&out);
        assert!(
            summary.starts_with("read 500 rows from c.csv: 500 leads, 0 rejected"),
            "{summary}"
        );
        assert!(
            summary.contains("0 without a matching company, 0 rejected"),
            "{summary}"
        );
        assert!(
            !summary.contains("did not parse"),
            "--messy {messy}: {summary}"
        );
    }
}

/// Many small batches scored on several threads come out in input order, with the summary
/// of one thread: the pipeline reorders what the pool finishes out of order.
#[test]
fn score_output_is_the_same_on_one_thread_or_many() {
    let dir = project(&[("rules/demo.icp", SCORED)]);
    let toml = dir.path().join("icp.toml");
    let config = std::fs::read_to_string(&toml).expect("icp.toml") + "\n[input]\nbatch_size = 7\n";
    std::fs::write(&toml, config).expect("write icp.toml");
    let generate = [
        "gen",
        "--companies",
        "600",
        "--seed",
        "3",
        "--messy",
        "0.3",
        "-o",
        "c.csv",
        "--contacts-out",
        "p.csv",
    ];
    let out = icp(dir.path(), &generate);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let score = |threads: &str, output: &str, extra: &[&str]| {
        let mut args = vec![
            "score",
            "--leads",
            "c.csv",
            "--contacts",
            "p.csv",
            "--all",
            "--as-of",
            "2026-11-23",
            "--threads",
            threads,
            "-o",
            output,
            // One rejects file name for both runs, whose summaries would name it.
            "--rejects",
            "rejects.csv",
        ];
        args.extend(extra);
        let out = icp(dir.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let summary = without_timing(&stderr(&out)).replace(output, "OUT");
        let rows = std::fs::read_to_string(dir.path().join(output)).expect("results");
        (rows, summary)
    };
    let (one, one_summary) = score("1", "one.csv", &[]);
    // An earlier output is replaced whole, and no partial file stays beside it.
    std::fs::write(dir.path().join("many.csv"), "earlier results\n").expect("written");
    let (many, many_summary) = score("4", "many.csv", &[]);
    let partials = std::fs::read_dir(dir.path())
        .expect("the project")
        .filter(|e| {
            let name = e.as_ref().expect("an entry").file_name();
            name.to_string_lossy().ends_with(".partial")
        })
        .count();
    assert_eq!(partials, 0, "a partial file was left");
    assert_eq!(one.lines().count(), 601, "a header and a row per lead");
    assert_eq!(many, one);
    assert_eq!(many_summary, one_summary);
    // With `--explain` every result is kept whole: the summary counts them as it counts the
    // columns.
    let (_, explained_summary) = score("4", "explained.csv", &["--explain"]);
    assert_eq!(explained_summary, one_summary);
}

#[test]
fn gen_refuses_bad_arguments_with_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    for bad in [
        &["--contacts-per-company", "5..1"][..],
        &["--contacts-per-company", "a..b"],
        &["--contacts-per-company", "1..x"],
        &["--messy", "1.5"],
        &["--format", "jsonl", "--contacts-out", "p.csv"],
    ] {
        let out = icp(
            dir.path(),
            &[&["gen", "--companies", "10", "-o", "c.csv"][..], bad].concat(),
        );
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    }
}

#[test]
fn gen_jsonl_puts_contacts_inside_each_company() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = icp(dir.path(), &["gen", "--companies", "50", "-o", "c.jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("c.jsonl")).expect("jsonl");
    assert_eq!(text.lines().count(), 50);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
        assert!(v["contacts"].is_array(), "{line}");
    }
}

/// The directory the `icp` binary under test (and the plugins built beside it) lives in.
fn bin_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_BIN_EXE_icp"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf()
}

#[test]
fn plugins_lists_the_configured_plugins_and_their_signals() {
    plugins_built();
    let out = icp(&repo(), &["plugins"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The libraries are found beside the binary, wherever the target directory is.
    let text: String = stdout(&out)
        .lines()
        .map(|line| match (line.find(" ("), line.find("libplugin_")) {
            (Some(open), Some(lib)) if open < lib => {
                format!("{} ([bin]/{}\n", &line[..open], &line[lib..])
            }
            _ => format!("{line}\n"),
        })
        .collect();
    insta::assert_snapshot!("plugins_text", text);

    let out = icp(&repo(), &["plugins", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let plugins = json["plugins"].as_array().expect("a list");
    let names: Vec<&str> = plugins.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["events", "funding", "job_changes"]);
    let funding = &plugins[1]["signals"];
    let raised = funding
        .as_array()
        .expect("signals")
        .iter()
        .find(|s| s["name"] == "raised_within")
        .expect("funding.raised_within");
    assert_eq!(
        raised["signature"],
        "funding.raised_within(within: duration) -> bool"
    );
    assert_eq!(raised["inputs"][0], "company.domain");
    assert_eq!(plugins[1]["source"], "config");
    assert_eq!(plugins[1]["abi"], "1.0");
}

#[test]
fn signals_are_type_checked_against_the_loaded_plugins() {
    plugins_built();
    let dir = project(&[(
        "rules/demo.icp",
        "icp demo {\n  require funding.raised_within(\"soon\")\n  score 10 \"x\" when funding.total_raisd > 1M\n}\n",
    )]);
    let library = bin_dir().join(libloading_name("plugin_funding"));
    let out = icp(
        dir.path(),
        &["check", "--plugin", library.to_str().expect("utf-8")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("error[E0012]"), "{text}");
    assert!(
        text.contains("funding.raised_within(within: duration) -> bool"),
        "{text}"
    );
    assert!(
        text.contains("did you mean `funding.total_raised`?"),
        "{text}"
    );

    // Without the plugin, the namespace is unknown.
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error[E0010]"), "{}", stdout(&out));
}

/// The platform's file name of a library, as `icp_plugin_host::library_file` gives it.
fn libloading_name(name: &str) -> String {
    format!(
        "{}{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

#[test]
fn plugin_path_directories_are_loaded_and_broken_setups_exit_2() {
    plugins_built();
    let dir = project(&[("rules/demo.icp", GOOD)]);
    // Every library in an ICP_PLUGIN_PATH directory is loaded.
    let out = Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(["plugins"])
        .current_dir(dir.path())
        .env("ICP_PLUGIN_PATH", bin_dir())
        .output()
        .expect("icp runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for name in ["funding 0.1.0", "events 0.1.0", "job_changes 0.1.0"] {
        assert!(text.contains(name), "{text}");
    }

    // A configured plugin whose library is missing, or not a library, is a usage error.
    std::fs::write(
        dir.path().join("icp.toml"),
        "[plugins.funding]\nlibrary = \"lib/missing.so\"\n",
    )
    .expect("write icp.toml");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: plugin `funding`: library not found: ")
            && err.contains("lib/missing.so"),
        "{err}"
    );
    std::fs::create_dir_all(dir.path().join("lib")).expect("mkdir");
    std::fs::write(dir.path().join("lib/missing.so"), "not a library").expect("write");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("not a loadable shared library"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");

    // A table whose name is not the library's plugin.
    let events = bin_dir().join(libloading_name("plugin_events"));
    std::fs::write(
        dir.path().join("icp.toml"),
        format!(
            "[plugins.funding]\nlibrary = {:?}\n",
            events.display().to_string()
        ),
    )
    .expect("write icp.toml");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("configures [plugins.funding], but")
            && stderr(&out).contains("is the plugin `events`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_plugin_data_error_stops_scoring_with_exit_2_naming_the_plugin() {
    plugins_built();
    let dir = project(&[(
        "rules/demo.icp",
        "icp demo {\n  require company.employees >= 1\n  score 10 \"funded\" when funding.raised_within(90d)\n  tier A when score >= 10\n  tier B otherwise\n}\n",
    )]);
    std::fs::write(
        dir.path().join("icp.toml"),
        "[plugins.funding]\ndata = \"funding.csv\"\n",
    )
    .expect("write icp.toml");
    std::fs::write(
        dir.path().join("leads.csv"),
        "id,domain,employees\n1,acme.com,10\n",
    )
    .expect("write leads");
    std::fs::write(
        dir.path().join("funding.csv"),
        "domain,date,type,amount_usd\nacme.com,2026-10-01,Series Z,1000\n",
    )
    .expect("write funding data");
    let out = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "-o", "out.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: plugin `funding` (") && err.contains("funding.csv:2"),
        "{err}"
    );

    // Fixed data: scored, the signal read through the plugin.
    std::fs::write(
        dir.path().join("funding.csv"),
        "domain,date,type,amount_usd\nacme.com,2026-10-01,Series A,1000\n",
    )
    .expect("write funding data");
    let out = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "-o",
            "-",
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = stdout(&out);
    assert!(
        rows.lines().nth(1).is_some_and(|l| l.contains(",A,")),
        "{rows}"
    );
}
