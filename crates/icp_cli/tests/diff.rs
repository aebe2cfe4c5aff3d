//! `icp diff` end to end: the moves matrix equals a plain count over two `icp score --all`
//! runs (for random edits of a rule file), `--base` reads the rules of a git revision, the
//! text, JSON and markdown reports are snapshotted, and bad input exits as documented.

mod common;

use std::path::Path;

use common::*;

/// A small deterministic generator, so the leads and the rule edits are the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// 80 leads with an industry, a size, a revenue and a country (some missing), and contacts.
fn write_leads(dir: &Path) {
    let mut r = Lcg(7);
    let industries = [
        "Software",
        "Internet",
        "IT Services",
        "Retail",
        "Fintech;Software",
        "",
    ];
    let countries = ["US", "DE", "GB", "FR", ""];
    let seniorities = ["C-Level", "VP", "Director", "Manager"];
    let mut leads = String::from("id,name,industry,employees,revenue,country\n");
    let mut contacts = String::from("company_id,name,email,title,seniority,department\n");
    for i in 0..80 {
        let employees = if r.next(10) == 0 {
            String::new()
        } else {
            (10 + r.next(3000)).to_string()
        };
        leads.push_str(&format!(
            "L{i:03},Company {i},\"{}\",{employees},{},{}\n",
            industries[r.next(6) as usize],
            r.next(50) * 1_000_000,
            countries[r.next(5) as usize],
        ));
        for c in 0..r.next(3) {
            contacts.push_str(&format!(
                "L{i:03},Person {i}-{c},p{i}.{c}@example.com,Head of Ops,{},Operations\n",
                seniorities[r.next(4) as usize]
            ));
        }
    }
    std::fs::write(dir.join("leads.csv"), leads).expect("write leads");
    std::fs::write(dir.join("contacts.csv"), contacts).expect("write contacts");
}

/// A rule file with the edits' numbers in it.
fn rules(
    max_employees: u64,
    industry_points: u64,
    revenue: u64,
    cut_a: u64,
    cut_b: u64,
    extra_icp: &str,
) -> String {
    format!(
        r#"persona buyer when contact.seniority in ["C-Level", "VP"]

icp mm "Mid-market" {{
  require company.employees between 50 and {max_employees}
  exclude company.country == "FR"
  score {industry_points} "core industry" when company.industry has any ["Software", "Internet"]
  score 15 "revenue fit" when company.revenue >= {revenue}M
  score 10 "buyer" when any contact where buyer
  tier A when score >= {cut_a}
  tier B when score >= {cut_b}
  tier C otherwise
}}
{extra_icp}"#
    )
}

const GONE: &str = "\nicp gone {\n  require company.country == \"US\"\n  tier T otherwise\n}\n";
const FRESH: &str =
    "\nicp fresh {\n  require company.country == \"DE\"\n  tier X when company.revenue >= 20M\n}\n";

fn diff_project(old: &str, new: &str) -> tempfile::TempDir {
    let dir = project(&[("old/r.icp", old), ("new/r.icp", new)]);
    write_leads(dir.path());
    dir
}

const LEADS: &[&str] = &[
    "--leads",
    "leads.csv",
    "--contacts",
    "contacts.csv",
    "--as-of",
    "2026-01-15",
];

fn diff(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["diff"];
    args.extend_from_slice(extra);
    args.extend_from_slice(LEADS);
    icp(dir, &args)
}

/// Per lead and ICP, the tier `icp score --all` gives with the rules at `rules`.
fn tiers_by_score(
    dir: &Path,
    rules: &str,
) -> std::collections::BTreeMap<(String, String), Option<String>> {
    let mut args = vec![
        "score", "--rules", rules, "--all", "--format", "jsonl", "-o", "-",
    ];
    args.extend_from_slice(LEADS);
    let out = icp(dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).expect("a JSON row");
            let key = (
                row["icp"].as_str().expect("icp").to_string(),
                row["id"].as_str().expect("id").to_string(),
            );
            (key, row["tier"].as_str().map(str::to_string))
        })
        .collect()
}

/// The moves of every ICP counted plainly from the two sides' `icp score` results.
fn plain_moves(
    dir: &Path,
) -> std::collections::BTreeMap<(String, Option<String>, Option<String>), u64> {
    let (old, new) = (tiers_by_score(dir, "old"), tiers_by_score(dir, "new"));
    let ids: std::collections::BTreeSet<&String> =
        old.keys().chain(new.keys()).map(|(_, id)| id).collect();
    let icps: std::collections::BTreeSet<&String> =
        old.keys().chain(new.keys()).map(|(icp, _)| icp).collect();
    let mut moves = std::collections::BTreeMap::new();
    for icp in &icps {
        for id in &ids {
            let key = ((*icp).clone(), (*id).clone());
            let from = old.get(&key).cloned().flatten();
            let to = new.get(&key).cloned().flatten();
            *moves.entry(((*icp).clone(), from, to)).or_insert(0) += 1;
        }
    }
    moves
}

