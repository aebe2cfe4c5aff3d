//! Relative thresholds end to end: `percentile`, `median` and rank tiers (`top 10%`,
//! `top 60%`) computed over the lead file, equal to a plain computation in the test (sort,
//! interpolate, rank); `--top N` and `--tier A,B` writing only the leads that matter while
//! the summary counts all; `icp explain` showing the thresholds; `icp test` over the test
//! leads; and clear errors (exit 2) for leads on standard input, `--top 0` and unknown tiers.

mod common;

use std::process::{Command, Stdio};

use common::*;

const RULES: &str = r#"icp rank "Ranked" {
  require company.employees >= 10
  score 10 "rich" when company.revenue >= percentile(company.revenue, 80)
  score 3 "staffed" when company.employees > median(company.employees)
  score 1 "present" when company.revenue is present
  tier A when top 10%
  tier B when top 60%
  tier C otherwise
}
"#;

/// A lead of the generated file: `None` is an empty cell.
struct Lead {
    id: String,
    employees: Option<f64>,
    revenue: Option<f64>,
}

/// 300 leads with missing values and many ties (a fixed sequence, not random per run).
fn leads() -> Vec<Lead> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |m: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % m
    };
    (0..300)
        .map(|i| Lead {
            id: format!("c{i}"),
            employees: (next(7) != 0).then(|| next(300) as f64),
            revenue: (next(5) != 0).then(|| (next(50) + 1) as f64 * 1e6),
        })
        .collect()
}

fn csv(leads: &[Lead]) -> String {
    let mut out = String::from("id,name,employees,revenue\n");
    let cell = |v: Option<f64>| v.map_or(String::new(), |n| format!("{n}"));
    for l in leads {
        out.push_str(&format!(
            "{},{},{},{}\n",
            l.id,
            l.id,
            cell(l.employees),
            cell(l.revenue)
        ));
    }
    out
}

/// Linear interpolation between closest ranks over the present values.
fn percentile(values: impl Iterator<Item = f64>, p: f64) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let h = (v.len() - 1) as f64 * p / 100.0;
    let (lo, hi) = (
        h.floor() as usize,
        (h.floor() as usize + 1).min(v.len() - 1),
    );
    v[lo] + (h - h.floor()) * (v[hi] - v[lo])
}

/// The N-th best score of `scores`.
fn nth_best(scores: &[f64], n: usize) -> f64 {
    let mut s = scores.to_vec();
    s.sort_by(|a, b| b.partial_cmp(a).unwrap());
    s[n.min(s.len()) - 1]
}

/// Per lead: (id, qualified, score, tier) as a plain reading of the rules says.
fn expected(leads: &[Lead]) -> Vec<(String, bool, f64, String)> {
    let p80 = percentile(leads.iter().filter_map(|l| l.revenue), 80.0);
    let median = percentile(leads.iter().filter_map(|l| l.employees), 50.0);
    let scored: Vec<(bool, f64)> = leads
        .iter()
        .map(|l| {
            let qualified = l.employees.is_some_and(|e| e >= 10.0);
            let mut score = 0.0;
            if l.revenue.is_some_and(|r| r >= p80) {
                score += 10.0;
            }
            if l.employees.is_some_and(|e| e > median) {
                score += 3.0;
            }
            if l.revenue.is_some() {
                score += 1.0;
            }
            (qualified, score)
        })
        .collect();
    let qualified: Vec<f64> = scored.iter().filter(|s| s.0).map(|s| s.1).collect();
    let n = qualified.len();
    let cut_a = nth_best(&qualified, (n as f64 * 0.1).ceil() as usize);
    let cut_b = nth_best(&qualified, (n as f64 * 0.6).ceil() as usize);
    leads
        .iter()
        .zip(scored)
        .map(|(l, (q, s))| {
            let tier = match q {
                false => "",
                true if s >= cut_a => "A",
                true if s >= cut_b => "B",
                true => "C",
            };
            (l.id.clone(), q, s, tier.to_string())
        })
        .collect()
}

/// (id, qualified, score, tier) of each written row.
fn written(out: &str) -> Vec<(String, bool, f64, String)> {
    out.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (
                cells[0].to_string(),
                cells[3] == "true",
                cells[4].parse().expect("a score"),
                cells[6].to_string(),
            )
        })
        .collect()
}

fn rank_project() -> (tempfile::TempDir, Vec<Lead>) {
    let leads = leads();
    let dir = project(&[("rules/rank.icp", RULES), ("leads.csv", &csv(&leads))]);
    (dir, leads)
}

