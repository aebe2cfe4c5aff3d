//! `icp explain` end to end: an unknown id, and the signal values of a demo lead. (The
//! explanations snapshotted to files are tested in `cli.rs`.)

mod common;

use common::*;

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

/// The section between `signals:` and the next blank line of an explanation.
fn signals_section(explanation: &str) -> String {
    explanation
        .lines()
        .skip_while(|l| *l != "signals:")
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn explain_shows_what_each_signal_call_returned_for_the_lead() {
    plugins_built();
    let explain = |id: &str| {
        let out = icp(&repo(), &["explain", "--id", id, "--as-of", "2026-11-23"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        signals_section(&stdout(&out))
    };
    // C00019 has a new CFO (2026-09-22) and no funding round in demo/funding.csv: the funding
    // plugin knows it raised nothing ("None", false), which is not unknown. Calls are listed
    // in the order the rule files (alphabetical) first make them.
    assert_eq!(
        explain("C00019"),
        "signals:\n\
         \x20 funding.raised_within(180d)                false\n\
         \x20 job_changes.new_exec_within(90d)           true\n\
         \x20 job_changes.champion_joined(within: 365d)  false\n\
         \x20 funding.raised_within(90d)                 false\n\
         \x20 funding.last_round_type                    \"None\"\n\
         \x20 events.attended(\"SaaStr Annual\")           false\n"
    );
    // C00042's last round, 1446 days before the as-of date, was a Series B.
    assert!(
        explain("C00042").contains("\n  funding.last_round_type                    \"Series B\"\n"),
        "the round's type is shown"
    );
}
