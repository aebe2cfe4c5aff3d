//! `icp report`'s page opened in headless Chromium, as a reader opens it from disk.
//!
//! Chromium is Debian's `chromium`, installed if missing by `scripts/chromium.sh`; the page is
//! driven over the DevTools protocol by `tests/report_browser.py` (standard-library Python,
//! Chromium's `--remote-debugging-pipe`), in the light and the dark colour scheme. Held: no
//! console error or warning, no network request; Tab first reaches the skip link; every
//! section and chart is focusable and labelled; every chart is there, an SVG image with a
//! title and a description, its bars or points as many as its numbers, and its table holding
//! the numbers of the JSON summary embedded in the page; the two schemes really differ (page
//! and bars). Screenshots of both are kept under `target/report-browser/`.

mod common;
mod report_fixture;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::repo;
use report_fixture::*;
use serde_json::Value;

/// The chromium executable, installed by the repository's script if missing.
fn chromium() -> PathBuf {
    let out = Command::new("bash")
        .arg(repo().join("scripts/chromium.sh"))
        .output()
        .expect("bash runs scripts/chromium.sh");
    assert!(
        out.status.success(),
        "scripts/chromium.sh could not provide chromium:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Where the screenshots are kept.
fn artefacts() -> PathBuf {
    icp_benches::target_dir().join("report-browser")
}

/// The page as the browser saw it, per colour scheme.
fn open_in_chromium(page: &Path) -> Value {
    let out = Command::new("python3")
        .arg(repo().join("crates/icp_cli/tests/report_browser.py"))
        .arg(chromium())
        .arg(page)
        .arg(artefacts())
        .output()
        .expect("python3 runs the DevTools client");
    assert!(
        out.status.success(),
        "the DevTools client failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the client's JSON")
}

/// A figure's table: per row its key and named cells.
fn table(figure: &Value) -> Vec<(String, Value)> {
    (figure["rows"].as_array().expect("rows").iter())
        .map(|r| {
            (
                r["key"].as_str().expect("key").to_string(),
                r["cells"].clone(),
            )
        })
        .collect()
}

fn figure<'a>(seen: &'a Value, id: &str) -> &'a Value {
    (seen["figures"].as_array().expect("figures").iter())
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no chart {id} in the page"))
}

