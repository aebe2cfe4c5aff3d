//! `icp gen` end to end: a deterministic lead set that scores cleanly, JSON Lines with
//! contacts inside each company, and bad arguments.

mod common;

use common::*;

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
