//! `icp backtest` end to end: its three forms snapshotted on a small fixture, its figures
//! against a plain computation from `icp score --all` and the input files, malformed outcomes
//! counted, and the no-leakage rule with the funding plugin.

mod common;

use common::*;

const RULES: &str = "persona buyer when contact.seniority in [\"VP\", \"C-Level\"]\n\nicp demo \"Demo\" {\n  require company.employees >= 50\n  exclude company.industry has \"Gambling\"\n  score 20 \"software\" when company.industry has any [\"Software\", \"Internet\"]\n  score 10 \"buyer\"    when any contact where buyer\n  score 5  \"revenue\"  when company.revenue >= 10M\n  tier A when score >= 30\n  tier B otherwise\n}\n";

/// Leads, contacts and deals drawn from a fixed sequence: `n` companies, a deal for most.
fn fixture(n: u64) -> (String, String, String) {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let industries = ["Software", "Internet", "Retail", "Gambling", "Banking"];
    let seniorities = ["VP", "C-Level", "Staff", "Manager"];
    let outcomes = ["won", "lost", "open"];
    let (mut leads, mut contacts, mut deals) = (
        String::from("id,name,domain,industry,employees,revenue\n"),
        String::from("company_id,name,seniority\n"),
        String::from("company_id,domain,outcome,amount,created,closed\n"),
    );
    for i in 0..n {
        let employees = if next(6) == 0 {
            String::new()
        } else {
            (next(200) * 3).to_string()
        };
        let revenue = if next(4) == 0 {
            String::new()
        } else {
            (next(30) * 1_000_000).to_string()
        };
        let industry = industries[next(5) as usize];
        leads.push_str(&format!(
            "L{i},Co {i},co{i}.com,{industry},{employees},{revenue}\n"
        ));
        for c in 0..next(3) {
            let s = seniorities[next(4) as usize];
            contacts.push_str(&format!("L{i},P{c},{s}\n"));
        }
        // Some companies have two deals; some are joined by domain only; some have none.
        for _ in 0..next(3) {
            let outcome = outcomes[next(3) as usize];
            let amount = next(50) * 1000;
            let created = format!("2025-{:02}-{:02}", 1 + next(12), 1 + next(28));
            if next(5) == 0 {
                deals.push_str(&format!(",www.co{i}.com,{outcome},{amount},{created},\n"));
            } else {
                deals.push_str(&format!("L{i},,{outcome},{amount},{created},\n"));
            }
        }
    }
    deals.push_str("nobody,,won,100,2025-01-01,\n");
    (leads, contacts, deals)
}

fn backtest_project(n: u64) -> tempfile::TempDir {
    let (leads, contacts, deals) = fixture(n);
    let dir = project(&[
        ("rules/demo.icp", RULES),
        ("leads.csv", &leads),
        ("contacts.csv", &contacts),
        ("deals.csv", &deals),
    ]);
    // Small batches: dated leads are gathered across many of them.
    let toml = dir.path().join("icp.toml");
    let config = std::fs::read_to_string(&toml).expect("icp.toml") + "\n[input]\nbatch_size = 7\n";
    std::fs::write(&toml, config).expect("write icp.toml");
    dir
}