/// The chart's SVG: an image with a title and a description, with `bars` bars.
fn check_svg(f: &Value, bars: usize) {
    let svg = &f["svg"];
    assert_eq!(svg["role"], "img", "{}", f["id"]);
    assert!(svg["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(svg["desc"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(count(&svg["bars"]), bars as u64, "bars of {}", f["id"]);
    assert_eq!(f["focusable"], true);
}

/// A count, read as JavaScript and [`floats`] leave it.
fn count(value: &Value) -> u64 {
    value.as_f64().expect("a number") as u64
}

/// Whether the SVG writes `n` (grouped as the page writes counts) in a text.
fn svg_says(f: &Value, n: u64) -> bool {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    (f["svg"]["texts"].as_array().expect("texts").iter())
        .any(|t| t == &Value::from(grouped.clone()))
}

fn check_scheme(scheme: &str, seen: &Value, data: &Value) {
    assert_eq!(
        seen["errors"],
        Value::Array(vec![]),
        "{scheme}: console errors"
    );
    assert_eq!(
        seen["requests"],
        Value::Array(vec![]),
        "{scheme}: network requests"
    );
    assert_eq!(seen["first_tab"], "skip #main", "{scheme}: the first Tab");
    assert_eq!(
        &seen["data"], data,
        "{scheme}: the embedded JSON as the browser reads it"
    );
    for s in seen["sections"].as_array().expect("sections") {
        assert_eq!(s["focusable"], true, "{s}");
        assert!(s["label"].is_string(), "{s}");
    }
    let summary = &data["summary"];
    let qualified: Vec<(String, Value)> = (summary["qualified"].as_array().expect("q").iter())
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_string(),
                serde_json::json!({"leads": c["leads"]}),
            )
        })
        .collect();
    let rows: Vec<(String, Value)> = (seen["tables"]["summary-qualified"]
        .as_array()
        .expect("table")
        .iter())
    .map(|r| {
        (
            r["key"].as_str().expect("key").to_string(),
            r["cells"].clone(),
        )
    })
    .collect();
    assert_eq!(rows, qualified);
    let backtest = &data["backtest"];
    for (i, icp) in data["icps"].as_array().expect("icps").iter().enumerate() {
        // Leads per tier.
        let f = figure(seen, &format!("icp-{i}-tiers"));
        let want: Vec<(String, Value)> = (icp["tiers"].as_array().expect("tiers").iter())
            .map(|t| {
                (
                    t["name"].as_str().expect("name").to_string(),
                    serde_json::json!({"leads": t["leads"]}),
                )
            })
            .collect();
        assert_eq!(table(f), want);
        let nonzero = want.iter().filter(|(_, c)| c["leads"] != 0).count();
        check_svg(f, nonzero);
        for (_, c) in &want {
            assert!(
                svg_says(f, count(&c["leads"])),
                "{} shows {}",
                f["id"],
                c["leads"]
            );
        }
        // Score distribution: qualified and other leads stacked.
        let f = figure(seen, &format!("icp-{i}-scores"));
        let bands = icp["histogram"].as_array().expect("bands");
        let want: Vec<Value> = (bands.iter())
            .map(|b| serde_json::json!({"leads": b["leads"], "qualified": b["qualified"]}))
            .collect();
        let got: Vec<Value> = table(f).into_iter().map(|(_, c)| c).collect();
        assert_eq!(got, want);
        let parts = (bands.iter())
            .map(|b| {
                let (all, q) = (count(&b["leads"]), count(&b["qualified"]));
                usize::from(q > 0) + usize::from(all > q)
            })
            .sum();
        check_svg(f, parts);
        // Funnel: the start and every step's leads left.
        let f = figure(seen, &format!("icp-{i}-funnel"));
        let steps = icp["funnel"].as_array().expect("funnel");
        let want: Vec<Value> = (steps.iter())
            .map(|s| serde_json::json!({"removed": s["removed"], "remaining": s["remaining"]}))
            .collect();
        let got: Vec<Value> = table(f).into_iter().map(|(_, c)| c).collect();
        assert_eq!(got, want);
        let left: Vec<u64> = steps.iter().map(|s| count(&s["remaining"])).collect();
        check_svg(f, 1 + left.iter().filter(|n| **n > 0).count());
        assert!(
            left.iter().all(|n| svg_says(f, *n)),
            "{} shows every step",
            f["id"]
        );
        // Best leads per tier.
        let tables: Vec<&Value> = (seen["leads"].as_array().expect("leads").iter())
            .filter(|t| t["section"] == format!("icp-{i}"))
            .collect();
        let tiers: Vec<&Value> = (icp["top_leads"].as_array().expect("top").iter())
            .filter(|t| !t["leads"].as_array().expect("leads").is_empty())
            .collect();
        assert_eq!(tables.len(), tiers.len());
        for (t, want) in tables.iter().zip(tiers) {
            assert_eq!(t["tier"], want["tier"]);
            let got: Vec<(Value, Value)> = (t["rows"].as_array().expect("rows").iter())
                .map(|r| (r["id"].clone(), r["score"].clone()))
                .collect();
            let leads: Vec<(Value, Value)> = (want["leads"].as_array().expect("leads").iter())
                .map(|l| (l["id"].clone(), l["score"].clone()))
                .collect();
            assert_eq!(got, leads);
        }
        // With outcomes: win rate and lift per tier, and the calibration curve.
        let b = &backtest["icps"][i];
        let f = figure(seen, &format!("icp-{i}-winrate"));
        let groups: Vec<&Value> = (b["tiers"].as_array().expect("tiers").iter())
            .chain([&b["not_qualified"]])
            .collect();
        let want: Vec<Value> = (groups.iter())
            .map(|t| {
                serde_json::json!({"accounts": t["accounts"], "won": t["won"], "lost": t["lost"],
                    "win_rate": t["win_rate"], "lift": t["lift"], "wins_captured": t["wins_captured"]})
            })
            .collect();
        let got: Vec<Value> = table(f).into_iter().map(|(_, c)| c).collect();
        assert_eq!(got, want);
        check_svg(
            f,
            groups
                .iter()
                .filter(|t| t["win_rate"].as_f64().is_some_and(|r| r > 0.0))
                .count(),
        );
        let f = figure(seen, &format!("icp-{i}-calibration"));
        let bands = b["calibration"].as_array().expect("bands");
        let want: Vec<Value> = (bands.iter())
            .map(|c| serde_json::json!({"accounts": c["accounts"], "won": c["won"], "lost": c["lost"], "win_rate": c["win_rate"]}))
            .collect();
        let got: Vec<Value> = table(f).into_iter().map(|(_, c)| c).collect();
        assert_eq!(got, want);
        check_svg(f, 0);
        let points = bands.iter().filter(|c| !c["win_rate"].is_null()).count();
        assert_eq!(count(&f["svg"]["points"]), points as u64);
    }
    let charts = seen["figures"].as_array().expect("figures").len();
    assert_eq!(charts, 5 * data["icps"].as_array().expect("icps").len());
}

/// `value` with every number as a float: JavaScript reads `35.0` as `35`.
fn floats(value: &Value) -> Value {
    match value {
        Value::Number(n) => n.as_f64().map_or(Value::Null, Value::from),
        Value::Array(items) => Value::Array(items.iter().map(floats).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), floats(v))).collect())
        }
        other => other.clone(),
    }
}

#[test]
fn report_in_headless_chromium_light_and_dark() {
    let dir = report_project(300);
    let page = report_page(dir.path());
    let data = floats(&embedded(&page));
    let seen = floats(&open_in_chromium(&dir.path().join("report.html")));
    for scheme in ["light", "dark"] {
        check_scheme(scheme, &seen[scheme], &data);
        for shot in ["", "-top", "-icp", "-outcomes"] {
            let path = artefacts().join(format!("report-{scheme}{shot}.png"));
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            assert!(size > 10_000, "{}: {size} bytes", path.display());
        }
    }
    let (light, dark) = (&seen["light"], &seen["dark"]);
    assert_ne!(
        light["background"], dark["background"],
        "the page follows the scheme"
    );
    assert_ne!(light["text"], dark["text"]);
    let bar = |s: &Value| figure(s, "icp-0-tiers")["svg"]["bar_fill"].clone();
    assert_ne!(bar(light), bar(dark), "the charts follow the scheme");
    assert!(bar(light).as_str().is_some_and(|f| f.starts_with("rgb(")));
}
