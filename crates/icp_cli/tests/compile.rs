//! `icp compile` and `icp signals` from the command line: what they write, and the clear
//! errors (exit 2) for a dialect that does not exist, signals without a signals table, and a
//! relative threshold; rule errors exit 1. What the SQL computes is held to `icp score` by
//! `tests/sql_duckdb.rs`.

mod common;

use common::*;

const RULES: &str = "icp demo {\n  require company.employees >= 10\n  score 10 \"software\" when company.industry has \"Software\"\n  tier A when score >= 10\n  tier B otherwise\n}\n";

#[test]
fn writes_one_query_and_the_typed_schema() {
    let dir = project(&[("rules/demo.icp", RULES)]);
    let out = icp(
        dir.path(),
        &["compile", "--dialect", "duckdb", "-o", "icp.sql"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sql = std::fs::read_to_string(dir.path().join("icp.sql")).expect("the query");
    assert!(sql.contains("\"companies\""), "{sql}");
    let schema = icp(
        dir.path(),
        &["compile", "--dialect", "postgres", "--schema"],
    );
    assert_eq!(schema.status.code(), Some(0), "{}", stderr(&schema));
    let text = stdout(&schema);
    assert!(text.contains("CREATE TABLE \"companies\""), "{text}");
    assert!(text.contains("-- company.employees"), "{text}");
}

#[test]
fn bad_input_exits_2_with_a_clear_message_and_rule_errors_exit_1() {
    let dir = project(&[("rules/demo.icp", RULES)]);
    let out = icp(dir.path(), &["compile", "--dialect", "oracle"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--dialect oracle: not a dialect; the dialects are duckdb"),
        "{}",
        stderr(&out)
    );

    std::fs::write(
        dir.path().join("rules/demo.icp"),
        RULES.replace(
            "tier A when score >= 10",
            "tier A when company.revenue >= percentile(company.revenue, 80)",
        ),
    )
    .expect("write rules");
    let out = icp(dir.path(), &["compile", "--dialect", "duckdb"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("(E0050)"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("error: error"), "{}", stderr(&out));

    std::fs::write(
        dir.path().join("rules/demo.icp"),
        "icp demo {\n  require company.employes >= 10\n  tier A otherwise\n}\n",
    )
    .expect("write rules");
    let out = icp(
        dir.path(),
        &["compile", "--dialect", "duckdb", "-o", "x.sql"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!dir.path().join("x.sql").exists(), "nothing written");
}

#[test]
fn a_signal_without_a_signals_table_names_the_call_and_the_way_out() {
    plugins_built();
    let out = icp(
        &repo(),
        &["compile", "--dialect", "duckdb", "--rules", "rules/bant"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("`funding.raised_within(180d)` (E0051)")
            && err.contains("icp signals --leads FILE -o signals.csv"),
        "{err}"
    );
}
