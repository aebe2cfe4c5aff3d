//! Rules that double at every level (`let bK = bK-1 and bK-1`, 64 levels in 1.5 KB) through
//! the built binary: `icp check`, `test`, `score` and `explain` finish and agree. Expanding a
//! let or persona at each use instead of sharing it would take 2^64 steps; nothing is timed
//! here (the budget is the `rules/doubling` benchmark), a hang is the failure.

use std::path::Path;
use std::process::{Command, Output};

const LEVELS: usize = 64;

fn icp(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the icp binary runs")
}

/// Definitions `name0 = base` and `nameK = step(nameK-1)` for every level, one per line.
fn chain(keyword: &str, name: &str, base: &str, step: &str) -> String {
    let mut text = format!("{keyword} {name}0 {base}\n");
    for k in 1..=LEVELS {
        let previous = format!("{name}{}", k - 1);
        text.push_str(&format!(
            "{keyword} {name}{k} {}\n",
            step.replace("PREV", &previous)
        ));
    }
    text
}

/// Every doubling construct in one rule set, each with its ICP, and a test block.
fn rules() -> String {
    let top = LEVELS;
    let mut text = String::new();
    text += &chain("let", "b", "= company.employees > 10", "= PREV and PREV");
    text += &chain("let", "o", "= company.employees > 10", "= PREV or not PREV");
    text += &chain("let", "n", "= company.employees", "= PREV + PREV");
    text += &chain(
        "persona",
        "p",
        "when contact.seniority == \"VP\"",
        "when PREV and PREV",
    );
    text += &format!(
        "
icp lets {{
  require b{top}
  score 10 when b{top}
  score 5 \"or not\" when o{top}
  tier A when score >= 15 and b{top}
  tier B otherwise
}}

icp numbers {{
  require n{top} > 5
  score 10 when n{top} > 5
  tier A when score >= n{top}
  tier B otherwise
}}

icp people {{
  require any contact where p{top} and b{top}
  exclude count contacts >= 1 and every contact where not p{top}
  score 10 when (count contacts where p{top} or o{top}) >= 1
  tier A when score >= 5
}}

test \"every chain qualifies a lead that meets its base\" {{
  company {{ employees: 20 }}
  contact {{ seniority: \"VP\" }}
  expect lets tier A
  expect numbers qualified
  expect people tier A
}}
"
    );
    text
}

#[test]
fn doubling_chains_check_test_score_and_explain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::write(root.join("icp.toml"), "rules = [\"rules\"]\n").expect("write icp.toml");
    std::fs::create_dir(root.join("rules")).expect("mkdir");
    std::fs::write(root.join("rules/chains.icp"), rules()).expect("write rules");
    std::fs::write(
        root.join("leads.csv"),
        "id,name,employees\nA1,Acme,20\nA2,Beta,\nA3,Gamma,5\n",
    )
    .expect("write leads");
    std::fs::write(
        root.join("contacts.csv"),
        "company_id,name,seniority\nA1,Ann,VP\nA2,Bob,\nA2,Cy,VP\n",
    )
    .expect("write contacts");

    let out = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let check = icp(root, &["check"]);
    assert!(check.status.success(), "{}", out(&check));
    assert!(!out(&check).contains("warning"), "{}", out(&check));

    let test = icp(root, &["test"]);
    assert!(test.status.success(), "{}", out(&test));

    let leads = ["--leads", "leads.csv", "--contacts", "contacts.csv"];
    let score = icp(
        root,
        &[&["score", "--all", "-o", "-", "--explain"][..], &leads].concat(),
    );
    assert!(score.status.success(), "{}", out(&score));
    let rows = String::from_utf8_lossy(&score.stdout);
    assert_eq!(rows.lines().count(), 1 + 3 * 3, "{rows}");
    assert!(
        rows.lines()
            .any(|l| l.starts_with("A1,Acme,lets,true,15,15,A,")),
        "{rows}"
    );
    assert!(rows.contains("company.employees"), "{rows}");

    for id in ["A1", "A2", "A3"] {
        let explain = icp(root, &[&["explain", "--id", id][..], &leads].concat());
        assert!(explain.status.success(), "{}", out(&explain));
    }
    let explain = icp(root, &[&["explain", "--id", "A2"][..], &leads].concat());
    assert!(
        out(&explain).contains("(unknown: company.employees missing)"),
        "{}",
        out(&explain)
    );
}
