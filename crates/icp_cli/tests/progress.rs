//! The progress of `icp score`, `backtest` and `discover` on stderr: with `--progress` it is
//! written even into a pipe (a line a second and one when the leads are read, saying how much
//! of the file was read), and without it a pipe gets none. (The bar drawn on a terminal is
//! indicatif's; a test has no terminal.)

mod common;

use common::*;

/// Runs `icp ARGS` in the repository, as of the demo's date, with and without `--progress`;
/// the standard error of each.
fn both(args: &[&str]) -> (String, String) {
    plugins_built();
    let dir = tempfile::tempdir().expect("temp dir");
    let out_file = dir.path().join("out");
    let mut with: Vec<&str> = args.to_vec();
    with.extend([
        "--as-of",
        "2026-11-23",
        "-o",
        out_file.to_str().expect("utf-8"),
    ]);
    let quiet = icp(&repo(), &with);
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    with.push("--progress");
    let shown = icp(&repo(), &with);
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    (stderr(&quiet), stderr(&shown))
}

/// The last progress line of `stderr` for `what`, which must say the whole file was read.
fn last_line<'a>(stderr: &'a str, what: &str) -> &'a str {
    let line = (stderr.lines())
        .rfind(|l| l.starts_with(&format!("{what}: read ")))
        .unwrap_or_else(|| panic!("no progress line for {what}: {stderr}"));
    let size = std::fs::metadata(repo().join("demo/companies.csv"))
        .expect("the demo")
        .len();
    let shown = indicatif::HumanBytes(size).to_string();
    assert!(
        line.starts_with(&format!("{what}: read {shown} of {shown} (100%) in ")),
        "{line}"
    );
    line
}

#[test]
fn score_shows_its_progress_only_when_asked_into_a_pipe() {
    let (quiet, shown) = both(&["score", "--leads", "demo/companies.csv"]);
    assert!(!quiet.contains(": read "), "{quiet}");
    last_line(&shown, "scoring");
    // The summary follows the progress, unchanged.
    assert!(
        shown.contains("read 3,000 rows from demo/companies.csv"),
        "{shown}"
    );
}

#[test]
fn backtest_and_discover_show_their_progress_when_asked() {
    let (quiet, shown) = both(&["backtest", "--leads", "demo/companies.csv"]);
    assert!(!quiet.contains(": read "), "{quiet}");
    last_line(&shown, "backtesting");
    let (quiet, shown) = both(&[
        "discover",
        "--leads",
        "demo/companies.csv",
        "--outcomes",
        "demo/deals.csv",
    ]);
    assert!(!quiet.contains(": read "), "{quiet}");
    last_line(&shown, "reading");
}

#[test]
fn leads_on_standard_input_have_no_progress() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(["score", "--leads", "-", "--progress", "-o", "-"])
        .current_dir(scoring_project().path())
        .env("XDG_CONFIG_HOME", user_config())
        .stdin(std::fs::File::open(repo().join("demo/companies.csv")).expect("the demo"))
        .output()
        .expect("icp runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains(": read "), "{}", stderr(&out));
}
