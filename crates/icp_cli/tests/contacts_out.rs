//! `icp score --contacts-out`: the contacts of every qualified lead, best tier first, with the
//! personas each matches — CSV and JSON Lines snapshots, the order (tier, score, input
//! order), formula cells, the files it refuses to write over, nothing written when the run
//! fails, and the rows against a plain reference computation (the reference evaluator over
//! generated leads).

mod common;

use std::path::Path;

use common::{icp, stderr};

/// Three personas (one reads a field some contacts lack) and two ICPs a lead may both
/// qualify in: `demo` with tiers A and B, `small` whose only tier leaves some qualified
/// leads without one.
const RULES: &str = r#"persona buyer "Buyer" when contact.seniority in ["VP", "C-Level"]
persona finance when contact.department == "Finance"
persona engineer when contact.title contains "engineer"

icp demo "Demo" {
  require company.employees >= 50
  exclude company.industry has "Gambling"
  score 20 "software" when company.industry has any ["Software", "Internet"]
  score 10 "buyer"    when any contact where buyer
  score 5  "revenue"  when company.revenue >= 10M
  tier A when score >= 30
  tier B otherwise
}

icp small "Small" {
  require company.employees < 250
  score 10 "us" when company.country == "US"
  tier A when score >= 10
}
"#;

/// c1 and c4 tie on tier A and 35 points (input order decides), c7 is tier A of `small`
/// with 10, c5 and c3 are tier B, c6 qualifies in `small` without a tier, c2 is excluded,
/// c8 has no contacts. c3's name and a contact's title and name would open formulas.
const COMPANIES: &str = "id,name,domain,industry,employees,revenue,country
c1,Acme,acme.com,Software,100,$40M,US
c2,Beta,beta.io,Gambling,500,,GB
c3,=cmd|' /C calc'!A0,gamma.de,Retail,60,,DE
c4,Delta,delta.com,Internet,200,$50M,US
c5,Echo,echo.com,Software,300,,US
c6,Fox,fox.com,Retail,10,,FR
c7,Golf,golf.com,Retail,20,,US
c8,Hotel,hotel.com,Software,80,$20M,US
";

