//! `icp backtest` evaluates its dated leads in batches mixing many dates, each lead as of its
//! account's created date (the evaluator's `today` per lead, the plugins asked one date at a
//! time). Its figures must equal those of evaluating each date's leads on their own: here,
//! per distinct date D, `icp score --all --as-of D` over every lead, each lead's row taken from
//! the run of its own date (`--as-of` for a lead without a created date), and every figure
//! recomputed plainly from those rows. The rules read the funding plugin, with rounds dated
//! between two deals' dates and on a window's last day, and `year(today)`.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::*;

const RULES: &str = "icp dated {\n  score 10 \"raised\" when funding.raised_within(120d)\n  score 5  \"late\"   when year(today) >= 2025\n  score 3  \"big\"    when company.employees >= 100\n  tier A when score >= 13\n  tier B when score >= 5\n}\n";

const AS_OF: &str = "2026-02-01";

/// The deals' created dates. A round on 2025-02-15 lies between the first two; 120 days after
/// it is 2025-06-15, the third: the window's last day, included.
const CREATED: [&str; 5] = [
    "2024-12-20",
    "2025-03-01",
    "2025-06-15",
    "2025-09-01",
    "2026-01-10",
];

struct Fixture {
    leads: String,
    deals: String,
    funding: String,
    /// Per lead: its account's outcome and the date it is evaluated as of (None: no deal).
    accounts: Vec<Option<(&'static str, &'static str)>>,
}

fn fixture(n: usize) -> Fixture {
    let outcomes = ["won", "lost", "open", "won", "lost"];
    let mut leads = String::from("id,name,domain,employees\n");
    let mut deals = String::from("company_id,outcome,amount,created,closed\n");
    let mut funding = String::from("domain,date,type,amount_usd\n");
    let mut accounts = Vec::new();
    for i in 0..n {
        leads.push_str(&format!("L{i},Co {i},co{i}.com,{}\n", i * 7 % 200));
        match i % 4 {
            0 => funding.push_str(&format!("co{i}.com,2025-02-15,Seed,100000\n")),
            1 => funding.push_str(&format!("co{i}.com,2025-08-01,Series A,5000000\n")),
            2 => funding.push_str(&format!("co{i}.com,2025-12-01,Series B,9000000\n")),
            _ => {}
        }
        if i % 7 == 6 {
            accounts.push(None);
            continue;
        }
        let outcome = outcomes[i * 3 % 5];
        let created = (i % 6 != 5).then(|| CREATED[i % 5]);
        deals.push_str(&format!(
            "L{i},{outcome},1000,{},\n",
            created.unwrap_or_default()
        ));
        // A later deal of the same account: the earliest created date counts.
        if i % 5 == 0 && created.is_some() {
            deals.push_str(&format!("L{i},{outcome},500,2026-01-20,\n"));
        }
        accounts.push(Some((outcome, created.unwrap_or(AS_OF))));
    }
    Fixture {
        leads,
        deals,
        funding,
        accounts,
    }
}

