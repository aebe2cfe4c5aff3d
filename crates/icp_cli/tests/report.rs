//! `icp report` end to end: the JSON embedded in the page snapshotted; its numbers equal to
//! `icp score`'s summary and `icp backtest --format json` on the same inputs, and its own
//! figures (score bands, funnel, missing fields, best leads and their contacts) to a plain
//! computation from `icp score --all --explain` and `--contacts-out`; the page names no
//! address to fetch; malformed inputs end with a clear error (exit 2) and leave an earlier
//! page in place; `--open` uses the platform's opener or says where the file is.
//! The page in a browser is tests/report_browser.rs.

mod common;
mod report_fixture;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use common::*;
use report_fixture::*;
use serde_json::Value;

#[test]
fn report_embedded_json_snapshot() {
    let dir = report_project(40);
    let data = embedded(&report_page(dir.path()));
    insta::assert_snapshot!(
        "report_json",
        serde_json::to_string_pretty(&data).expect("json")
    );
}

/// The rows of a titled table of the summary: each line after `title` that is indented,
/// as (name, count).
fn summary_rows(text: &str, title: &str) -> Vec<(String, u64)> {
    let Some(at) = text.find(&format!("{title}\n")) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for line in text[at + title.len() + 1..].lines() {
        let Some(line) = line.strip_prefix("  ") else {
            break;
        };
        if title == "top disqualification reasons:" {
            let (n, reason) = line.trim_start().split_once("  ").expect("count, reason");
            rows.push((reason.to_string(), n.replace(',', "").parse().expect("n")));
        } else {
            let (name, rest) = line.rsplit_once('(').expect("a share");
            let _ = rest;
            let mut words: Vec<&str> = name.split_whitespace().collect();
            let n = words.pop().expect("count").replace(',', "");
            rows.push((words.join(" "), n.parse().expect("n")));
        }
    }
    rows
}

fn counts(list: &Value) -> Vec<(String, u64)> {
    (list.as_array().expect("a list").iter())
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_string(),
                c["leads"].as_u64().expect("leads"),
            )
        })
        .collect()
}

#[test]
fn report_numbers_equal_the_score_summary_and_the_backtest_json() {
    let dir = report_project(700);
    let data = embedded(&report_page(dir.path()));
    let mut args = vec!["score"];
    args.extend(INPUTS);
    args.extend(["-o", "scored.csv"]);
    let score = icp(dir.path(), &args);
    assert!(score.status.success());
    let text = String::from_utf8_lossy(&score.stderr).into_owned();
    let summary = &data["summary"];
    assert_eq!(
        counts(&summary["qualified"]),
        summary_rows(&text, "qualified per ICP:")
    );
    let mut best: Vec<(String, u64)> = (summary["best"].as_array().expect("best").iter())
        .map(|b| {
            let tier = b["tier"].as_str().unwrap_or("-");
            (
                format!("{} {tier}", b["icp"].as_str().expect("icp")),
                b["leads"].as_u64().expect("n"),
            )
        })
        .collect();
    best.push((
        "no tier in any ICP".to_string(),
        summary["no_tier"].as_u64().expect("n"),
    ));
    assert_eq!(best, summary_rows(&text, "best ICP and tier:"));
    let mut reasons = counts(&summary["reasons"]);
    reasons.truncate(5);
    assert_eq!(
        reasons,
        summary_rows(&text, "top disqualification reasons:")
    );
    let mut missing = counts(&summary["missing"]);
    missing.truncate(5);
    assert_eq!(
        missing,
        summary_rows(&text, "fields most often missing where they mattered:")
    );
    assert!(
        !reasons.is_empty() && !missing.is_empty(),
        "the fixture has both"
    );
    // Each ICP's tiers and qualified count are the summary's.
    for icp in data["icps"].as_array().expect("icps") {
        let name = icp["name"].as_str().expect("name");
        for t in icp["tiers"].as_array().expect("tiers") {
            let key = format!("{name} {}", t["name"].as_str().expect("tier"));
            let n = best.iter().find(|b| b.0 == key).map_or(0, |b| b.1);
            assert_eq!(t["leads"].as_u64(), Some(n), "{key}");
        }
    }
    // The backtest, whole.
    let mut args = vec!["backtest"];
    args.extend(INPUTS);
    args.extend(["--outcomes", "deals.csv", "--format", "json"]);
    let backtest = icp(dir.path(), &args);
    assert!(backtest.status.success());
    let backtest: Value = serde_json::from_slice(&backtest.stdout).expect("backtest JSON");
    assert_eq!(data["backtest"], backtest);
}