const CONTACTS: &str = "company_id,name,email,phone,title,seniority,department,linkedin
c1,Ann,ann@acme.com,+1 415 555 0100,CFO,C-Level,Finance,https://linkedin.com/in/ann
c1,Bob,bob@acme.com,,Software Engineer,Staff,Engineering,
c2,Hal,hal@beta.io,,CEO,C-Level,Executive,
c3,@SUM(1+1),x@gamma.de,,\"=HYPERLINK(\"\"http://evil\"\")\",Manager,Finance,
c4,Cid,cid@delta.com,,VP Sales,VP,Sales,
c4,Dee,,,,,,
c5,Eve,eve@echo.com,,Engineer,,Engineering,
c6,Fay,fay@fox.com,,CEO,C-Level,,
c7,Gus,gus@golf.com,,Sales Engineer,Manager,Sales,
";

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in [
        ("icp.toml", "rules = [\"rules\"]\n"),
        ("rules/demo.icp", RULES),
        ("leads.csv", COMPANIES),
        ("contacts.csv", CONTACTS),
    ] {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

/// `icp score` on the fixture with `extra` arguments.
fn score(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "score",
        "--leads",
        "leads.csv",
        "--contacts",
        "contacts.csv",
        "--as-of",
        "2026-01-01",
        "-o",
        "results.csv",
    ];
    args.extend_from_slice(extra);
    icp(dir, &args)
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The lead ids of the rows, in order, from a CSV contacts file.
fn lead_order(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn csv_rows_are_the_qualified_leads_contacts_best_tier_first() {
    let dir = fixture();
    let out = score(dir.path(), &["--contacts-out", "call.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("8 contacts to call written to call.csv"),
        "{}",
        stderr(&out)
    );
    let csv = read(dir.path(), "call.csv");
    insta::assert_snapshot!("contacts_csv", csv);
    // Tier A (c1 and c4 tie on 35 points: input order; then c7 with 10), tier B (c5 with
    // 20, c3 with 0), then c6 qualified without a tier; c2 excluded, c8 without contacts.
    assert_eq!(
        lead_order(&csv),
        ["c1", "c1", "c4", "c4", "c7", "c5", "c3", "c6"]
    );
}

#[test]
fn json_lines_rows_follow_the_extension() {
    let dir = fixture();
    let out = score(dir.path(), &["--contacts-out", "call.jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let jsonl = read(dir.path(), "call.jsonl");
    for line in jsonl.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each line is JSON");
    }
    insta::assert_snapshot!("contacts_jsonl", jsonl);
}

#[test]
fn with_all_a_lead_has_rows_for_every_icp_it_qualifies_in() {
    let dir = fixture();
    let out = score(dir.path(), &["--all", "--contacts-out", "call.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = read(dir.path(), "call.csv");
    insta::assert_snapshot!("contacts_all_csv", csv);
    let rows: Vec<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_string(), cells[2].to_string())
        })
        .collect();
    let expected = [
        ("c1", "demo"),
        ("c1", "demo"),
        ("c4", "demo"),
        ("c4", "demo"),
        ("c1", "small"),
        ("c1", "small"),
        ("c4", "small"),
        ("c4", "small"),
        ("c7", "small"),
        ("c5", "demo"),
        ("c3", "demo"),
        ("c3", "small"),
        ("c6", "small"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn formula_cells_are_escaped_unless_raw_cells() {
    let dir = fixture();
    let out = score(dir.path(), &["--contacts-out", "call.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let guarded = read(dir.path(), "call.csv");
    assert!(
        guarded.contains("c3,'=cmd|' /C calc'!A0,demo,B,0,'@SUM(1+1),"),
        "{guarded}"
    );
    assert!(
        guarded.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\","),
        "{guarded}"
    );
    let out = score(dir.path(), &["--raw-cells", "--contacts-out", "call.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let raw = read(dir.path(), "call.csv");
    assert!(
        raw.contains("c3,=cmd|' /C calc'!A0,demo,B,0,@SUM(1+1),"),
        "{raw}"
    );
    assert!(
        raw.contains(",\"=HYPERLINK(\"\"http://evil\"\")\","),
        "{raw}"
    );
}

#[test]
fn the_same_path_as_another_output_or_an_input_is_refused() {
    let dir = fixture();
    for (args, says) in [
        (&["--contacts-out", "results.csv"][..], "results.csv"),
        (
            &["--contacts-out", "x.csv", "--rejects", "./x.csv"][..],
            "x.csv",
        ),
        (&["--contacts-out", "contacts.csv"][..], "contacts.csv"),
        (&["--contacts-out", "rules/demo.icp"][..], "demo.icp"),
    ] {
        let out = score(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(!dir.path().join("results.csv").exists(), "{args:?}");
        assert!(!dir.path().join("x.csv").exists(), "{args:?}");
    }
    assert_eq!(read(dir.path(), "contacts.csv"), CONTACTS);
    assert_eq!(read(dir.path(), "rules/demo.icp"), RULES);
}

#[test]
fn a_contradicting_format_or_standard_output_is_refused() {
    let dir = fixture();
    let out = score(
        dir.path(),
        &["--format", "csv", "--contacts-out", "call.jsonl"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--format csv does not match"),
        "{}",
        stderr(&out)
    );
    let out = score(dir.path(), &["--contacts-out", "-"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--contacts-out"), "{}", stderr(&out));
    assert!(!dir.path().join("results.csv").exists());
}

#[test]
fn nothing_is_written_when_the_run_fails() {
    let dir = fixture();
    std::fs::write(dir.path().join("call.csv"), "earlier\n").expect("write");
    let out = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "--contacts",
            "missing.csv",
            "-o",
            "results.csv",
            "--contacts-out",
            "call.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(read(dir.path(), "call.csv"), "earlier\n");
    assert!(!dir.path().join("results.csv").exists());
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["call.csv", "contacts.csv", "icp.toml", "leads.csv", "rules"]
    );
}

#[test]
fn the_config_names_the_contacts_file() {
    let dir = fixture();
    std::fs::write(
        dir.path().join("icp.toml"),
        "rules = [\"rules\"]\n\n[score]\nleads = \"leads.csv\"\ncontacts = \"contacts.csv\"\noutput = \"results.csv\"\ncontacts_out = \"call.jsonl\"\n",
    )
    .expect("write");
    let out = icp(dir.path(), &["score", "--as-of", "2026-01-01"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(dir.path(), "call.jsonl").lines().count(), 8);
    // Outside the project it is refused.
    std::fs::write(
        dir.path().join("icp.toml"),
        "rules = [\"rules\"]\n\n[score]\nleads = \"leads.csv\"\ncontacts_out = \"../call.csv\"\n",
    )
    .expect("write");
    let out = icp(dir.path(), &["score", "--as-of", "2026-01-01"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("[score] contacts_out"),
        "{}",
        stderr(&out)
    );
}

/// Rules over the generated contacts: personas of every kind of test, one reading a field
/// the messy values leave out; two ICPs with tiers on the score.
const GENERATED_RULES: &str = r#"persona exec when contact.seniority in ["C-Level", "VP", "Owner"]
persona money when contact.department == "Finance" or contact.title contains "finance"
persona tech when contact.department in ["IT", "Engineering", "Security"] and not (contact.seniority == "Entry")
persona named when contact.email is present

icp fit {
  require company.employees >= 20
  score 30 "exec"   when any contact where exec
  score 20 "money"  when any contact where money
  score 10 "tech"   when (count contacts where tech) >= 2
  score 15 "large"  when company.employees >= 500
  tier A when score >= 50
  tier B when score >= 30
  tier C when score >= 15
}

icp europe {
  require company.country in ["DE", "FR", "GB", "IE", "NL", "ES"]
  score 40 "exec" when any contact where exec
  score 10 "big"  when company.revenue >= 10M
  tier A when score >= 40
  tier B otherwise
}
"#;

/// One expected row: lead id, ICP, tier, score, contact name and email, personas.
type Row = (
    String,
    String,
    Option<String>,
    f64,
    Option<String>,
    Option<String>,
    Vec<String>,
);

/// The rows `--contacts-out` should write, worked out lead by lead with the reference
/// evaluator on the leads as the library reads them, sorted by tier, score and input order.
fn reference_rows(dir: &Path, all: bool, today: i32) -> Vec<Row> {
    let schema = icp_engine::Schema::canonical();
    let mut sources = icp_diagnostics::SourceMap::new();
    sources.add("rules.icp", GENERATED_RULES);
    let signals = icp_engine::SignalCatalog::new();
    let rules = icp_engine::compile(&sources, &schema, &signals)
        .rules
        .expect("the rules check");
    let reader = icp_io::LeadReader::open(
        &dir.join("leads.csv"),
        &rules.schema,
        &icp_io::InputConfig::default(),
        icp_io::ReadOptions {
            contacts: Some(dir.join("contacts.csv")),
            ..icp_io::ReadOptions::default()
        },
    )
    .expect("the leads open");
    let field = |name| {
        rules
            .schema
            .lookup(icp_engine::Entity::Contact, name)
            .expect("a contact field")
    };
    let (name, email) = (field("name"), field("email"));
    let text = |v: &Option<icp_engine::Value>| match v {
        Some(icp_engine::Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    // Each row with its sort key: tier (none last), score, lead number, ICP, contact.
    let mut keyed = Vec::new();
    let mut lead_number = 0usize;
    for batch in reader {
        let batch = batch.expect("a batch");
        for i in 0..batch.len() {
            let lead = batch.lead(i);
            let result = icp_engine::eval::reference::evaluate(&rules, &lead, today);
            let qualified: Vec<usize> = (0..result.icps.len())
                .filter(|k| result.icps[*k].qualified)
                .collect();
            let shown: Vec<usize> = if all {
                qualified
            } else if let Some(best) = result.best {
                vec![best]
            } else {
                // The highest score, the first declared on a tie.
                let mut best: Option<usize> = None;
                for k in qualified {
                    if best.is_none_or(|b| result.icps[k].score > result.icps[b].score) {
                        best = Some(k);
                    }
                }
                best.into_iter().collect()
            };
            for k in shown {
                let r = &result.icps[k];
                for (c, contact) in lead.contacts.iter().enumerate() {
                    let key = (
                        r.tier_index.unwrap_or(usize::MAX),
                        -r.score,
                        lead_number,
                        k,
                        c,
                    );
                    let row = (
                        batch.ids.get(i).expect("an id").to_string(),
                        r.name.to_string(),
                        r.tier.map(str::to_string),
                        r.score,
                        text(&contact[name.0 as usize]),
                        text(&contact[email.0 as usize]),
                        result.personas[c].clone(),
                    );
                    keyed.push((key, row));
                }
            }
            lead_number += 1;
        }
    }
    keyed.sort_by(|a, b| {
        let (x, y) = (&a.0, &b.0);
        (x.0.cmp(&y.0))
            .then(x.1.total_cmp(&y.1))
            .then((x.2, x.3, x.4).cmp(&(y.2, y.3, y.4)))
    });
    keyed.into_iter().map(|(_, row)| row).collect()
}

/// The rows of a JSON Lines contacts file, as [`Row`]s.
fn written_rows(jsonl: &str) -> Vec<Row> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    jsonl
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
            (
                text(&v["lead_id"]).expect("lead_id"),
                text(&v["icp"]).expect("icp"),
                text(&v["tier"]),
                v["score"].as_f64().expect("score"),
                text(&v["name"]),
                text(&v["email"]),
                (v["personas"].as_array().expect("personas").iter())
                    .map(|p| text(p).expect("a name"))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn rows_and_personas_equal_the_reference_evaluator_on_generated_leads() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Small batches, so rows of many batches are sorted together.
    let config = "rules = [\"rules\"]\n\n[input]\nbatch_size = 100\n";
    std::fs::write(dir.path().join("icp.toml"), config).expect("write");
    std::fs::create_dir_all(dir.path().join("rules")).expect("mkdir");
    std::fs::write(dir.path().join("rules/fit.icp"), GENERATED_RULES).expect("write");
    let out = icp(
        dir.path(),
        &[
            "gen",
            "--companies",
            "1500",
            "--seed",
            "15",
            "--contacts-per-company",
            "0..6",
            "--messy",
            "0.3",
            "-o",
            "leads.csv",
            "--contacts-out",
            "contacts.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let today = icp_syntax::ast::days_from_civil(2026, 1, 1).expect("a date");
    for all in [false, true] {
        let mut args = vec![
            "score",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "--as-of",
            "2026-01-01",
            "--threads",
            "3",
            "-o",
            "results.csv",
            "--contacts-out",
            "call.jsonl",
        ];
        if all {
            args.push("--all");
        }
        let out = icp(dir.path(), &args);
        assert!(out.status.success(), "{}", stderr(&out));
        let written = written_rows(&read(dir.path(), "call.jsonl"));
        let expected = reference_rows(dir.path(), all, today);
        assert!(
            expected.len() > 500,
            "{} rows: too few to test",
            expected.len()
        );
        assert!(
            expected.iter().any(|r| r.6.len() >= 2) && expected.iter().any(|r| r.6.is_empty()),
            "the personas are varied"
        );
        assert_eq!(written.len(), expected.len(), "all: {all}");
        for (i, (w, e)) in written.iter().zip(&expected).enumerate() {
            assert_eq!(w, e, "row {i}, all: {all}");
        }
    }
}
