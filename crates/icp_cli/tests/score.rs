//! `icp score` end to end: a missing lead file, the `[score]` defaults of icp.toml, the demo
//! of the README, refusing to overwrite an input, and the same output on any number of
//! threads. (The tests whose snapshots are files, CSV and JSON Lines output among them, are in
//! `cli.rs`.)

mod common;

use common::*;

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