#[test]
fn percentiles_and_rank_tiers_equal_a_plain_computation() {
    let (dir, leads) = rank_project();
    let out = icp(dir.path(), &["score", "--leads", "leads.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = expected(&leads);
    assert_eq!(written(&stdout(&out)), want);
    // The tiers are not degenerate: each is used.
    let count = |t: &str| want.iter().filter(|w| w.3 == t).count();
    assert!(
        count("A") > 0 && count("B") > 0 && count("C") > 0,
        "A {} B {} C {}",
        count("A"),
        count("B"),
        count("C")
    );
    // Both evaluators: `--explain` takes every lead through the whole-result path.
    let explained = icp(dir.path(), &["score", "--leads", "leads.csv", "--explain"]);
    let rows: Vec<_> = written(&stdout(&explained));
    assert_eq!(rows.len(), want.len());
}

#[test]
fn top_writes_the_best_leads_with_their_ties_and_the_summary_counts_all() {
    let (dir, leads) = rank_project();
    let out = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "--top", "25"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = expected(&leads);
    let best: Vec<f64> = want.iter().filter(|w| w.1).map(|w| w.2).collect();
    let cut = nth_best(&best, 25);
    let kept: Vec<_> = want.into_iter().filter(|w| w.1 && w.2 >= cut).collect();
    assert!(kept.len() >= 25);
    assert_eq!(written(&stdout(&out)), kept);
    assert!(stderr(&out).contains("300 leads"), "{}", stderr(&out));
}

#[test]
fn tier_writes_only_the_leads_of_those_tiers() {
    let (dir, leads) = rank_project();
    let out = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "--tier", "A,B"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let kept: Vec<_> = (expected(&leads).into_iter())
        .filter(|w| w.3 == "A" || w.3 == "B")
        .collect();
    assert_eq!(written(&stdout(&out)), kept);
    // Both filters: the leads of tier B among the 25 best.
    let out = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "--tier",
            "B",
            "--top",
            "25",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(written(&stdout(&out)).iter().all(|w| w.3 == "B"));
}

#[test]
fn explain_shows_the_computed_thresholds() {
    let dir = project(&[
        ("rules/rank.icp", RULES),
        (
            "leads.csv",
            "id,name,employees,revenue\nc1,A,100,10M\nc2,B,200,20M\nc3,C,5,30M\nc4,D,400,\n",
        ),
    ]);
    let out = icp(
        dir.path(),
        &["explain", "--leads", "leads.csv", "--id", "c2"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let thresholds = &text[text.find("thresholds").expect("a thresholds section")..];
    insta::assert_snapshot!("explain_thresholds", thresholds);
}

#[test]
fn icp_test_ranks_the_test_leads() {
    let rules = format!(
        "{RULES}
test \"the best of three\" {{
  company {{ employees: 300, revenue: 50M }}
  expect rank tier A
}}

test \"below the percentile\" {{
  company {{ employees: 20, revenue: 1M }}
  expect rank score == 1
}}

test \"no revenue\" {{
  company {{ employees: 100 }}
  expect rank score == 0
}}
"
    );
    let dir = project(&[("rules/rank.icp", &rules)]);
    let out = icp(dir.path(), &["test"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn leads_on_standard_input_are_refused_with_a_clear_error() {
    let (dir, _) = rank_project();
    let leads = std::fs::File::open(dir.path().join("leads.csv")).expect("leads");
    let out = Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(["score", "--leads", "-"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", user_config())
        .stdin(Stdio::from(leads))
        .output()
        .expect("icp runs");
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("stdin_refused", stderr(&out));
}

#[test]
fn bad_filters_are_usage_errors() {
    let (dir, _) = rank_project();
    let out = icp(dir.path(), &["score", "--leads", "leads.csv", "--top", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--top 0"), "{}", stderr(&out));
    let out = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "--tier", "A,Z"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "error: --tier Z: no ICP has a tier `Z`; the tiers are A, B, C"
    );
    let out = icp(dir.path(), &["score", "--leads", "leads.csv", "--top", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_field_no_lead_has_makes_its_percentile_unknown() {
    let dir = project(&[
        ("rules/rank.icp", RULES),
        (
            "leads.csv",
            "id,name,employees,revenue\nc1,A,100,\nc2,B,200,\n",
        ),
    ]);
    let out = icp(dir.path(), &["score", "--leads", "leads.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // No revenue: `rich` is unknown (no points), the ranks are over the other scores.
    let rows = written(&stdout(&out));
    assert_eq!(rows[0], ("c1".into(), true, 0.0, "B".into()));
    assert_eq!(rows[1], ("c2".into(), true, 3.0, "A".into()));
}
