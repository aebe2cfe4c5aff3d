//! Parquet beyond a lead file named on the command line: Parquet bytes on standard input
//! (`--leads -`) score to the bytes the same file gives; a stream that starts with `PAR1` but
//! is no Parquet file stops with a clear error and exit 2; `--progress` on a Parquet lead file
//! shows the file's size and reaches it, for `score`, `backtest` and `discover`; and an
//! outcomes file written as Parquet backtests and discovers as its CSV form does. The demo's
//! CSV files are written as Parquet by DuckDB (typed: numbers, dates, booleans).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use common::*;

const AS_OF: &str = "2026-11-23";

/// The demo's companies, contacts and deals as Parquet (companies.parquet, contacts.parquet,
/// deals.parquet), written once per test binary.
fn demo_parquet() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = r#"
import sys, duckdb
src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
for name in ["companies", "contacts", "deals"]:
    con.execute(f"COPY (SELECT * FROM read_csv('{src}/{name}.csv', header=true)) TO '{out}/{name}.parquet' (FORMAT parquet)")
"#;
        let out = Command::new(icp_benches::python_with_engines())
            .arg("-c")
            .arg(script)
            .arg(repo().join("demo"))
            .arg(dir.path())
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
    .path()
}

fn parquet(name: &str) -> String {
    demo_parquet().join(name).display().to_string()
}

/// `icp ARGS` in the repository with `stdin` as its standard input.
fn icp_with_input(args: &[&str], stdin: Stdio) -> Output {
    plugins_built();
    Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", user_config())
        .stdin(stdin)
        .output()
        .expect("icp runs")
}

fn file(path: &str) -> Stdio {
    Stdio::from(std::fs::File::open(path).expect("the Parquet file"))
}

/// `icp score` of the demo's Parquet companies, named `leads` (`-`: standard input, given
/// `stdin`), with its Parquet contacts, results on standard output.
fn score_parquet(leads: &str, stdin: Stdio) -> Output {
    let contacts = parquet("contacts.parquet");
    let args = [
        "score",
        "--leads",
        leads,
        "--contacts",
        &contacts,
        "--as-of",
        AS_OF,
        "-o",
        "-",
    ];
    icp_with_input(&args, stdin)
}

#[test]
fn parquet_leads_on_standard_input_score_as_the_file_does() {
    let companies = parquet("companies.parquet");
    let named = score_parquet(&companies, Stdio::null());
    let piped = score_parquet("-", file(&companies));
    assert_eq!(named.status.code(), Some(0), "{}", stderr(&named));
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    assert!(named.stdout.len() > 1000, "{}", stdout(&named));
    assert_eq!(named.stdout, piped.stdout, "the results");
    let summary = files_named(&stderr(&piped));
    assert!(
        summary.starts_with("read 3,000 rows from standard input: 3,000 leads"),
        "{summary}"
    );
    assert_eq!(
        files_named(&stderr(&named)).replace("FILE", "standard input"),
        summary.replace("FILE", "standard input"),
        "the summaries"
    );
    insta::assert_snapshot!("parquet_on_stdin_summary", summary);
}

/// A summary without its timing, each file it read from named `FILE`.
fn files_named(summary: &str) -> String {
    let summary = without_timing(summary);
    let named = summary.lines().map(|line| {
        match (
            line.strip_prefix("read "),
            line.find(" from "),
            line.find(": "),
        ) {
            (Some(_), Some(from), Some(colon)) if from < colon => {
                let shown = &line[from + 6..colon];
                let file = if shown == "standard input" {
                    shown
                } else {
                    "FILE"
                };
                format!("{}{file}{}\n", &line[..from + 6], &line[colon..])
            }
            _ => format!("{line}\n"),
        }
    });
    named.collect()
}

#[test]
fn a_stream_that_only_starts_like_parquet_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, bytes) in [
        ("magic only", &b"PAR1"[..]),
        ("no footer", b"PAR1id,name\na,b\n"),
    ] {
        let path = dir.path().join("bad");
        std::fs::write(&path, bytes).expect("write");
        let out = score_parquet("-", Stdio::from(std::fs::File::open(&path).expect("open")));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            err.contains("standard input") && err.contains("not a readable Parquet file"),
            "{name}: {err}"
        );
        if name == "magic only" {
            insta::assert_snapshot!("parquet_on_stdin_refused", err);
        }
    }
}

/// The last `--progress` line of `what`, which must say the whole of `path` was read.
fn assert_read_whole(err: &str, what: &str, path: &Path) {
    let size = std::fs::metadata(path).expect("the file").len();
    let shown = indicatif::HumanBytes(size).to_string();
    let line = (err.lines())
        .rfind(|l| l.starts_with(&format!("{what}: read ")))
        .unwrap_or_else(|| panic!("no progress line for {what}: {err}"));
    assert!(
        line.starts_with(&format!("{what}: read {shown} of {shown} (100%) in ")),
        "{line}"
    );
}

#[test]
fn progress_on_parquet_leads_shows_the_file_size_and_reaches_it() {
    let companies = parquet("companies.parquet");
    let out_dir = tempfile::tempdir().expect("temp dir");
    let out = out_dir.path().join("out").display().to_string();
    let runs: [(&str, Vec<&str>); 3] = [
        ("scoring", vec!["score"]),
        ("backtesting", vec!["backtest"]),
        ("reading", vec!["discover", "--outcomes", "demo/deals.csv"]),
    ];
    for (what, command) in runs {
        let mut args = command.clone();
        args.extend(["--leads", &companies, "--as-of", AS_OF, "-o", &out]);
        let quiet = icp_with_input(&args, Stdio::null());
        assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
        assert!(!stderr(&quiet).contains(": read "), "{}", stderr(&quiet));
        args.push("--progress");
        let shown = icp_with_input(&args, Stdio::null());
        assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
        assert_read_whole(&stderr(&shown), what, Path::new(&companies));
    }
}

/// The standard output of `icp COMMAND --outcomes OUTCOMES` on the demo's companies.
fn with_outcomes(command: &str, outcomes: &str) -> String {
    let args = [
        command,
        "--leads",
        "demo/companies.csv",
        "--outcomes",
        outcomes,
        "--as-of",
        AS_OF,
    ];
    let out = icp_with_input(&args, Stdio::null());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn outcomes_as_parquet_backtest_and_discover_as_their_csv_form() {
    let deals: PathBuf = demo_parquet().join("deals.parquet");
    let deals = deals.to_str().expect("utf-8");
    for command in ["backtest", "discover"] {
        let csv = with_outcomes(command, "demo/deals.csv");
        let typed = with_outcomes(command, deals);
        assert!(csv.lines().count() > 5, "{command}: {csv}");
        assert_eq!(csv, typed.replace(deals, "demo/deals.csv"), "{command}");
    }
}
