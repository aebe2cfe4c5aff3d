//! What `icp score` writes, end to end through the built binary: every output whole or not at
//! all and from one run (a file-size limit, SIGINT and SIGTERM, the same path twice, two runs
//! at once), the format following the output's extension, leads from standard input, and the
//! switch that writes formula-like cells raw.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

/// Companies `PREFIX1`… for the `GOOD` rules, every tenth row a rejected one (a missing
/// field) naming the prefix, so a file's rows say which input they came from.
fn leads(prefix: &str, rows: usize) -> String {
    let mut text = String::from("id,name,employees,annual_spend\n");
    for i in 1..=rows {
        if i % 10 == 0 {
            text.push_str(&format!("{prefix}{i},rejected {prefix}\n"));
        } else {
            text.push_str(&format!(
                "{prefix}{i},Co {i},{},{}\n",
                40 + i % 30,
                i * 1000
            ));
        }
    }
    text
}

/// A project whose earlier run left `out.csv` and `r.csv`; returns their contents.
fn project_with_outputs() -> (tempfile::TempDir, String, String) {
    let dir = project(&[("rules/demo.icp", GOOD), ("old.csv", &leads("old", 30))]);
    let args = [
        "score",
        "--leads",
        "old.csv",
        "-o",
        "out.csv",
        "--rejects",
        "r.csv",
    ];
    let run = icp(dir.path(), &args);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect("read");
    let (results, rejects) = (read("out.csv"), read("r.csv"));
    assert!(rejects.contains("rejected old"), "{rejects}");
    (dir, results, rejects)
}

fn assert_untouched(dir: &Path, results: &str, rejects: &str) {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("read");
    assert_eq!(
        read("out.csv"),
        results,
        "the earlier results are untouched"
    );
    assert_eq!(read("r.csv"), rejects, "the earlier rejects are untouched");
    no_temporary_file(dir);
}

#[test]
fn a_file_size_limit_fails_the_run_and_leaves_the_earlier_outputs() {
    let (dir, results, rejects) = project_with_outputs();
    std::fs::write(dir.path().join("big.csv"), leads("big", 20_000)).expect("write");
    // 64 blocks of 512 bytes: far less than the results of 20,000 leads.
    let script = format!(
        "ulimit -f 64 && exec '{}' score --leads big.csv -o out.csv --rejects r.csv",
        env!("CARGO_BIN_EXE_icp")
    );
    let run = Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("cannot write"), "{}", stderr(&run));
    assert_untouched(dir.path(), &results, &rejects);
}