fn reported_moves(
    report: &serde_json::Value,
) -> std::collections::BTreeMap<(String, Option<String>, Option<String>), u64> {
    let mut moves = std::collections::BTreeMap::new();
    for icp in report["icps"].as_array().expect("icps") {
        for m in icp["moves"].as_array().expect("moves") {
            let tier = |v: &serde_json::Value| v.as_str().map(str::to_string);
            let key = (
                icp["icp"].as_str().expect("name").to_string(),
                tier(&m["from"]),
                tier(&m["to"]),
            );
            assert!(
                moves
                    .insert(key, m["leads"].as_u64().expect("leads"))
                    .is_none(),
                "one cell each"
            );
        }
    }
    moves
}

#[test]
fn the_moves_equal_a_plain_count_over_two_score_runs_for_random_edits() {
    let mut r = Lcg(42);
    let dir = diff_project("", "");
    for case in 0..8 {
        let mut side = |extra: &str| {
            let cut_b = 5 + r.next(30);
            rules(
                500 + r.next(2000),
                r.next(40),
                r.next(40),
                cut_b + r.next(30),
                cut_b,
                extra,
            )
        };
        let extras = [("", ""), (GONE, ""), ("", FRESH), (GONE, FRESH)][case % 4];
        let (old, new) = (side(extras.0), side(extras.1));
        std::fs::write(dir.path().join("old/r.icp"), &old).expect("write");
        std::fs::write(dir.path().join("new/r.icp"), &new).expect("write");
        let out = diff(dir.path(), &["old", "new", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        assert_eq!(report["leads"], 80);
        assert_eq!(
            reported_moves(&report),
            plain_moves(dir.path()),
            "case {case}:\n{old}\n{new}"
        );
        for icp in report["icps"].as_array().expect("icps") {
            let moved: u64 = icp["moves"]
                .as_array()
                .expect("moves")
                .iter()
                .filter(|m| m["from"] != m["to"])
                .map(|m| m["leads"].as_u64().expect("n"))
                .sum();
            assert_eq!(icp["moved"].as_u64(), Some(moved));
        }
    }
}

/// Relative thresholds on both sides: each side's percentiles and rank tiers are computed
/// over every lead, as its own `icp score` run computes them.
#[test]
fn relative_thresholds_are_computed_for_each_side() {
    let side = |p: u32, top: u32| {
        format!(
            r#"icp mm "Mid-market" {{
  require company.employees >= 50
  score 20 "big revenue" when company.revenue >= percentile(company.revenue, {p})
  score 10 "core" when company.industry has any ["Software", "Internet"]
  score 5 "above median" when company.employees > median(company.employees)
  tier A when top {top}%
  tier B when score >= 10
  tier C otherwise
}}
"#
        )
    };
    let dir = diff_project(&side(80, 10), &side(60, 25));
    let out = diff(dir.path(), &["old", "new", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let moves = reported_moves(&report);
    assert_eq!(moves, plain_moves(dir.path()));
    assert!(
        moves.iter().any(|((_, from, to), _)| from != to),
        "the edit moves some leads: {moves:?}"
    );
}

#[test]
fn the_scores_and_movers_equal_the_score_runs() {
    let dir = diff_project(
        &rules(1000, 20, 10, 35, 20, GONE),
        &rules(2000, 25, 10, 35, 20, FRESH),
    );
    let out = diff(
        dir.path(),
        &["old", "new", "--format", "json", "--top", "100"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let mm = &report["icps"][0];
    assert_eq!(mm["icp"], "mm");
    // Every lead whose tier or score changed is a mover (100 is more than there are).
    let score_rows = |rules: &str| {
        let mut args = vec![
            "score", "--rules", rules, "--all", "--format", "jsonl", "-o", "-",
        ];
        args.extend_from_slice(LEADS);
        let out = icp(dir.path(), &args);
        stdout(&out)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("row"))
            .filter(|row| row["icp"] == "mm")
            .collect::<Vec<_>>()
    };
    let (old, new) = (score_rows("old"), score_rows("new"));
    let changed: Vec<&str> = old
        .iter()
        .zip(&new)
        .filter(|(o, n)| o["tier"] != n["tier"] || o["score"] != n["score"])
        .map(|(o, _)| o["id"].as_str().expect("id"))
        .collect();
    let mut movers: Vec<&str> = mm["movers"]
        .as_array()
        .expect("movers")
        .iter()
        .map(|m| m["id"].as_str().expect("id"))
        .collect();
    movers.sort_unstable();
    assert_eq!(movers, changed);
    let median = |rows: &[serde_json::Value]| {
        let mut s: Vec<f64> = rows
            .iter()
            .map(|r| r["score"].as_f64().expect("score"))
            .collect();
        s.sort_by(f64::total_cmp);
        s[s.len().div_ceil(2) - 1]
    };
    assert_eq!(
        mm["old_scores"]["all"]["median"].as_f64(),
        Some(median(&old))
    );
    assert_eq!(
        mm["new_scores"]["all"]["median"].as_f64(),
        Some(median(&new))
    );
}

#[test]
fn reports_in_text_json_and_markdown() {
    let dir = diff_project(
        &rules(1000, 20, 10, 35, 20, GONE),
        &rules(2000, 25, 10, 35, 20, FRESH),
    );
    for (format, name) in [
        ("text", "diff_text"),
        ("json", "diff_json"),
        ("markdown", "diff_markdown"),
    ] {
        let out = diff(
            dir.path(),
            &["old", "new", "--format", format, "--top", "3"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        insta::assert_snapshot!(name, stdout(&out));
    }
    let out = diff(
        dir.path(),
        &[
            "old",
            "new",
            "-o",
            "report.md",
            "--format",
            "markdown",
            "--top",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.path().join("report.md")).expect("report");
    assert!(
        written.starts_with("## icp diff: `old` → `new`"),
        "{written}"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn base_compares_the_working_tree_with_a_git_revision() {
    let old = rules(1000, 20, 10, 35, 20, GONE);
    let new = rules(2000, 25, 10, 35, 20, FRESH);
    let dir = diff_project(&old, &new);
    std::fs::create_dir_all(dir.path().join("rules")).expect("mkdir");
    std::fs::write(dir.path().join("rules/r.icp"), &old).expect("write");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "rules/r.icp"]);
    git(dir.path(), &["commit", "-q", "-m", "rules"]);
    std::fs::write(dir.path().join("rules/r.icp"), &new).expect("write");
    let by_paths = diff(dir.path(), &["old", "new", "--format", "json"]);
    // The rules of icp.toml (`rules`) against HEAD, and a named path against HEAD.
    for extra in [
        &["--base", "HEAD"][..],
        &["--base", "HEAD", "rules"],
        &["--base", "HEAD", "rules/r.icp"],
    ] {
        let mut args = extra.to_vec();
        args.extend(["--format", "json"]);
        let out = diff(dir.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), stdout(&by_paths), "{extra:?}");
    }
    let out = diff(dir.path(), &["--base", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no-such-branch: no such revision"),
        "{}",
        stderr(&out)
    );
    // A rule path the revision does not have.
    std::fs::write(dir.path().join("rules/later.icp"), "").expect("write");
    let out = diff(dir.path(), &["--base", "HEAD", "rules/later.icp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("HEAD:rules/later.icp: no such file at that revision"),
        "{}",
        stderr(&out)
    );
    // Rule errors at the revision: exit 1, naming the old side and the file as git has it.
    std::fs::write(dir.path().join("rules/r.icp"), "icp broken { require }\n").expect("write");
    git(dir.path(), &["commit", "-q", "-am", "broken"]);
    std::fs::write(dir.path().join("rules/r.icp"), &new).expect("write");
    let out = diff(dir.path(), &["--base", "HEAD"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("HEAD:rules/r.icp"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("nothing was compared (the old rules)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn bad_input_exits_with_a_clear_message() {
    let dir = diff_project(&rules(1000, 20, 10, 35, 20, ""), "icp broken { require }\n");
    let out = diff(dir.path(), &["old", "new"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("nothing was compared (the new rules)"),
        "{}",
        stdout(&out)
    );
    let out = diff(dir.path(), &["old"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("give the OLD and NEW rule paths"),
        "{}",
        stderr(&out)
    );
    let out = icp(
        dir.path(),
        &["diff", "old", "old", "--leads", "missing.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: cannot open"),
        "{}",
        stderr(&out)
    );
    std::fs::write(
        dir.path().join("bad.csv"),
        "id,employees\n\"unterminated,1\n",
    )
    .expect("write");
    let out = icp(
        dir.path(),
        &[
            "diff", "old", "old", "--leads", "bad.csv", "--format", "json",
        ],
    );
    assert!(matches!(out.status.code(), Some(0 | 2)), "{}", stderr(&out));
    let out = icp(
        dir.path(),
        &[
            "diff",
            "old",
            "old",
            "--leads",
            "leads.csv",
            "-o",
            "leads.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("also an input file"),
        "{}",
        stderr(&out)
    );
}
