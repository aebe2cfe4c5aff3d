//! Lists kept in files (`lines`, `csv_column`) end to end: `icp check` reads them relative to
//! the rule file, `icp test` and `icp score` see the same lists, no output may overwrite one,
//! and a missing file or a path out of the rule directory is an error, never a panic.

mod common;

use common::*;

const RULES: &str = r#"let competitors = lines("lists/competitors.txt")
let named = csv_column("lists/named.csv", "domain")

icp named_accounts {
  require company.domain in named
  exclude company.domain in competitors
  tier A otherwise
}

test "a named account" {
  company { domain: "hooli.com" }
  expect named_accounts tier A
}

test "a named competitor" {
  company { domain: "globex.io" }
  expect named_accounts disqualified
}
"#;

const LEADS: &str = "id,domain\n1,hooli.com\n2,GLOBEX.io\n3,other.org\n";

fn lists_project(rules: &str) -> tempfile::TempDir {
    project(&[
        ("rules/demo.icp", rules),
        (
            "rules/lists/competitors.txt",
            "# competitors\nacme.com\nglobex.io\n",
        ),
        (
            "rules/lists/named.csv",
            "name,domain\nHooli,hooli.com\nGlobex,globex.io\n",
        ),
        ("leads.csv", LEADS),
    ])
}

#[test]
fn check_test_and_score_read_the_same_lists() {
    let dir = lists_project(RULES);
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = icp(dir.path(), &["test"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "-o",
            "out.csv",
            "--as-of",
            "2026-11-01",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.path().join("out.csv")).expect("written");
    let rows: Vec<&str> = written.lines().collect();
    assert!(
        rows[1].starts_with("1,") && rows[1].contains(",A,"),
        "{written}"
    );
    assert!(
        rows[2].contains("excluded: company.domain in competitors"),
        "{written}"
    );
    assert!(
        rows[3].contains("failed: company.domain in named"),
        "{written}"
    );
}

#[test]
fn no_output_may_overwrite_a_list_file() {
    let dir = lists_project(RULES);
    let target = "rules/lists/competitors.txt";
    let before = std::fs::read(dir.path().join(target)).expect("read");
    let out = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "-o",
            target,
            "--as-of",
            "2026-11-01",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is also an input file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(dir.path().join(target)).expect("read"),
        before
    );
}

#[test]
fn a_missing_or_escaping_list_file_is_an_error() {
    let missing = RULES.replace("lists/competitors.txt", "lists/rivals.txt");
    let dir = lists_project(&missing);
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let shown = format!("{}{}", stdout(&out), stderr(&out));
    assert!(shown.contains("E0031"), "{shown}");
    assert!(shown.contains("lists/rivals.txt"), "{shown}");

    let escaping = RULES.replace("lists/competitors.txt", "../leads.csv");
    let dir = lists_project(&escaping);
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let shown = format!("{}{}", stdout(&out), stderr(&out));
    assert!(shown.contains("E0032"), "{shown}");
    assert!(!shown.contains("panicked"), "{shown}");
}
