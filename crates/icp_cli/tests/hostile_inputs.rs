//! Huge and hostile names, labels and values through every command of the built binary, and
//! `--threads` beyond what a machine can start: an error or a result, never a panic or an
//! abort.
//!
//! How it works: a project is written with an ICP, a tier, a score label, a test block and a
//! lead whose names and texts are tens of thousands of characters long, multi-byte, or full
//! of control characters; `check`, `fmt --check`, `fmt`, `test`, `score` and `explain` run on
//! it, and each must end with exit code 0, 1 or 2 and no "internal error". A fixed number of
//! cases keeps the cost small: each case starts the binary six times.

mod common;

use common::{icp, project, stderr};
use proptest::prelude::*;

/// How one command ended: its exit code and what it printed on stderr.
fn ended_cleanly(out: &std::process::Output, command: &str) -> i32 {
    let code = out.status.code();
    let err = stderr(out);
    assert!(
        matches!(code, Some(0..=2)) && !err.contains("internal error"),
        "icp {command} ended with {code:?}: {}",
        err.chars().take(2_000).collect::<String>()
    );
    code.unwrap_or_default()
}

/// `text` as the body of a rule file's string literal.
fn escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `text` as one CSV cell.
fn csv_cell(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Runs every command on a project with these names and texts; returns the exit codes of
/// `check`, `score` and `explain`.
fn every_command(name: &str, tier: &str, label: &str, value: &str) -> [i32; 3] {
    let (label, value_literal) = (escaped(label), escaped(value));
    let rules = format!(
        "icp {name} \"{label}\" {{\n  score 10 \"{label}\" when company.employees > 10\n  score 5 \"short\" when company.name == \"{value_literal}\"\n  tier {tier} when score >= 10\n}}\n\ntest \"{label}\" {{\n  company {{ name: \"{value_literal}\", employees: 50 }}\n  expect {name} tier {tier}\n}}\n"
    );
    let dir = project(&[("rules/hostile.icp", &rules)]);
    std::fs::write(
        dir.path().join("leads.csv"),
        format!("id,name,employees\nlead1,{},50\n", csv_cell(value)),
    )
    .expect("leads written");
    let run = |args: &[&str]| ended_cleanly(&icp(dir.path(), args), &args.join(" "));
    let check = run(&["check"]);
    run(&["fmt", "--check"]);
    run(&["fmt"]);
    run(&["test"]);
    let score = run(&["score", "--leads", "leads.csv", "-o", "out.csv"]);
    let explain = run(&["explain", "--leads", "leads.csv", "--id", "lead1"]);
    [check, score, explain]
}

/// A name of the language: a letter, then up to 70,000 letters, digits and underscores.
fn huge_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_]{0,20}",
        (1usize..70_000).prop_map(|n| format!("n{}", "x_9".repeat(n / 3))),
        // Past `u16::MAX`, where `format!` stops padding.
        (65_536usize..70_000).prop_map(|n| format!("n{}", "x".repeat(n))),
    ]
}

/// Text of every kind: arbitrary Unicode, or a run of one multi-byte or control character
/// (a quarter of them longer than `u16::MAX`), or both.
fn hostile_text() -> impl Strategy<Value = String> {
    let runs = (
        prop::sample::select(&["é", "日", "🦀", "\t", "\u{1}", "\u{202e}", "\r", "a"][..]),
        prop_oneof![3 => 1usize..2_000, 1 => 65_536usize..70_000],
    )
        .prop_map(|(c, n)| c.repeat(n));
    prop_oneof![
        any::<String>(),
        runs.clone(),
        (any::<String>(), runs).prop_map(|(a, b)| a + &b),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn huge_and_hostile_texts_never_panic_a_command(
        name in huge_name(),
        tier in huge_name(),
        label in hostile_text(),
        value in hostile_text(),
    ) {
        let [check, score, explain] = every_command(&name, &tier, &label, &value);
        // A rule set that checks is scored and explained.
        if check == 0 {
            prop_assert_eq!(score, 0);
            prop_assert_eq!(explain, 0);
        }
    }
}

/// The cases found by hand: a 65,536-character label panicked `icp fmt`; ICP and tier
/// names of 70,000 characters panicked the summary of `icp score` and `icp explain`.
#[test]
fn the_reported_huge_names_and_label_work() {
    let name = format!("n{}", "x".repeat(70_000));
    let label = "x".repeat(65_536);
    assert_eq!(every_command(&name, &name, &label, "Acme"), [0, 0, 0]);
}

#[test]
fn threads_beyond_the_maximum_are_refused() {
    let dir = project(&[(
        "rules/a.icp",
        "icp a {\n  score 1 when company.employees > 1\n}\n",
    )]);
    std::fs::write(dir.path().join("leads.csv"), "id,employees\n1,5\n").expect("leads written");
    for threads in ["0", "1025", "100000"] {
        let out = icp(
            dir.path(),
            &["score", "--leads", "leads.csv", "--threads", threads],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("--threads {threads}: must be between 1 and 1024")),
            "{}",
            stderr(&out)
        );
    }
    let out = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "--threads", "1024"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