fn run(dir: &std::path::Path, format: &str) -> String {
    let out = icp(
        dir,
        &[
            "backtest",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "--outcomes",
            "deals.csv",
            "--as-of",
            "2026-01-01",
            "--format",
            format,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn backtest_report_forms() {
    let dir = backtest_project(40);
    insta::assert_snapshot!("backtest_text", run(dir.path(), "text"));
    insta::assert_snapshot!("backtest_json", run(dir.path(), "json"));
    insta::assert_snapshot!("backtest_markdown", run(dir.path(), "markdown"));
}

fn close(a: &serde_json::Value, b: Option<f64>) -> bool {
    match (a.as_f64(), b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (None, None) => a.is_null(),
        _ => false,
    }
}

/// Every figure recomputed plainly: each lead's tier and score from `icp score --all`, its
/// criteria from its cells, its account from the deals file.
#[test]
fn backtest_figures_equal_a_plain_computation() {
    let dir = backtest_project(300);
    let report: serde_json::Value =
        serde_json::from_str(&run(dir.path(), "json")).expect("JSON report");
    let out = icp(
        dir.path(),
        &[
            "score",
            "--all",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "--as-of",
            "2026-01-01",
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let scored: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("row"))
        .collect();
    let (leads, contacts, deals) = fixture(300);
    // Accounts: by id, else by domain; won beats lost beats open; amounts of won deals.
    let mut accounts: Vec<(Vec<String>, String, f64)> = Vec::new();
    for line in deals.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let key = if cells[0].is_empty() {
            cells[1].trim_start_matches("www.").to_string()
        } else {
            cells[0].to_string()
        };
        let amount: f64 = cells[3].parse().expect("amount");
        let found = accounts.iter_mut().find(|a| a.0.contains(&key));
        let account = match found {
            Some(a) => a,
            None => {
                accounts.push((vec![key], "open".into(), 0.0));
                accounts.last_mut().expect("pushed")
            }
        };
        let rank = |o: &str| ["open", "lost", "won"].iter().position(|x| *x == o);
        if rank(cells[2]) > rank(&account.1) {
            account.1 = cells[2].to_string();
        }
        if cells[2] == "won" {
            account.2 += amount;
        }
    }
    struct Lead {
        outcome: String,
        amount: f64,
        tier: Option<String>,
        score: f64,
        holds: [bool; 5],
    }
    let mut rows = Vec::new();
    let mut matched_accounts = std::collections::HashSet::new();
    for (line, scored) in leads.lines().skip(1).zip(&scored) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(scored["id"], cells[0]);
        let account = accounts
            .iter()
            .position(|a| a.0.iter().any(|k| k == cells[0]))
            .or_else(|| {
                accounts
                    .iter()
                    .position(|a| a.0.iter().any(|k| k == cells[2]))
            });
        if let Some(a) = account {
            matched_accounts.insert(a);
        }
        let (outcome, amount) = account.map_or(("none".to_string(), 0.0), |a| {
            (accounts[a].1.clone(), accounts[a].2)
        });
        let buyer = contacts.lines().any(|c| {
            let c: Vec<&str> = c.split(',').collect();
            c[0] == cells[0] && (c[2] == "VP" || c[2] == "C-Level")
        });
        let employees: Option<f64> = cells[4].parse().ok();
        let matched = |label: &str| {
            scored["matched"]
                .as_array()
                .expect("matched")
                .iter()
                .any(|m| m == label)
        };
        rows.push(Lead {
            amount: if outcome == "won" { amount } else { 0.0 },
            outcome,
            tier: scored["tier"].as_str().map(str::to_string),
            score: scored["score"].as_f64().expect("score"),
            holds: [
                employees.is_some_and(|e| e >= 50.0),
                cells[3] == "Gambling",
                matched("software"),
                buyer,
                matched("revenue"),
            ],
        });
    }
    let count = |f: &dyn Fn(&Lead) -> bool, o: &str| {
        rows.iter().filter(|l| f(l) && l.outcome == o).count() as f64
    };
    let all = |_: &Lead| true;
    let (won, lost) = (count(&all, "won"), count(&all, "lost"));
    let base = won / (won + lost);
    assert_eq!(report["base"]["accounts"], rows.len());
    assert_eq!(report["base"]["won"], won as u64);
    assert_eq!(report["base"]["lost"], lost as u64);
    assert_eq!(report["base"]["open"], count(&all, "open") as u64);
    assert!(close(&report["base"]["win_rate"], Some(base)));
    assert_eq!(
        report["unmatched_accounts"],
        accounts.len() - matched_accounts.len()
    );
    let icp = &report["icps"][0];
    for (figures, tier) in [
        (&icp["tiers"][0], Some("A")),
        (&icp["tiers"][1], Some("B")),
        (&icp["not_qualified"], None),
    ] {
        let in_tier = |l: &Lead| l.tier.as_deref() == tier;
        let (w, lo) = (count(&in_tier, "won"), count(&in_tier, "lost"));
        assert_eq!(
            figures["accounts"],
            rows.iter().filter(|l| in_tier(l)).count()
        );
        assert_eq!(figures["won"], w as u64);
        assert_eq!(figures["lost"], lo as u64);
        let rate = (w + lo > 0.0).then(|| w / (w + lo));
        assert!(close(&figures["win_rate"], rate));
        assert!(close(&figures["lift"], rate.map(|r| r / base)));
        assert!(close(&figures["wins_captured"], Some(w / won)));
        let amount: f64 = rows.iter().filter(|l| in_tier(l)).map(|l| l.amount).sum();
        assert!(close(&figures["amount_won"], Some(amount)));
    }
    let mut credit = 0.0;
    let closed = |o: &str| -> Vec<f64> {
        rows.iter()
            .filter(|l| l.outcome == o)
            .map(|l| l.score)
            .collect()
    };
    for a in closed("won") {
        for b in closed("lost") {
            credit += if a > b {
                1.0
            } else if a == b {
                0.5
            } else {
                0.0
            };
        }
    }
    assert!(close(&icp["auc"], Some(credit / (won * lost))));
    let labels = [
        "company.employees >= 50",
        "company.industry has \"Gambling\"",
        "software",
        "buyer",
        "revenue",
    ];
    for (c, label) in labels.iter().enumerate() {
        let figures = &icp["criteria"][c];
        assert_eq!(figures["label"], *label);
        let holds = |l: &Lead| l.holds[c];
        let (w, lo) = (count(&holds, "won"), count(&holds, "lost"));
        assert!(close(&figures["holds_won"], Some(w / won)), "{label}");
        assert!(close(&figures["holds_lost"], Some(lo / lost)), "{label}");
        assert!(
            close(
                &figures["lift"],
                (w + lo > 0.0).then(|| w / (w + lo) / base)
            ),
            "{label}"
        );
    }
    assert_eq!(icp["criteria"][5]["kind"], "persona");
}

#[test]
fn malformed_outcomes_are_counted_and_rejected_never_a_panic() {
    let dir = backtest_project(10);
    std::fs::write(
        dir.path().join("deals.csv"),
        "company_id,outcome,amount,created,closed\nL1,won,10,2025-01-01,\nL2,maybe,1,,\n,lost,1,,\nL3,won,lots,,\nL4,lost,1,2025-13-45,\nL5,open\nnobody,won,1,,\n\"L6,won\n",
    )
    .expect("write deals");
    let out = icp(
        dir.path(),
        &[
            "backtest",
            "--leads",
            "leads.csv",
            "--outcomes",
            "deals.csv",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(report["base"]["won"], 1);
    assert_eq!(report["base"]["open"], 1);
    assert_eq!(report["unmatched_accounts"], 1);
    let rejects = std::fs::read_to_string(dir.path().join("deals.rejects.csv")).expect("rejects");
    // Unknown outcome, no key, a bad amount, a bad date, broken quoting (the short row
    // `L5,open` is an open deal without an amount).
    let rejected: Vec<&str> = rejects
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(rejected.len(), 5, "{rejects}");
    assert!(
        stderr(&out).contains("rejected (see deals.rejects.csv)"),
        "{}",
        stderr(&out)
    );

    // No outcomes file, or one that is not there: exit 2 with a message.
    let out = icp(dir.path(), &["backtest", "--leads", "leads.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: no outcomes file"),
        "{}",
        stderr(&out)
    );
    let out = icp(
        dir.path(),
        &["backtest", "--leads", "leads.csv", "--outcomes", "nope.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: nope.csv: no such file or directory\n");
}

/// A lead won on a deal created before its funding round: the backtest, as of the deal's
/// date, does not see the round; evaluated as of the run's date it does.
#[test]
fn no_leakage_a_round_after_the_deal_is_not_read() {
    plugins_built();
    let rules = "icp funded {\n  score 10 \"raised\" when funding.raised_within(365d)\n  tier A when score >= 10\n}\n";
    let dir = project(&[
        ("rules/funded.icp", rules),
        (
            "leads.csv",
            "id,name,domain\nL1,One,one.com\nL2,Two,two.com\n",
        ),
        (
            "funding.csv",
            "domain,date,type,amount_usd\none.com,2025-06-01,Series A,5000000\ntwo.com,2025-06-01,Seed,100000\n",
        ),
    ]);
    let toml = dir.path().join("icp.toml");
    let config = std::fs::read_to_string(&toml).expect("icp.toml")
        + "\n[plugins.funding]\ndata = \"funding.csv\"\n";
    std::fs::write(&toml, config).expect("write icp.toml");
    let figures = |deals: &str| {
        std::fs::write(dir.path().join("deals.csv"), deals).expect("write deals");
        let out = icp(
            dir.path(),
            &[
                "backtest",
                "--leads",
                "leads.csv",
                "--outcomes",
                "deals.csv",
                "--as-of",
                "2025-12-01",
                "--format",
                "json",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        let icp = &report["icps"][0];
        (
            icp["criteria"][0]["holds_won"].clone(),
            icp["tiers"][0]["won"].clone(),
        )
    };
    // Created 2025-03-01, before the round: the round is not read.
    let header = "company_id,outcome,amount,created,closed\n";
    let (holds, won_in_a) = figures(&format!(
        "{header}L1,won,10,2025-03-01,2025-09-01\nL2,lost,0,2025-03-01,\n"
    ));
    assert_eq!(
        (holds, won_in_a),
        (serde_json::json!(0.0), serde_json::json!(0))
    );
    // Without a created date the lead is evaluated as of --as-of, after the round.
    let (holds, won_in_a) = figures(&format!("{header}L1,won,10,,2025-09-01\nL2,lost,0,,\n"));
    assert_eq!(
        (holds, won_in_a),
        (serde_json::json!(1.0), serde_json::json!(1))
    );
}