/// Starts a run on a lead file large enough to be stopped half-way, sends it `signal` once
/// its first temporary file exists, and returns its exit code.
fn stopped_by(signal: &str, code: i32) {
    let (dir, results, rejects) = project_with_outputs();
    let generated = icp(
        dir.path(),
        &[
            "gen",
            "--companies",
            "300000",
            "--contacts-per-company",
            "0",
            "-o",
            "big.csv",
        ],
    );
    assert_eq!(generated.status.code(), Some(0), "{}", stderr(&generated));
    let mut child = Command::new(env!("CARGO_BIN_EXE_icp"))
        .args([
            "score",
            "--leads",
            "big.csv",
            "-o",
            "out.csv",
            "--rejects",
            "r.csv",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("icp starts");
    while !listing(dir.path()).iter().any(|n| n.contains(".partial")) {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the run ended before a temporary file was seen"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let kill = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let out = child.wait_with_output().expect("icp ends");
    assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
    assert!(stderr(&out).contains("stopped by SIG"), "{}", stderr(&out));
    assert_untouched(dir.path(), &results, &rejects);
}

#[test]
fn sigterm_removes_the_temporary_files_and_exits_143() {
    stopped_by("-TERM", 143);
}

#[test]
fn sigint_removes_the_temporary_files_and_exits_130() {
    stopped_by("-INT", 130);
}

#[test]
fn the_same_file_twice_is_refused_before_anything_is_written() {
    let dir = project(&[("rules/demo.icp", GOOD), ("leads.csv", &leads("a", 30))]);
    for (output, rejects) in [("x.csv", "x.csv"), ("x.csv", "./x.csv")] {
        let args = [
            "score",
            "--leads",
            "leads.csv",
            "-o",
            output,
            "--rejects",
            rejects,
        ];
        let run = icp(dir.path(), &args);
        assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
        assert!(stderr(&run).contains("are one file"), "{}", stderr(&run));
        assert_eq!(listing(dir.path()), ["icp.toml", "leads.csv", "rules"]);
    }
    // The `[score]` defaults collide the same way.
    std::fs::write(
        dir.path().join("icp.toml"),
        "rules = [\"rules\"]\n\n[fields.company]\nannual_spend = \"number\"\n\n[score]\nleads = \"leads.csv\"\noutput = \"x.csv\"\nrejects = \"x.csv\"\n",
    )
    .expect("write");
    let run = icp(dir.path(), &["score"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert_eq!(listing(dir.path()), ["icp.toml", "leads.csv", "rules"]);
}

/// One of two runs racing for the same outputs: its rules name an ICP after it (and give
/// it its own maximum score), its leads' ids and rejected rows carry its prefix, so every
/// line of a results or rejects file says which run wrote it.
struct Racer {
    icp: &'static str,
    prefix: &'static str,
    max_score: u32,
}

const RACERS: [Racer; 2] = [
    Racer {
        icp: "alpha",
        prefix: "a",
        max_score: 10,
    },
    Racer {
        icp: "beta",
        prefix: "b",
        max_score: 25,
    },
];

impl Racer {
    fn rules(&self) -> String {
        let extra = if self.max_score > 10 {
            "  score 15 \"large\" when company.employees >= 60\n"
        } else {
            ""
        };
        GOOD.replace("icp demo {\n", &format!("icp {} {{\n", self.icp))
            .replace("  tier A", &format!("{extra}  tier A"))
    }

    /// Whether a result row is this run's: its id, its ICP, its maximum score.
    fn wrote_result(&self, row: &str) -> bool {
        let cells: Vec<&str> = row.split(',').collect();
        cells.len() == 10
            && cells[0]
                .strip_prefix(self.prefix)
                .is_some_and(|n| n.parse::<u32>().is_ok())
            && cells[2] == self.icp
            && cells[5] == self.max_score.to_string()
    }

    /// Whether a rejects row is this run's: the raw row of one of its leads.
    fn wrote_reject(&self, row: &str) -> bool {
        row.ends_with(&format!(",rejected {}\"", self.prefix))
    }
}

#[test]
fn two_runs_at_once_leave_the_results_and_rejects_of_one_run() {
    const LEADS: usize = 20_000;
    let mut files = vec![];
    let rules: Vec<(String, String)> = RACERS
        .iter()
        .map(|r| (format!("rules_{}/r.icp", r.icp), r.rules()))
        .collect();
    let leads: Vec<(String, String)> = RACERS
        .iter()
        .map(|r| (format!("{}.csv", r.prefix), leads(r.prefix, LEADS)))
        .collect();
    files.extend(rules.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    files.extend(leads.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    let dir = project(&files);
    // Many rounds, a fixed number of them: each starts both runs together, and whatever
    // order their writes and commits take, the files left must be one run's, whole.
    for round in 0..16 {
        let start = |racer: &Racer| {
            Command::new(env!("CARGO_BIN_EXE_icp"))
                .args(["score", "--rules", &format!("rules_{}", racer.icp)])
                .args(["--leads", &format!("{}.csv", racer.prefix)])
                .args(["-o", "out.csv", "--rejects", "r.csv", "--threads", "2"])
                .env("XDG_CONFIG_HOME", user_config())
                .current_dir(dir.path())
                .stderr(Stdio::piped())
                .spawn()
                .expect("icp starts")
        };
        let runs: Vec<_> = RACERS.iter().map(start).collect();
        for run in runs {
            let out = run.wait_with_output().expect("icp ends");
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
        let results = std::fs::read_to_string(dir.path().join("out.csv")).expect("read");
        let rejects = std::fs::read_to_string(dir.path().join("r.csv")).expect("read");
        let rows: Vec<&str> = results.lines().skip(1).collect();
        let Some(racer) = RACERS
            .iter()
            .find(|r| rows.first().is_some_and(|row| r.wrote_result(row)))
        else {
            panic!(
                "round {round}: the first result is no run's: {:?}",
                rows.first()
            );
        };
        assert_eq!(
            rows.len(),
            LEADS - LEADS / 10,
            "round {round}: every result of one run"
        );
        assert!(
            rows.iter().all(|row| racer.wrote_result(row)),
            "round {round}: results of {} only",
            racer.icp
        );
        let rejected: Vec<&str> = rejects.lines().skip(1).collect();
        assert_eq!(
            rejected.len(),
            LEADS / 10,
            "round {round}: every rejected row of one run"
        );
        assert!(
            rejected.iter().all(|row| racer.wrote_reject(row)),
            "round {round}: the rejects of {}, whose results are there",
            racer.icp
        );
        no_temporary_file(dir.path());
    }
}

#[test]
fn the_format_follows_the_extension_and_a_contradiction_is_refused() {
    let dir = project(&[("rules/demo.icp", GOOD), ("leads.csv", &leads("a", 30))]);
    let run = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "-o", "out.jsonl"],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let jsonl = std::fs::read_to_string(dir.path().join("out.jsonl")).expect("read");
    assert!(jsonl.starts_with('{'), "{jsonl}");

    let run = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "-o",
            "out.csv",
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("--format jsonl does not match"),
        "{}",
        stderr(&run)
    );
    assert!(!dir.path().join("out.csv").exists());

    // The same with the output from `[score] output`.
    std::fs::write(
        dir.path().join("icp.toml"),
        "rules = [\"rules\"]\n\n[fields.company]\nannual_spend = \"number\"\n\n[score]\nleads = \"leads.csv\"\noutput = \"scored.csv\"\n",
    )
    .expect("write");
    let run = icp(dir.path(), &["score", "--format", "jsonl"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(!dir.path().join("scored.csv").exists());
}

/// Runs `icp score` in `dir` with `input` piped to its standard input.
fn piped(dir: &Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("icp starts");
    let mut stdin = child.stdin.take().expect("stdin");
    std::io::Write::write_all(&mut stdin, input.as_bytes()).expect("pipe");
    drop(stdin);
    child.wait_with_output().expect("icp ends")
}

#[test]
fn leads_are_read_from_standard_input() {
    let csv = leads("a", 30);
    let dir = project(&[("rules/demo.icp", GOOD), ("leads.csv", &csv)]);
    let from_file = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "--rejects", "f.csv"],
    );
    assert_eq!(from_file.status.code(), Some(0), "{}", stderr(&from_file));
    let from_stdin = piped(dir.path(), &["score", "--leads", "-"], &csv);
    assert_eq!(from_stdin.status.code(), Some(0), "{}", stderr(&from_stdin));
    assert_eq!(stdout(&from_stdin), stdout(&from_file));
    assert!(
        stderr(&from_stdin).contains("from standard input"),
        "{}",
        stderr(&from_stdin)
    );
    let rejects = std::fs::read_to_string(dir.path().join("stdin.rejects.csv")).expect("read");
    assert!(rejects.contains("rejected a"), "{rejects}");

    let jsonl = "{\"id\":\"j1\",\"employees\":60,\"annual_spend\":2000000}\n";
    let args = ["score", "--leads", "-", "--input-format", "jsonl"];
    let run = piped(dir.path(), &args, jsonl);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(stdout(&run).contains("\nj1,"), "{}", stdout(&run));
}

#[test]
fn formula_cells_are_escaped_unless_asked_to_stay_raw() {
    let formula = "=HYPERLINK(\"http://x\",\"y\")";
    let quoted = "\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"";
    let csv = format!("id,name,employees,annual_spend\nc1,{quoted},60,2000000\n{formula}\n");
    let dir = project(&[("rules/demo.icp", GOOD), ("leads.csv", &csv)]);
    let score = |extra: &[&str]| {
        let mut args = vec!["score", "--leads", "leads.csv", "-o", "out.csv"];
        args.extend(extra);
        args.extend(["--rejects", "r.csv"]);
        let run = icp(dir.path(), &args);
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect("read");
        (read("out.csv"), read("r.csv"))
    };
    let escaped = "'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")";
    let (results, rejects) = score(&[]);
    assert!(results.contains(escaped), "{results}");
    assert!(rejects.contains(escaped), "{rejects}");

    let (results, rejects) = score(&["--raw-cells"]);
    assert!(
        results.contains(quoted) && !results.contains('\''),
        "{results}"
    );
    assert!(
        rejects.contains(quoted) && !rejects.contains('\''),
        "{rejects}"
    );

    std::fs::write(
        dir.path().join("icp.toml"),
        "rules = [\"rules\"]\n\n[fields.company]\nannual_spend = \"number\"\n\n[score]\nescape_formulas = false\n",
    )
    .expect("write");
    let (results, rejects) = score(&[]);
    assert!(
        results.contains(quoted) && !results.contains('\''),
        "{results}"
    );
    assert!(
        rejects.contains(quoted) && !rejects.contains('\''),
        "{rejects}"
    );
}
