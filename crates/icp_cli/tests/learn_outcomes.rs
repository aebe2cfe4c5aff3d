//! Outcomes across `icp discover`, `icp diff` and `icp backtest`: discover's best customers
//! taken from an outcomes file recover the generator's planted ICP and its draft wins on
//! held-out accounts; diff's win figures per tier, and backtest's figures, equal SQL over
//! the same files (tests/sql/backtest.sql); unreadable rows go to rejects files.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;

const AS_OF: &str = "2026-11-23";

/// Rules that read no date: every lead gives the same result whatever its as-of.
const OLD_RULES: &str = "icp mid \"Mid-market\" {\n  product \"X\"\n  version \"1\"\n  owner \"o\"\n  description \"d\"\n  require company.employees >= 20\n  score 20 \"software\" when company.industry has any [\"Software\", \"Internet\"]\n  score 10 \"snowflake\" when company.technologies has \"Snowflake\"\n  score 5 \"size\" when company.employees between 200 and 2000\n  tier A when score >= 25\n  tier B when score >= 10\n  tier C otherwise\n}\n\nicp big \"Big\" {\n  product \"X\"\n  version \"1\"\n  owner \"o\"\n  description \"d\"\n  require company.employees >= 1000\n  score 10 \"revenue\" when company.revenue >= 100M\n  tier A otherwise\n}\n";

/// The same ICP `mid` edited towards the planted one; `big` removed, `fin` added.
const NEW_RULES: &str = "icp mid \"Mid-market\" {\n  product \"X\"\n  version \"2\"\n  owner \"o\"\n  description \"d\"\n  require company.employees >= 20\n  score 20 \"finance\" when company.industry has any [\"Fintech\", \"Financial Services\"]\n  score 10 \"snowflake\" when company.technologies has \"Snowflake\"\n  score 10 \"size\" when company.employees between 200 and 2000\n  tier A when score >= 30\n  tier B when score >= 10\n  tier D otherwise\n}\n\nicp fin \"Fin\" {\n  product \"X\"\n  version \"1\"\n  owner \"o\"\n  description \"d\"\n  score 10 \"cfo\" when any contact where contact.title matches /\\bCFO\\b/i\n  tier A when score >= 10\n}\n";

