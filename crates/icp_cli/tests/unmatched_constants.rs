//! The summary's "rule constants that matched no lead": a string written in the rules is one
//! line each; a list the rules name (a region, a list file, a let bound to a constant list)
//! is one line for the whole list, and only when none of its values matched.

mod common;

use common::{icp, project, stderr};

const RULES: &str = r#"let competitors = lines("lists/competitors.txt")
let nowhere = ["Atlantis", "El Dorado"]

icp demo {
  require company.employees >= 1
  score 10 "dach"    when company.country in region("DACH")
  score 10 "nordics" when company.country in region("Nordics")
  score 10 "typo"    when company.industry in ["Software", "Fintek"]
  score -5 "rival"   when company.technologies has any competitors
  score 5 "odd"      when company.city in nowhere
  tier A otherwise
}
"#;

const LEADS: &str = "id,name,employees,country,industry,technologies,city\n\
                     c1,One,100,Germany,Software,Salesforce;Snowflake,Berlin\n\
                     c2,Two,900,US,Software,HubSpot,Boston\n\
                     c3,Three,20,FR,Retail,,Paris\n";

/// The lines of the summary's section on unmatched constants.
fn unmatched(summary: &str) -> Vec<String> {
    summary
        .lines()
        .skip_while(|l| !l.starts_with("rule constants that matched no lead:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn named_lists_are_one_line_each_and_only_when_no_member_matched() {
    let dir = project(&[
        ("rules/demo.icp", RULES),
        ("rules/lists/competitors.txt", "Marketo\nPardot\n"),
        ("leads.csv", LEADS),
    ]);
    let out = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "-o", "out.csv"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = unmatched(&stderr(&out));
    // DACH matched (Germany, written out as read); the Nordics did not, nor did "Fintek", the
    // competitors' file (named by its let) or the `nowhere` list: one line each, their
    // members never listed one by one.
    assert_eq!(
        lines,
        [
            "company.country in region(\"Nordics\") matched 0 of 3 leads; most common: FR 1, Germany 1, US 1",
            "company.industry == \"Fintek\" matched 0 of 3 leads; most common: Software 2, Retail 1",
            "company.technologies has any competitors matched 0 of 3 leads; most common: HubSpot 1, Salesforce 1, Snowflake 1",
            "company.city in nowhere matched 0 of 3 leads; most common: Berlin 1, Boston 1, Paris 1",
        ],
        "{}",
        stderr(&out)
    );
}
