//! The disqualification reasons of `icp score`'s summary read as rules, not as internal names:
//! a `require` of a bare let name shows the let's definition, a long condition is cut with
//! `…`, and the counts are those of a plain count over the leads.

mod common;

use common::{icp, project, stderr};

const RULES: &str = r#"let big = company.employees >= 500
let big_enough = big

icp demo {
  require big_enough
  require company.industry has any ["Software", "Internet", "IT Services", "Financial Services", "Healthcare"]
  tier A otherwise
}
"#;

const LEADS: &str = "id,name,employees,industry\n\
                     c1,One,100,Software\n\
                     c2,Two,900,Retail\n\
                     c3,Three,20,Retail\n\
                     c4,Four,700,Software\n";

/// The lines of the summary's "top disqualification reasons" table.
fn reasons(summary: &str) -> Vec<String> {
    summary
        .lines()
        .skip_while(|l| !l.starts_with("top disqualification reasons:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn the_summary_shows_a_let_by_its_definition_and_cuts_long_conditions() {
    let dir = project(&[("rules/demo.icp", RULES), ("leads.csv", LEADS)]);
    let out = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "-o", "out.csv"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A plain count: employees below 500 (c1, c3); industry not in the list (c2, c3).
    let small = LEADS
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(2).and_then(|n| n.parse::<u32>().ok()) < Some(500))
        .count();
    let listed = [
        "Software",
        "Internet",
        "IT Services",
        "Financial Services",
        "Healthcare",
    ];
    let off_list = LEADS
        .lines()
        .skip(1)
        .filter(|l| !listed.contains(&l.split(',').nth(3).unwrap_or("")))
        .count();
    let long = "company.industry has any [\"Software\", \"Internet\", \"IT Services\", \"Financial Services\", \"Healthcare\"]";
    let cut: String = long.chars().take(79).collect();
    let cut = cut[..cut.rfind(' ').expect("a space")].trim_end();
    assert_eq!(
        reasons(&stderr(&out)),
        [
            format!("{small}  demo: failed: company.employees >= 500"),
            format!("{off_list}  demo: failed: {cut}…"),
        ]
    );
    insta::assert_snapshot!(
        "summary_readable_reasons",
        reasons(&stderr(&out)).join("\n")
    );
    // The results file keeps the reasons as they were (the clause's own text).
    let results = std::fs::read_to_string(dir.path().join("out.csv")).expect("results");
    assert!(results.contains("failed: big_enough"), "{results}");
}
