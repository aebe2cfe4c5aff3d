//! What the `icp report` tests share: a rule set of two ICPs with personas, a fixture of
//! leads, contacts and deals drawn from a fixed sequence, and running the report on it.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

use std::path::Path;

use serde_json::Value;

use crate::common::icp;

pub const RULES: &str = r#"persona buyer when contact.seniority in ["VP", "C-Level"]
persona engineer when contact.department == "Engineering"

icp growth "Growth" {
  require company.employees >= 50
  require company.country in ["US", "GB", "DE"]
  exclude company.industry has "Gambling"
  score 20 "software" when company.industry has any ["Software", "Internet"]
  score 10 "buyer"    when any contact where buyer
  score 5  "revenue"  when company.revenue >= 10M
  tier A when score >= 30
  tier B when score >= 20
  tier C otherwise
}

icp smb "Small business" {
  require company.employees < 200
  exclude company.industry has "Banking"
  score 10 "engineer" when any contact where engineer
  score 15 "retail"   when company.industry has "Retail"
  tier S when score >= 15
  tier T otherwise
}
"#;

/// Leads, contacts and deals drawn from a fixed sequence: `n` companies, some values
/// missing, a deal for most.
pub fn fixture(n: u64) -> (String, String, String) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let industries = ["Software", "Internet", "Retail", "Gambling", "Banking"];
    let countries = ["US", "GB", "DE", "FR", ""];
    let seniorities = ["VP", "C-Level", "Staff", "Manager"];
    let departments = ["Engineering", "Sales", "Finance"];
    let outcomes = ["won", "lost", "open"];
    let (mut leads, mut contacts, mut deals) = (
        String::from("id,name,domain,country,industry,employees,revenue\n"),
        String::from("company_id,name,title,email,seniority,department\n"),
        String::from("company_id,domain,outcome,amount,created,closed\n"),
    );
    for i in 0..n {
        let employees = if next(6) == 0 {
            String::new()
        } else {
            (next(150) * 3).to_string()
        };
        let revenue = if next(4) == 0 {
            String::new()
        } else {
            (next(30) * 1_000_000).to_string()
        };
        let industry = industries[next(5) as usize];
        let country = countries[next(5) as usize];
        leads.push_str(&format!(
            "L{i},Co {i},co{i}.com,{country},{industry},{employees},{revenue}\n"
        ));
        for c in 0..next(4) {
            let s = seniorities[next(4) as usize];
            let d = departments[next(3) as usize];
            contacts.push_str(&format!("L{i},P{i}-{c},{s} {d},p{c}@co{i}.com,{s},{d}\n"));
        }
        for _ in 0..next(3) {
            let outcome = outcomes[next(3) as usize];
            let amount = next(50) * 1000;
            let created = format!("2025-{:02}-{:02}", 1 + next(12), 1 + next(28));
            deals.push_str(&format!("L{i},,{outcome},{amount},{created},\n"));
        }
    }
    deals.push_str("nobody,,won,100,2025-01-01,\n");
    (leads, contacts, deals)
}

/// A project directory with the rules and a fixture of `n` companies.
pub fn report_project(n: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let (leads, contacts, deals) = fixture(n);
    std::fs::write(dir.path().join("rules.icp"), RULES).expect("rules");
    std::fs::write(dir.path().join("leads.csv"), leads).expect("leads");
    std::fs::write(dir.path().join("contacts.csv"), contacts).expect("contacts");
    std::fs::write(dir.path().join("deals.csv"), deals).expect("deals");
    dir
}

pub const INPUTS: [&str; 8] = [
    "--rules",
    "rules.icp",
    "--leads",
    "leads.csv",
    "--contacts",
    "contacts.csv",
    "--as-of",
    "2026-01-15",
];

/// Runs `icp report` with the fixture's inputs and outcomes; the page's text.
pub fn report_page(dir: &Path) -> String {
    let mut args = vec!["report"];
    args.extend(INPUTS);
    args.extend(["--outcomes", "deals.csv", "-o", "report.html"]);
    let out = icp(dir, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.join("report.html")).expect("the page")
}

/// The JSON embedded in a page.
pub fn embedded(page: &str) -> Value {
    let start = page
        .find("<script type=\"application/json\" id=\"icp-report-data\">")
        .expect("the data block");
    let body = &page[start..];
    let body = &body[body.find('>').expect("tag end") + 1..];
    let end = body.find("</script>").expect("the block's end");
    serde_json::from_str(&body[..end]).expect("valid JSON")
}