/// A lead against an ICP, as `icp score --all --explain` writes it.
struct Row {
    id: String,
    icp: String,
    score: f64,
    max_score: f64,
    qualified: bool,
    unknown: Vec<String>,
    checks: Vec<(String, String)>,
}

fn rows(jsonl: &[u8]) -> Vec<Row> {
    (String::from_utf8_lossy(jsonl).lines())
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("a JSON line");
            Row {
                id: v["id"].as_str().expect("id").to_string(),
                icp: v["icp"].as_str().expect("icp").to_string(),
                score: v["score"].as_f64().expect("score"),
                max_score: v["max_score"].as_f64().expect("max"),
                qualified: v["qualified"].as_bool().expect("qualified"),
                unknown: (v["unknown"].as_array().expect("unknown").iter())
                    .map(|u| u.as_str().expect("field").to_string())
                    .collect(),
                checks: (v["explain"]["checks"].as_array().expect("checks").iter())
                    .map(|c| {
                        (
                            c["kind"].as_str().expect("kind").to_string(),
                            c["result"].as_str().expect("result").to_string(),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

#[test]
fn report_figures_equal_a_plain_computation_from_the_results() {
    let dir = report_project(500);
    figures_equal_a_plain_computation(dir.path());
}

/// An ICP of more requires than the result columns hold (64) is evaluated whole, with its
/// checks: the funnel reads them there.
#[test]
fn report_figures_of_an_icp_of_many_requires_equal_a_plain_computation() {
    let dir = report_project(300);
    let mut rules = String::from("icp wide \"Many requires\" {\n");
    for k in 0..70 {
        let field = ["employees", "revenue"][k % 2];
        rules.push_str(&format!("  require company.{field} >= {}\n", k * 2));
    }
    rules.push_str("  exclude company.industry has \"Gambling\"\n");
    rules.push_str("  score 10 \"software\" when company.industry has \"Software\"\n");
    rules.push_str("  tier A when score >= 10\n  tier B otherwise\n}\n");
    std::fs::write(dir.path().join("rules.icp"), format!("{RULES}\n{rules}")).expect("rules");
    figures_equal_a_plain_computation(dir.path());
}

fn figures_equal_a_plain_computation(dir: &Path) {
    let data = embedded(&report_page(dir));
    let mut args = vec!["score"];
    args.extend(INPUTS);
    args.extend(["--all", "--explain", "--format", "jsonl", "-o", "-"]);
    let all = icp(dir, &args);
    assert!(all.status.success());
    let all = rows(&all.stdout);
    for (i, icp) in data["icps"].as_array().expect("icps").iter().enumerate() {
        let name = icp["name"].as_str().expect("name");
        let mine: Vec<&Row> = all.iter().filter(|r| r.icp == name).collect();
        // Score bands: tenths of the maximum, a score at or below 0 in the first, the
        // maximum in the last.
        let mut bands = [(0u64, 0u64); 10];
        for r in &mine {
            let k = if r.max_score <= 0.0 || r.score <= 0.0 {
                0
            } else {
                ((r.score * 10.0 / r.max_score).floor() as usize).min(9)
            };
            bands[k].0 += 1;
            bands[k].1 += u64::from(r.qualified);
        }
        let histogram: Vec<(u64, u64)> = (icp["histogram"].as_array().expect("bands").iter())
            .map(|b| {
                (
                    b["leads"].as_u64().expect("n"),
                    b["qualified"].as_u64().expect("q"),
                )
            })
            .collect();
        assert_eq!(histogram, bands.to_vec(), "{name}");
        // Funnel: the first require not true, else the first exclude true.
        let steps = icp["funnel"].as_array().expect("funnel");
        let mut removed = vec![0u64; steps.len()];
        for r in &mine {
            let requires: Vec<&String> = (r.checks.iter())
                .filter(|c| c.0 == "require")
                .map(|c| &c.1)
                .collect();
            let excludes: Vec<&String> = (r.checks.iter())
                .filter(|c| c.0 == "exclude")
                .map(|c| &c.1)
                .collect();
            if let Some(k) = requires.iter().position(|t| *t != "true") {
                removed[k] += 1;
            } else if let Some(e) = excludes.iter().position(|t| *t == "true") {
                removed[requires.len() + e] += 1;
            } else {
                assert!(r.qualified, "{} in {name}", r.id);
            }
        }
        let got: Vec<u64> = steps
            .iter()
            .map(|s| s["removed"].as_u64().expect("n"))
            .collect();
        assert_eq!(got, removed, "{name}");
        let qualified = mine.iter().filter(|r| r.qualified).count() as u64;
        assert_eq!(steps.last().expect("a step")["remaining"], qualified);
        assert_eq!(icp["qualified"], qualified);
        assert_eq!(data["summary"]["qualified"][i]["leads"], qualified);
        // Missing fields: once per lead where this ICP left an outcome unknown.
        let mut missing: BTreeMap<String, u64> = BTreeMap::new();
        for r in &mine {
            let mut fields = r.unknown.clone();
            fields.sort();
            fields.dedup();
            for f in fields {
                *missing.entry(f).or_default() += 1;
            }
        }
        let got: BTreeMap<String, u64> = counts(&icp["missing"]).into_iter().collect();
        assert_eq!(got, missing, "{name}");
    }
}

#[test]
fn report_best_leads_and_contacts_equal_the_score_output() {
    let dir = report_project(400);
    let data = embedded(&report_page(dir.path()));
    let mut args = vec!["score"];
    args.extend(INPUTS);
    args.extend([
        "--format",
        "jsonl",
        "-o",
        "best.jsonl",
        "--contacts-out",
        "contacts.jsonl",
    ]);
    let out = icp(dir.path(), &args);
    assert!(out.status.success());
    // Per ICP and tier, the leads in input order with their scores.
    let best = std::fs::read_to_string(dir.path().join("best.jsonl")).expect("results");
    let mut tiers: HashMap<(String, String), Vec<(String, f64)>> = HashMap::new();
    for line in best.lines() {
        let v: Value = serde_json::from_str(line).expect("JSON");
        if let (Some(icp), Some(tier)) = (v["icp"].as_str(), v["tier"].as_str()) {
            tiers
                .entry((icp.to_string(), tier.to_string()))
                .or_default()
                .push((
                    v["id"].as_str().expect("id").to_string(),
                    v["score"].as_f64().expect("s"),
                ));
        }
    }
    // Per lead, its contacts that match a persona, in input order.
    let contacts = std::fs::read_to_string(dir.path().join("contacts.jsonl")).expect("contacts");
    let mut callable: HashMap<String, Vec<String>> = HashMap::new();
    for line in contacts.lines() {
        let v: Value = serde_json::from_str(line).expect("JSON");
        if !v["personas"].as_array().expect("personas").is_empty() {
            callable
                .entry(v["lead_id"].as_str().expect("id").to_string())
                .or_default()
                .push(v["name"].as_str().expect("name").to_string());
        }
    }
    let mut checked = 0;
    for icp in data["icps"].as_array().expect("icps") {
        let name = icp["name"].as_str().expect("name");
        for tier in icp["top_leads"].as_array().expect("tiers") {
            let t = tier["tier"].as_str().expect("tier");
            let mut want = tiers
                .remove(&(name.to_string(), t.to_string()))
                .unwrap_or_default();
            // The higher score first, then input order (a stable sort keeps it).
            want.sort_by(|a, b| b.1.total_cmp(&a.1));
            want.truncate(10);
            let got: Vec<(String, f64)> = (tier["leads"].as_array().expect("leads").iter())
                .map(|l| {
                    (
                        l["id"].as_str().expect("id").to_string(),
                        l["score"].as_f64().expect("s"),
                    )
                })
                .collect();
            assert_eq!(got, want, "{name} {t}");
            for lead in tier["leads"].as_array().expect("leads") {
                let id = lead["id"].as_str().expect("id");
                let mut names = callable.get(id).cloned().unwrap_or_default();
                let more = names.len().saturating_sub(5);
                names.truncate(5);
                let shown: Vec<String> = (lead["contacts"].as_array().expect("contacts").iter())
                    .map(|c| c["name"].as_str().expect("name").to_string())
                    .collect();
                assert_eq!(shown, names, "{id}");
                assert_eq!(lead["contacts_more"], more as u64);
                checked += shown.len();
            }
        }
    }
    assert!(checked > 0, "the fixture has contacts to call");
}

#[test]
fn report_of_no_leads_is_a_page_of_zeros() {
    let dir = report_project(5);
    std::fs::write(dir.path().join("leads.csv"), "id,name\n").expect("no leads");
    let data = embedded(&report_page(dir.path()));
    assert_eq!(data["summary"]["leads"], 0);
    for icp in data["icps"].as_array().expect("icps") {
        assert_eq!(icp["qualified"], 0);
        let funnel = icp["funnel"].as_array().expect("funnel");
        assert!(funnel.iter().all(|s| s["removed"] == 0));
        let tiers = icp["top_leads"].as_array().expect("tiers");
        assert!(tiers.iter().all(|t| t["leads"] == Value::Array(vec![])));
    }
    assert_eq!(data["backtest"]["base"]["accounts"], 0);
}

#[test]
fn report_page_names_no_address_to_fetch() {
    let dir = report_project(60);
    let page = report_page(dir.path());
    for scheme in ["http://", "https://", "ftp://", "file:", "data:"] {
        assert!(!page.contains(scheme), "the page names {scheme}");
    }
    for fetch in [
        "src=", "<link", "@import", "url(", "srcset", "<iframe", "<img",
    ] {
        assert!(!page.contains(fetch), "the page has {fetch}");
    }
    // Every link is to a place in the page.
    for (at, _) in page.match_indices("href=\"") {
        let target = &page[at + 6..];
        assert!(
            target.starts_with('#'),
            "{}",
            &target[..40.min(target.len())]
        );
    }
    // The only script is the data, which browsers do not run.
    assert_eq!(page.matches("<script").count(), 1);
    assert!(page.contains("<script type=\"application/json\""));
}

/// Text from the leads cannot become markup: names that hold tags are escaped in the page,
/// and the embedded JSON cannot be closed early by a `</script>` in a value.
#[test]
fn report_escapes_the_leads_text() {
    let dir = report_project(5);
    let d = dir.path();
    let hostile = "</script><script>alert(1)</script>";
    std::fs::write(
        d.join("leads.csv"),
        format!(
            "id,name,country,industry,employees,revenue\nX1,\"{hostile}\",US,Software,100,20000000\n"
        ),
    )
    .expect("leads");
    std::fs::write(
        d.join("contacts.csv"),
        "company_id,name,title,email,seniority,department\nX1,<img src=x onerror=alert(2)>,VP,a@b.c,VP,Sales\n",
    )
    .expect("contacts");
    let page = report_page(d);
    assert_eq!(page.matches("<script").count(), 1, "only the data block");
    assert!(!page.contains("<img"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"));
    let data = embedded(&page);
    let lead = &data["icps"][0]["top_leads"][0]["leads"][0];
    assert_eq!(lead["company"], hostile);
    assert_eq!(lead["contacts"][0]["name"], "<img src=x onerror=alert(2)>");
}

#[test]
fn report_page_is_accessible_markup() {
    let dir = report_project(60);
    let page = report_page(dir.path());
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.contains("<a class=\"skip\" href=\"#main\">"));
    assert!(page.contains("<main id=\"main\" tabindex=\"-1\">"));
    assert!(page.contains("@media (prefers-color-scheme: dark)"));
    assert!(page.contains("@media print"));
    let svgs = page.matches("<svg ").count();
    assert!(
        svgs >= 2 * 5,
        "tiers, scores, funnel, win rate, calibration per ICP: {svgs}"
    );
    assert_eq!(
        page.matches("<svg role=\"img\" aria-labelledby=").count(),
        svgs
    );
    assert_eq!(page.matches("<figure class=\"chart-figure\"").count(), svgs);
    assert_eq!(
        page.matches("<section id=").count(),
        3,
        "overview and two ICPs"
    );
    assert_eq!(
        page.matches("<section id=").count(),
        page.matches("tabindex=\"0\" aria-labelledby=").count() - svgs,
        "every section and figure is focusable and labelled"
    );
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn report_malformed_inputs_are_clear_errors() {
    let dir = report_project(20);
    let d = dir.path();
    std::fs::write(d.join("report.html"), "earlier page").expect("earlier");
    std::fs::write(d.join("bad_deals.csv"), "nothing,useful\n1,2\n").expect("deals");
    std::fs::write(
        d.join("bad.icp"),
        "icp x {\n  require company.nope > 1\n}\n",
    )
    .expect("rules");
    let run = |extra: &[&str]| {
        let mut args = vec!["report", "--rules", "rules.icp", "--leads", "leads.csv"];
        args.extend(extra);
        icp(d, &args)
    };
    let cases: [(&[&str], &str); 5] = [
        (
            &["--as-of", "2026-13-01", "-o", "report.html"],
            "--as-of 2026-13-01",
        ),
        (
            &["--outcomes", "none.csv", "-o", "report.html"],
            "none.csv: no such file",
        ),
        (
            &["--outcomes", "bad_deals.csv", "-o", "report.html"],
            "bad_deals.csv",
        ),
        (&["-o", "-"], "-o needs a file name"),
        (&["-o", "leads.csv"], "leads.csv is also an input file"),
    ];
    for (extra, message) in cases {
        let out = run(extra);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(message), "{extra:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(
            std::fs::read_to_string(d.join("report.html")).expect("page"),
            "earlier page",
            "a failed run leaves the earlier page"
        );
    }
    let stdin_twice = [
        "report",
        "--rules",
        "rules.icp",
        "--leads",
        "-",
        "--outcomes",
        "deals.csv",
        "-o",
        "r.html",
    ];
    let out = icp(d, &stdin_twice);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("standard input cannot be read twice"), "{err}");
    let out = icp(
        d,
        &[
            "report",
            "--rules",
            "bad.icp",
            "--leads",
            "leads.csv",
            "-o",
            "r.html",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "rule errors: {}", stderr(&out));
    assert!(!d.join("r.html").exists());
    let out = icp(d, &["report", "--leads", "leads.csv"]);
    assert_eq!(out.status.code(), Some(2), "-o is required");
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "the opener is xdg-open on Linux")]
fn report_open_uses_the_opener_or_says_where_the_page_is() {
    let dir = report_project(10);
    let d = dir.path();
    let bin = d.join("bin");
    std::fs::create_dir(&bin).expect("bin");
    let args = [
        "report",
        "--rules",
        "rules.icp",
        "--leads",
        "leads.csv",
        "-o",
        "out/r.html",
        "--open",
    ];
    let run = |path: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_icp"))
            .args(args)
            .current_dir(d)
            .env("PATH", path)
            .env("XDG_CONFIG_HOME", user_config())
            .output()
            .expect("icp runs")
    };
    std::fs::create_dir(d.join("out")).expect("out");
    let out = run(&bin);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no browser opener (xdg-open) found: open out/r.html in a browser"),
        "{}",
        stderr(&out)
    );
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::PermissionsExt;
        let opener = bin.join("xdg-open");
        std::fs::write(&opener, "#!/bin/sh\necho \"$1\" > \"${0%/*}/opened\"\n").expect("opener");
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let out = run(&bin);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("opened out/r.html with xdg-open"));
        let opened = std::fs::read_to_string(bin.join("opened")).expect("the opener ran");
        assert_eq!(Path::new(opened.trim()), d.join("out/r.html"));
    }
}
