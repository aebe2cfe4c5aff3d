//! `icp test` end to end: passing and failing `test` blocks, rule errors, a bad `--as-of`.

mod common;

use common::*;

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