/// The rows of `icp score --all --as-of DATE`, by lead id.
fn scored_as_of(dir: &std::path::Path, date: &str) -> HashMap<String, serde_json::Value> {
    let out = icp(
        dir,
        &[
            "score",
            "--all",
            "--leads",
            "leads.csv",
            "--as-of",
            date,
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| {
            let row: serde_json::Value = serde_json::from_str(l).expect("row");
            (row["id"].as_str().expect("id").to_string(), row)
        })
        .collect()
}

#[test]
fn dated_batches_equal_evaluating_each_date_on_its_own() {
    plugins_built();
    let n = 90;
    let f = fixture(n);
    let dir = project(&[
        ("rules/dated.icp", RULES),
        ("leads.csv", &f.leads),
        ("deals.csv", &f.deals),
        ("funding.csv", &f.funding),
    ]);
    // Small batches: the dated leads are gathered out of many of them, into one batch of
    // every date.
    let toml = dir.path().join("icp.toml");
    let config = std::fs::read_to_string(&toml).expect("icp.toml")
        + "\n[input]\nbatch_size = 8\n\n[plugins.funding]\ndata = \"funding.csv\"\n";
    std::fs::write(&toml, config).expect("write icp.toml");
    let out = icp(
        dir.path(),
        &[
            "backtest",
            "--leads",
            "leads.csv",
            "--outcomes",
            "deals.csv",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON report");

    // Each date's run, and each lead's row from the run of its own date.
    let dates: BTreeSet<&str> = f
        .accounts
        .iter()
        .map(|a| a.map_or(AS_OF, |(_, d)| d))
        .collect();
    let runs: HashMap<&str, HashMap<String, serde_json::Value>> = dates
        .iter()
        .map(|d| (*d, scored_as_of(dir.path(), d)))
        .collect();
    struct Row<'a> {
        outcome: &'a str,
        tier: Option<String>,
        score: f64,
        matched: Vec<String>,
    }
    let rows: Vec<Row> = f
        .accounts
        .iter()
        .enumerate()
        .map(|(i, account)| {
            let (outcome, date) = account.unwrap_or(("none", AS_OF));
            let scored = &runs[date][&format!("L{i}")];
            Row {
                outcome,
                tier: scored["tier"].as_str().map(str::to_string),
                score: scored["score"].as_f64().expect("score"),
                matched: scored["matched"]
                    .as_array()
                    .expect("matched")
                    .iter()
                    .map(|m| m.as_str().expect("label").to_string())
                    .collect(),
            }
        })
        .collect();
    // The fixture reaches what it is for: the signal reads differently on different dates.
    let raised = |r: &Row| r.matched.iter().any(|m| m == "raised");
    assert!(rows.iter().any(raised) && !rows.iter().all(raised));

    let count = |f: &dyn Fn(&Row) -> bool, o: &str| {
        rows.iter().filter(|r| f(r) && r.outcome == o).count() as u64
    };
    let icp = &report["icps"][0];
    for (figures, tier) in [
        (&icp["tiers"][0], Some("A")),
        (&icp["tiers"][1], Some("B")),
        (&icp["not_qualified"], None),
    ] {
        let in_tier = |r: &Row| r.tier.as_deref() == tier;
        let accounts = rows.iter().filter(|r| in_tier(r)).count() as u64;
        assert_eq!(figures["accounts"], accounts, "{tier:?}");
        for o in ["won", "lost", "open"] {
            assert_eq!(figures[o], count(&in_tier, o), "{tier:?} {o}");
        }
    }
    let all = |_: &Row| true;
    let (won, lost) = (count(&all, "won") as f64, count(&all, "lost") as f64);
    for (c, label) in ["raised", "late", "big"].iter().enumerate() {
        let figures = &icp["criteria"][c];
        assert_eq!(figures["label"], *label);
        let holds = |r: &Row| r.matched.iter().any(|m| m == label);
        let holds_won = count(&holds, "won") as f64 / won;
        let holds_lost = count(&holds, "lost") as f64 / lost;
        assert!(
            (figures["holds_won"].as_f64().expect("holds_won") - holds_won).abs() < 1e-9,
            "{label}"
        );
        assert!(
            (figures["holds_lost"].as_f64().expect("holds_lost") - holds_lost).abs() < 1e-9,
            "{label}"
        );
    }
    // AUC over the closed leads, ties counted half.
    let scores = |o: &str| -> Vec<f64> {
        rows.iter()
            .filter(|r| r.outcome == o)
            .map(|r| r.score)
            .collect()
    };
    let mut credit = 0.0;
    for a in scores("won") {
        for b in scores("lost") {
            credit += match a.partial_cmp(&b) {
                Some(std::cmp::Ordering::Greater) => 1.0,
                Some(std::cmp::Ordering::Equal) => 0.5,
                _ => 0.0,
            };
        }
    }
    let auc = icp["auc"].as_f64().expect("auc");
    assert!((auc - credit / (won * lost)).abs() < 1e-9);
}