/// A project of `companies` generated leads with contacts and deals, and the old and new
/// rules in `old/` and `new/`.
fn generated(companies: u64) -> tempfile::TempDir {
    let dir = project(&[("old/r.icp", OLD_RULES), ("new/r.icp", NEW_RULES)]);
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
            "--deals-out",
            "deals.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("csv");
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Each company's account outcome: won if any deal is won, else lost if any is lost.
fn accounts(deals: &Path) -> HashMap<String, String> {
    let mut accounts: HashMap<String, String> = HashMap::new();
    for deal in rows(deals) {
        let entry = accounts.entry(deal["company_id"].clone()).or_default();
        let rank = |o: &str| ["", "open", "lost", "won"].iter().position(|x| *x == o);
        if rank(&deal["outcome"]) > rank(entry) {
            *entry = deal["outcome"].clone();
        }
    }
    accounts
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    serde_json::from_str(&stdout(out)).expect("JSON")
}

/// `icp score --all` with `rules` into `scored`.
fn score_all(dir: &Path, rules: &str, leads: &str, scored: &str) {
    let out = icp(
        dir,
        &[
            "score",
            "--rules",
            rules,
            "--leads",
            leads,
            "--contacts",
            "contacts.csv",
            "--all",
            "--as-of",
            AS_OF,
            "-o",
            scored,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The figures of tests/sql/backtest.sql over a scored file and the deals, or `None` (with
/// a message) when python3 is not on the machine.
fn sql_figures(dir: &Path, scored: &str) -> Option<serde_json::Value> {
    let script = repo().join("tests/sql/backtest.py");
    let out = match std::process::Command::new("python3")
        .arg(&script)
        .arg(scored)
        .arg("deals.csv")
        .current_dir(dir)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("SKIPPED: python3 is not available ({e}); the SQL comparison needs it");
            return None;
        }
    };
    assert!(out.status.success(), "{}", stderr(&out));
    Some(serde_json::from_str(&stdout(&out)).expect("SQL JSON"))
}

fn close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        _ => a.is_null() && b.is_null(),
    }
}

/// Asserts that a tier's figures (backtest's JSON form) equal SQL's row for it, or that
/// the tier is empty when SQL has no row.
fn assert_tier_equals_sql(figures: &serde_json::Value, sql: &serde_json::Value, icp: &str) {
    let tier = &figures["tier"];
    let row = sql["tiers"]
        .as_array()
        .expect("tiers")
        .iter()
        .find(|r| r["icp"] == icp && r["tier"] == *tier);
    let Some(row) = row else {
        assert_eq!(figures["accounts"], 0, "{icp} {tier}: {figures}");
        return;
    };
    for key in [
        "accounts",
        "won",
        "lost",
        "open",
        "win_rate",
        "lift",
        "wins_captured",
        "amount_won",
    ] {
        assert!(
            close(&figures[key], &row[key]),
            "{icp} {tier} {key}: {} vs SQL {}",
            figures[key],
            row[key]
        );
    }
}

#[test]
fn backtest_figures_equal_sql_over_the_same_files() {
    let dir = generated(6000);
    let path = dir.path();
    score_all(path, "old", "leads.csv", "scored.csv");
    let out = icp(
        path,
        &[
            "backtest",
            "--rules",
            "old",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "--outcomes",
            "deals.csv",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    );
    let report = json(&out);
    let Some(sql) = sql_figures(path, "scored.csv") else {
        return;
    };
    let icps = report["icps"].as_array().expect("icps");
    assert_eq!(icps.len(), 2);
    for icp in icps {
        let name = icp["icp"].as_str().expect("name");
        let base = sql["base"]
            .as_array()
            .expect("base")
            .iter()
            .find(|b| b["icp"] == name)
            .expect("base row");
        for key in ["accounts", "won", "lost", "open"] {
            assert_eq!(report["base"][key], base[key], "base {key}");
        }
        for tier in icp["tiers"].as_array().expect("tiers") {
            assert_tier_equals_sql(tier, &sql, name);
        }
        assert_tier_equals_sql(&icp["not_qualified"], &sql, name);
        let auc = sql["auc"]
            .as_array()
            .expect("auc")
            .iter()
            .find(|a| a["icp"] == name)
            .expect("auc row");
        assert!(
            close(&icp["auc"], &auc["auc"]),
            "{name}: {} vs {}",
            icp["auc"],
            auc["auc"]
        );
    }
}

#[test]
fn diff_outcomes_equal_sql_over_each_sides_scores() {
    let dir = generated(5000);
    let path = dir.path();
    score_all(path, "old", "leads.csv", "old.csv");
    score_all(path, "new", "leads.csv", "new.csv");
    let out = icp(
        path,
        &[
            "diff",
            "old",
            "new",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "--outcomes",
            "deals.csv",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    );
    let report = json(&out);
    let (Some(old), Some(new)) = (sql_figures(path, "old.csv"), sql_figures(path, "new.csv"))
    else {
        return;
    };
    let icps = report["icps"].as_array().expect("icps");
    let names: Vec<&str> = icps.iter().map(|i| i["icp"].as_str().unwrap()).collect();
    assert_eq!(names, ["mid", "big", "fin"]);
    for icp in icps {
        let name = icp["icp"].as_str().unwrap();
        let outcomes = &icp["outcomes"];
        let tiers: Vec<&serde_json::Value> = outcomes["tiers"].as_array().unwrap().iter().collect();
        let tier_names: Vec<&serde_json::Value> = tiers.iter().map(|t| &t["tier"]).collect();
        let expected: Vec<serde_json::Value> = match name {
            "mid" => vec![
                "A".into(),
                "B".into(),
                "C".into(),
                "D".into(),
                serde_json::Value::Null,
            ],
            "big" | "fin" => vec!["A".into(), serde_json::Value::Null],
            _ => unreachable!(),
        };
        assert_eq!(tier_names, expected.iter().collect::<Vec<_>>(), "{name}");
        for change in tiers {
            for (side, sql) in [("old", &old), ("new", &new)] {
                let figures = &change[side];
                let has_tier = !matches!(
                    (name, side, change["tier"].as_str()),
                    ("fin", "old", _)
                        | ("big", "new", _)
                        | ("mid", "old", Some("D"))
                        | ("mid", "new", Some("C"))
                );
                if has_tier {
                    assert_tier_equals_sql(figures, sql, name);
                } else {
                    assert!(figures.is_null(), "{name} {side} {change}");
                }
            }
        }
        assert_eq!(outcomes["base"]["accounts"], 5000);
    }
    // The planted ICP is about finance and Snowflake: the edit raises tier A's lift.
    let mid = &icps[0]["outcomes"]["tiers"][0];
    assert!(
        mid["new"]["lift"].as_f64().unwrap() > mid["old"]["lift"].as_f64().unwrap(),
        "{mid}"
    );
    // Without --outcomes the JSON has no `outcomes` field.
    let out = icp(
        path,
        &[
            "diff",
            "old",
            "new",
            "--leads",
            "leads.csv",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    );
    assert!(json(&out)["icps"][0].get("outcomes").is_none());
}

#[test]
fn diff_outcomes_text_and_markdown_snapshots() {
    let dir = generated(600);
    let path = dir.path();
    for format in ["text", "markdown"] {
        let out = icp(
            path,
            &[
                "diff",
                "old",
                "new",
                "--leads",
                "leads.csv",
                "--contacts",
                "contacts.csv",
                "--outcomes",
                "deals.csv",
                "--as-of",
                AS_OF,
                "--format",
                format,
                "--top",
                "0",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        insta::assert_snapshot!(format!("diff_outcomes_{format}"), stdout(&out));
    }
}

#[test]
fn discover_with_outcomes_recovers_the_planted_icp_and_wins_on_held_out_accounts() {
    let dir = generated(40_000);
    let path = dir.path();
    // Discover on the companies of even rows, hold out the odd ones (one line per company).
    let text = std::fs::read_to_string(path.join("leads.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut seen, mut unseen) = (format!("{header}\n"), format!("{header}\n"));
    for (i, line) in lines.enumerate() {
        let half = if i % 2 == 0 { &mut seen } else { &mut unseen };
        half.push_str(line);
        half.push('\n');
    }
    std::fs::write(path.join("seen.csv"), seen).unwrap();
    std::fs::write(path.join("unseen.csv"), unseen).unwrap();
    std::fs::create_dir_all(path.join("draft")).unwrap();
    let out = icp(
        path,
        &[
            "discover",
            "--rules",
            "old",
            "--outcomes",
            "deals.csv",
            "--leads",
            "seen.csv",
            "--contacts",
            "contacts.csv",
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "--draft",
            "draft/draft.icp",
        ],
    );
    let report = json(&out);
    // The won accounts of the unseen half match no lead: counted, not an error.
    assert!(
        stderr(&out).contains("won accounts in deals.csv were not found"),
        "{}",
        stderr(&out)
    );
    let top: Vec<(String, String)> = report["attributes"].as_array().unwrap()[..8]
        .iter()
        .map(|a| {
            (
                a["field"].as_str().unwrap().into(),
                a["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    let has = |field: &str, ok: &dyn Fn(&str) -> bool| top.iter().any(|(f, v)| f == field && ok(v));
    assert!(
        has("company.technologies", &|v| v == "snowflake"),
        "{top:?}"
    );
    assert!(
        has("company.industry", &|v| v == "fintech"
            || v == "financial services"),
        "{top:?}"
    );
    assert!(
        has("contact.title", &|v| v == "cfo" || v == "finance"),
        "{top:?}"
    );
    assert!(
        has("company.employees", &|v| {
            let (lo, hi) = v.split_once("..").unwrap();
            let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
            lo <= 2000.0 && hi >= 200.0
        }),
        "{top:?}"
    );
    // The draft's tier A wins more often than the base on the held-out accounts.
    score_all(path, "draft", "unseen.csv", "scored.csv");
    let accounts = accounts(&path.join("deals.csv"));
    let rate = |tier: Option<&str>| {
        let (mut won, mut closed) = (0u32, 0u32);
        for row in rows(&path.join("scored.csv")) {
            if tier.is_some_and(|t| row["tier"] != t) {
                continue;
            }
            match accounts.get(&row["id"]).map(String::as_str) {
                Some("won") => (won, closed) = (won + 1, closed + 1),
                Some("lost") => closed += 1,
                _ => {}
            }
        }
        assert!(closed > 50, "{tier:?}: {closed} closed");
        f64::from(won) / f64::from(closed)
    };
    let (tier_a, base) = (rate(Some("A")), rate(None));
    assert!(tier_a > 1.25 * base, "tier A {tier_a} vs base {base}");
}

#[test]
fn discover_takes_customers_or_outcomes_not_both() {
    let dir = generated(50);
    let path = dir.path();
    std::fs::write(path.join("best.txt"), "C00001\n").unwrap();
    for args in [
        vec!["discover", "--rules", "old", "--leads", "leads.csv"],
        vec![
            "discover",
            "--rules",
            "old",
            "--leads",
            "leads.csv",
            "--customers",
            "best.txt",
            "--outcomes",
            "deals.csv",
        ],
        vec![
            "discover",
            "--rules",
            "old",
            "--leads",
            "leads.csv",
            "--outcomes",
            "nope.csv",
        ],
    ] {
        let out = icp(path, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn diff_and_discover_write_unreadable_rows_to_rejects_files() {
    let dir = generated(60);
    let path = dir.path();
    let leads = std::fs::read_to_string(path.join("leads.csv")).unwrap();
    // A good file: no rejects file is created.
    for args in [
        vec![
            "diff",
            "old",
            "new",
            "--leads",
            "leads.csv",
            "--outcomes",
            "deals.csv",
        ],
        vec![
            "discover",
            "--rules",
            "old",
            "--leads",
            "leads.csv",
            "--outcomes",
            "deals.csv",
        ],
    ] {
        let out = icp(path, &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!path.join("leads.rejects.csv").exists(), "{args:?}");
        assert!(!path.join("deals.rejects.csv").exists(), "{args:?}");
    }
    // A broken row of the leads (an unterminated quote) and bad deals.
    std::fs::write(path.join("bad.csv"), format!("{leads}C99999,\"broken\n")).unwrap();
    let deals = std::fs::read_to_string(path.join("deals.csv")).unwrap();
    std::fs::write(
        path.join("deals.csv"),
        format!("{deals}C00001,lost,1,2025-13-45,\nC00002,won,lots,,\n"),
    )
    .unwrap();
    for args in [
        vec![
            "diff",
            "old",
            "new",
            "--leads",
            "bad.csv",
            "--outcomes",
            "deals.csv",
        ],
        vec![
            "discover",
            "--rules",
            "old",
            "--leads",
            "bad.csv",
            "--outcomes",
            "deals.csv",
        ],
    ] {
        let _ = std::fs::remove_file(path.join("bad.rejects.csv"));
        let _ = std::fs::remove_file(path.join("deals.rejects.csv"));
        let out = icp(path, &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let rejects = std::fs::read_to_string(path.join("bad.rejects.csv")).expect("leads rejects");
        assert!(rejects.contains("C99999"), "{args:?}: {rejects}");
        assert!(
            stderr(&out).contains("see bad.rejects.csv"),
            "{args:?}: {}",
            stderr(&out)
        );
        let deals = std::fs::read_to_string(path.join("deals.rejects.csv")).expect("deals rejects");
        assert!(
            deals.contains("2025-13-45") && deals.contains("lots"),
            "{args:?}: {deals}"
        );
        assert!(
            stderr(&out).contains("see deals.rejects.csv"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}
