//! `icp discover` end to end: a planted profile is recovered, the draft checks, formats and
//! wins on leads it did not see, the figures equal a plain count, the output is stable and a
//! malformed customers file is refused.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use common::icp;

/// A project of generated leads (no plugins) with one persona in its rules.
fn project(companies: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("icp.toml"), "rules = [\"rules\"]\n").unwrap();
    std::fs::write(
        dir.path().join("rules/personas.icp"),
        "persona finance \"Finance\" when contact.department == \"Finance\"\n\n\
         icp everyone \"Everyone\" {\n  product \"X\"\n  version \"1\"\n  owner \"o\"\n  description \"d\"\n\
         \x20 score 1 \"finance\" when any contact where finance\n  tier A otherwise\n}\n",
    )
    .unwrap();
    let n = companies.to_string();
    let out = icp(
        dir.path(),
        &[
            "gen",
            "--companies",
            &n,
            "--seed",
            "7",
            "--messy",
            "0",
            "-o",
            "leads.csv",
            "--contacts-out",
            "contacts.csv",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// The leads' rows, by header name.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn list_has(cell: &str, value: &str) -> bool {
    cell.split(';')
        .any(|v| v.trim().eq_ignore_ascii_case(value))
}

/// The planted profile: Snowflake users in the US or DE (every one of them a best customer).
fn planted(row: &HashMap<String, String>) -> bool {
    list_has(&row["technologies"], "Snowflake") && ["US", "DE"].contains(&row["country"].as_str())
}

fn discover(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["discover", "--as-of", "2026-11-01"];
    all.extend_from_slice(args);
    icp(dir, &all)
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn discover_recovers_the_planted_attributes_in_its_top_ranks() {
    let dir = project(3000);
    let leads = rows(&dir.path().join("leads.csv"));
    let best: Vec<&str> = leads
        .iter()
        .filter(|r| planted(r))
        .map(|r| r["id"].as_str())
        .collect();
    assert!(best.len() > 30, "{}", best.len());
    std::fs::write(dir.path().join("best.txt"), best.join("\n")).unwrap();
    let out = discover(
        dir.path(),
        &[
            "--customers",
            "best.txt",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "--format",
            "json",
        ],
    );
    let report = json(&out);
    let top: Vec<(String, String)> = report["attributes"].as_array().unwrap()[..3]
        .iter()
        .map(|a| {
            (
                a["field"].as_str().unwrap().into(),
                a["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        top[0],
        ("company.technologies".into(), "snowflake".into()),
        "{top:?}"
    );
    assert!(
        top.iter()
            .any(|(f, v)| f == "company.country" && (v == "US" || v == "DE")),
        "{top:?}"
    );
}

#[test]
fn discover_figures_equal_a_plain_count() {
    let dir = project(1500);
    let leads = rows(&dir.path().join("leads.csv"));
    // Best: every third lead using AWS, by domain in a CSV file.
    let best: Vec<&HashMap<String, String>> = leads
        .iter()
        .enumerate()
        .filter(|(i, r)| i % 3 == 0 && list_has(&r["technologies"], "AWS"))
        .map(|(_, r)| r)
        .collect();
    let mut file = String::from("name,domain\n");
    for r in &best {
        file.push_str(&format!("x,{}\n", r["domain"]));
    }
    file.push_str("x,unknown-company.example\n");
    std::fs::write(dir.path().join("best.csv"), file).unwrap();
    for base in ["all", "rest"] {
        let out = discover(
            dir.path(),
            &[
                "--customers",
                "best.csv",
                "--leads",
                "leads.csv",
                "--format",
                "json",
                "--base",
                base,
            ],
        );
        let report = json(&out);
        let n_best = best.len() as f64;
        let n_all = leads.len() as f64;
        assert_eq!(report["best"], best.len());
        assert_eq!(report["customers_not_found"], 1);
        let n_base = if base == "all" { n_all } else { n_all - n_best };
        assert_eq!(report["base"].as_f64().unwrap(), n_base);
        let mut checked = 0;
        for a in report["attributes"].as_array().unwrap() {
            if a["field"] != "company.technologies" && a["field"] != "company.industry" {
                continue;
            }
            let field = a["field"]
                .as_str()
                .unwrap()
                .strip_prefix("company.")
                .unwrap();
            let value = a["value"].as_str().unwrap();
            let held_best = best.iter().filter(|r| list_has(&r[field], value)).count() as f64;
            let held_all = leads.iter().filter(|r| list_has(&r[field], value)).count() as f64;
            let held_base = if base == "all" {
                held_all
            } else {
                held_all - held_best
            };
            let (sb, sa) = (held_best / n_best, held_base / n_base);
            assert!(
                (a["support_best"].as_f64().unwrap() - sb).abs() < 1e-12,
                "{a}"
            );
            assert!(
                (a["support_base"].as_f64().unwrap() - sa).abs() < 1e-12,
                "{a}"
            );
            assert!((a["lift"].as_f64().unwrap() - sb / sa).abs() < 1e-9, "{a}");
            // Fisher's one-sided p: the hypergeometric tail summed term by term.
            let p = hypergeometric_tail(
                n_all as u64,
                held_all as u64,
                n_best as u64,
                held_best as u64,
            );
            let got = a["p_value"].as_f64().unwrap();
            assert!((got - p).abs() <= 1e-8 * p.max(1e-300), "{a}: {p}");
            checked += 1;
        }
        assert!(checked > 5, "{checked}");
    }
}

/// P(X ≥ k), X hypergeometric, each term a product of ratios (no log-gamma).
fn hypergeometric_tail(population: u64, successes: u64, draws: u64, k: u64) -> f64 {
    // ln C(n, r) by summing logs.
    let ln_choose = |n: u64, r: u64| -> f64 {
        (0..r)
            .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
            .sum()
    };
    let total = ln_choose(population, draws);
    (k..=draws.min(successes))
        .filter(|x| draws - x <= population - successes)
        .map(|x| {
            (ln_choose(successes, x) + ln_choose(population - successes, draws - x) - total).exp()
        })
        .sum()
}

#[test]
fn the_draft_checks_formats_and_its_tier_a_wins_on_held_out_leads() {
    let dir = project(4000);
    let path = dir.path();
    let leads = rows(&path.join("leads.csv"));
    // Hold out half: discover on the even rows, score the odd ones.
    let text = std::fs::read_to_string(path.join("leads.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    // The generator writes one line per company (no line breaks inside cells).
    let (mut seen, mut unseen) = (format!("{header}\n"), format!("{header}\n"));
    for (i, line) in lines.enumerate() {
        let half = if i % 2 == 0 { &mut seen } else { &mut unseen };
        half.push_str(line);
        half.push('\n');
    }
    std::fs::write(path.join("seen.csv"), seen).unwrap();
    std::fs::write(path.join("unseen.csv"), unseen).unwrap();
    let best: Vec<&str> = leads
        .iter()
        .enumerate()
        .filter(|(i, r)| i % 2 == 0 && planted(r))
        .map(|(_, r)| r["id"].as_str())
        .collect();
    std::fs::write(path.join("best.txt"), best.join("\n")).unwrap();
    std::fs::create_dir_all(path.join("draft")).unwrap();
    let out = discover(
        path,
        &[
            "--customers",
            "best.txt",
            "--leads",
            "seen.csv",
            "--draft",
            "draft/draft.icp",
            "-o",
            "report.txt",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let draft = std::fs::read_to_string(path.join("draft/draft.icp")).unwrap();
    assert!(draft.contains("# ") && draft.contains("test \""), "{draft}");
    for args in [
        vec!["check", "--deny-warnings", "draft"],
        vec!["fmt", "--check", "draft"],
        vec!["test", "--as-of", "2026-11-01", "draft"],
    ] {
        let out = icp(path, &args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}\n{draft}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = icp(
        path,
        &[
            "score",
            "--rules",
            "draft",
            "--leads",
            "unseen.csv",
            "-o",
            "scored.csv",
            "--as-of",
            "2026-11-01",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let planted_ids: BTreeSet<&str> = leads
        .iter()
        .filter(|r| planted(r))
        .map(|r| r["id"].as_str())
        .collect();
    let scored = rows(&path.join("scored.csv"));
    let rate = |rows: &[&HashMap<String, String>]| {
        rows.iter()
            .filter(|r| planted_ids.contains(r["id"].as_str()))
            .count() as f64
            / rows.len().max(1) as f64
    };
    let all: Vec<&HashMap<String, String>> = scored.iter().collect();
    let tier_a: Vec<&HashMap<String, String>> =
        scored.iter().filter(|r| r["tier"] == "A").collect();
    assert!(!tier_a.is_empty());
    assert!(
        rate(&tier_a) > 2.0 * rate(&all),
        "{} vs {}",
        rate(&tier_a),
        rate(&all)
    );
}

/// A small fixed lead set, for the snapshots.
fn small_project() -> tempfile::TempDir {
    let dir = project(400);
    let leads = rows(&dir.path().join("leads.csv"));
    let best: Vec<&str> = leads
        .iter()
        .filter(|r| list_has(&r["technologies"], "Snowflake") || r["country"] == "US")
        .take(40)
        .map(|r| r["id"].as_str())
        .collect();
    std::fs::write(
        dir.path().join("best.txt"),
        best.join("\n") + "\nmissing-1\n",
    )
    .unwrap();
    dir
}

#[test]
fn discover_text_and_json_snapshots_and_same_bytes_every_run() {
    let dir = small_project();
    let args = [
        "--customers",
        "best.txt",
        "--leads",
        "leads.csv",
        "--contacts",
        "contacts.csv",
    ];
    let text = discover(dir.path(), &args);
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let text = String::from_utf8(text.stdout).unwrap();
    let head: Vec<&str> = text.lines().take(20).collect();
    insta::assert_snapshot!("discover_text", head.join("\n"));
    let mut with_json = args.to_vec();
    with_json.extend(["--format", "json"]);
    let report = json(&discover(dir.path(), &with_json));
    let mut top = report.clone();
    top["attributes"] =
        serde_json::Value::Array(report["attributes"].as_array().unwrap()[..5].to_vec());
    insta::assert_json_snapshot!("discover_json", top);
    let mut with_draft = args.to_vec();
    with_draft.extend(["--draft", "draft.icp"]);
    let first = discover(dir.path(), &with_draft);
    let draft = std::fs::read_to_string(dir.path().join("draft.icp")).unwrap();
    insta::assert_snapshot!("discover_draft", draft);
    let again = discover(dir.path(), &with_draft);
    assert_eq!(first.stdout, again.stdout);
    assert_eq!(
        draft,
        std::fs::read_to_string(dir.path().join("draft.icp")).unwrap()
    );
}

#[test]
fn a_malformed_customers_file_is_refused_with_exit_2() {
    let dir = small_project();
    for (content, message) in [
        (
            "name,city\nAcme,Paris\n",
            "`company_id`, `id` or `domain` column",
        ),
        ("\n\n", "no customers"),
        ("id\n\n", "no customers"),
    ] {
        std::fs::write(dir.path().join("bad.csv"), content).unwrap();
        let out = discover(
            dir.path(),
            &["--customers", "bad.csv", "--leads", "leads.csv"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    std::fs::write(dir.path().join("bin.txt"), [0xff, 0xfe, 0x00]).unwrap();
    let out = discover(
        dir.path(),
        &["--customers", "bin.txt", "--leads", "leads.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = discover(
        dir.path(),
        &["--customers", "nothing.txt", "--leads", "leads.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = discover(
        dir.path(),
        &[
            "--customers",
            "best.txt",
            "--leads",
            "leads.csv",
            "--attributes",
            "0",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}
