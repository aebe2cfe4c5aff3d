//! `icp report`'s table of the rule constants no lead matched: its rows, and the JSON the
//! page embeds, are the lines of `icp score`'s summary (`rule constants that matched no
//! lead:`) on the same inputs — a typo in a list, a region no lead is in, a list file and a
//! let — and a rule set whose constants all matched says so.

mod common;
mod report_fixture;

use common::{icp, project, stderr};
use report_fixture::{embedded, report_page, report_project};

const RULES: &str = r#"let competitors = lines("lists/competitors.txt")
let nowhere = ["Atlantis", "El Dorado"]

icp demo {
  require company.employees >= 1
  score 10 "dach"    when company.country in region("DACH")
  score 10 "nordics" when company.country in region("Nordics")
  score 10 "typo"    when company.industry in ["Software", "Fintek"]
  score -5 "rival"   when company.technologies has any competitors
  score 5 "odd"      when company.city in nowhere
  score 1 "empty"    when company.state == "Texas"
  tier A otherwise
}
"#;

const LEADS: &str = "id,name,employees,country,industry,technologies,city,state\n\
                     c1,One,100,Germany,Software,Salesforce;Snowflake,Berlin,\n\
                     c2,Two,900,US,Software,HubSpot,Boston,\n\
                     c3,Three,20,FR,Retail,,Paris,\n\
                     c4,<b>Four</b>,5,US,<i>Retail</i>,,Boston,\n";

/// The summary's lines on unmatched constants, without their indent.
fn summary_lines(summary: &str) -> Vec<String> {
    summary
        .lines()
        .skip_while(|l| !l.starts_with("rule constants that matched no lead:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_string())
        .collect()
}

/// The text of the table's rows in the page, tags removed and entities decoded.
fn page_rows(page: &str) -> Vec<String> {
    let start = page
        .find("<table class=\"data\" id=\"summary-unmatched\">")
        .expect("the table");
    let table = &page[start..start + page[start..].find("</table>").expect("its end")];
    table
        .split("<tr data-key=")
        .skip(1)
        .map(|row| {
            let mut text = String::new();
            let mut in_tag = true;
            for c in row.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => {
                        in_tag = false;
                        if !text.ends_with(' ') && !text.is_empty() {
                            text.push(' ');
                        }
                    }
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.replace(" ,", ",")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn the_report_lists_the_constants_no_lead_matched_as_the_summary_does() {
    let dir = project(&[
        ("rules/demo.icp", RULES),
        ("rules/lists/competitors.txt", "Marketo\nPardot\n"),
        ("leads.csv", LEADS),
    ]);
    let score = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "-o", "out.csv"],
    );
    assert_eq!(score.status.code(), Some(0), "{}", stderr(&score));
    let lines = summary_lines(&stderr(&score));
    assert_eq!(lines.len(), 5, "{}", stderr(&score));
    let report = icp(
        dir.path(),
        &["report", "--leads", "leads.csv", "-o", "report.html"],
    );
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    let page = std::fs::read_to_string(dir.path().join("report.html")).expect("the page");
    let data = embedded(&page);
    let leads = data["summary"]["leads"].as_u64().expect("leads");
    assert_eq!(leads, 4);
    // The JSON gives the summary's lines, word for word.
    let from_json: Vec<String> = (data["summary"]["unmatched"].as_array().expect("a list"))
        .iter()
        .map(|u| {
            let common: Vec<String> = (u["most_common"].as_array().expect("values").iter())
                .map(|c| format!("{} {}", c["name"].as_str().expect("name"), c["leads"]))
                .collect();
            let seen = if common.is_empty() {
                "no lead has a value there".to_string()
            } else {
                format!("most common: {}", common.join(", "))
            };
            format!(
                "{} matched 0 of {leads} leads; {seen}",
                u["comparison"].as_str().expect("comparison")
            )
        })
        .collect();
    assert_eq!(from_json, lines);
    // The page's rows show the same comparisons and counts, lead text escaped.
    let rows = page_rows(&page);
    let expected: Vec<String> = (data["summary"]["unmatched"].as_array().expect("a list"))
        .iter()
        .map(|u| {
            let common: Vec<String> = (u["most_common"].as_array().expect("values").iter())
                .map(|c| format!("{} {}", c["name"].as_str().expect("name"), c["leads"]))
                .collect();
            let common = if common.is_empty() {
                "no lead has a value there".to_string()
            } else {
                common.join(", ")
            };
            format!(
                "{} 0 of {leads} {common}",
                u["comparison"].as_str().expect("comparison")
            )
        })
        .collect();
    assert_eq!(rows, expected);
    assert!(
        page.contains("<code>&lt;i&gt;Retail&lt;/i&gt;</code> 1"),
        "escaped"
    );
    insta::assert_snapshot!("report_unmatched_rows", rows.join("\n"));
}

#[test]
fn a_rule_set_whose_constants_all_matched_says_so() {
    let dir = report_project(40);
    let page = report_page(dir.path());
    assert_eq!(
        embedded(&page)["summary"]["unmatched"],
        serde_json::json!([])
    );
    assert!(page.contains(
        "<p class=\"note\" id=\"summary-unmatched\">None: every value the rules compare with \
         was found in some lead.</p>"
    ));
}
