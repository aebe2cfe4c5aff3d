//! The end-to-end tests whose snapshots are files: `icp score` and `icp explain` on a small
//! project and on the example rules, and the `icp plugins` listing. insta names a file
//! snapshot after its test file (`snapshots/cli__NAME.snap`), so these tests stay in this
//! file; the other tests of each command are in the file named after it.

mod common;

use common::*;

#[test]
fn score_writes_one_row_per_lead_and_a_summary() {
    let dir = scoring_project();
    let out = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "-o",
            "out.csv",
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.path().join("out.csv")).expect("output");
    insta::assert_snapshot!("score_csv", written);
    insta::assert_snapshot!("score_summary", without_timing(&stderr(&out)));
    let rejects =
        std::fs::read_to_string(dir.path().join("out.rejects.csv")).expect("rejects file");
    assert!(rejects.contains("line"), "{rejects}");
}

#[test]
fn score_all_with_explain_as_json_lines() {
    let dir = scoring_project();
    let out = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "--all",
            "--explain",
            "--format",
            "jsonl",
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(rows.len(), 4, "four readable leads, one ICP each");
    insta::assert_json_snapshot!("score_jsonl_first_row", rows[0]);
}

#[test]
fn explain_accounts_for_every_check_and_the_near_miss() {
    let dir = scoring_project();
    let out = icp(
        dir.path(),
        &[
            "explain",
            "--leads",
            "leads.csv",
            "--contacts",
            "contacts.csv",
            "--id",
            "c4",
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("explain_c4", stdout(&out));
    let out = icp(
        dir.path(),
        &[
            "explain",
            "--leads",
            "leads.csv",
            "--id",
            "c3",
            "--as-of",
            "2026-11-23",
        ],
    );
    insta::assert_snapshot!("explain_c3", stdout(&out));
}

#[test]
fn the_example_rules_score_a_hubspot_export_with_a_one_line_preset() {
    plugins_built();
    let dir = tempfile::tempdir().expect("temp dir");
    let root = repo();
    std::fs::write(
        dir.path().join("icp.toml"),
        format!(
            "rules = [{:?}, {:?}]\n\n[input]\npreset = \"hubspot\"\n\n{}",
            root.join("rules/midmarket_saas").display().to_string(),
            root.join("rules/two_products").display().to_string(),
            demo_plugins()
        ),
    )
    .expect("write icp.toml");
    for file in ["companies.csv", "contacts.csv"] {
        std::fs::copy(
            root.join("tests/inputs/hubspot").join(file),
            dir.path().join(file),
        )
        .expect("copy the export");
    }
    let leads = [
        "--leads",
        "companies.csv",
        "--contacts",
        "contacts.csv",
        "--as-of",
        "2026-11-23",
    ];
    let out = icp(dir.path(), &[&["score", "--all"][..], &leads].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("example_rules_hubspot_all", stdout(&out));
    let explained = icp(
        dir.path(),
        &[&["explain", "--id", "5001"][..], &leads].concat(),
    );
    assert_eq!(explained.status.code(), Some(0), "{}", stderr(&explained));
    insta::assert_snapshot!("example_rules_hubspot_explain_5001", stdout(&explained));
}

#[test]
fn plugins_lists_the_configured_plugins_and_their_signals() {
    plugins_built();
    let out = icp(&repo(), &["plugins"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The libraries are found beside the binary, wherever the target directory is.
    let text: String = stdout(&out)
        .lines()
        .map(|line| match (line.find(" ("), line.find("libplugin_")) {
            (Some(open), Some(lib)) if open < lib => {
                format!("{} ([bin]/{}\n", &line[..open], &line[lib..])
            }
            _ => format!("{line}\n"),
        })
        .collect();
    insta::assert_snapshot!("plugins_text", text);

    let out = icp(&repo(), &["plugins", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let plugins = json["plugins"].as_array().expect("a list");
    let names: Vec<&str> = plugins.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["events", "funding", "job_changes"]);
    let funding = &plugins[1]["signals"];
    let raised = funding
        .as_array()
        .expect("signals")
        .iter()
        .find(|s| s["name"] == "raised_within")
        .expect("funding.raised_within");
    assert_eq!(
        raised["signature"],
        "funding.raised_within(within: duration) -> bool"
    );
    assert_eq!(raised["inputs"][0], "company.domain");
    assert_eq!(plugins[1]["source"], "config");
    assert_eq!(plugins[1]["abi"], "1.0");
}
