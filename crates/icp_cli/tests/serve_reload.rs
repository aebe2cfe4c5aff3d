//! `icp serve` while it runs: an edit of the rules that does not load never replaces the
//! working version (and `/healthz` shows its diagnostics), a valid edit is served soon after
//! it is saved, reloads reuse the plugins loaded at start (one `init` however many reloads,
//! resident memory bounded), a changed `[plugins.NAME]` table waits for a restart, SIGTERM lets the request in flight finish, and a short load run has no error
//! (the long runs are `benches/serve/run.sh`).

#![cfg(feature = "serve")]

mod common;
mod serve_support;

use std::time::Duration;

use common::*;
use serde_json::Value;
use serve_support::*;

const LEAD: &[u8] = br#"{"id": "r1", "employees": 120, "industry": "Software", "revenue": "$40M"}"#;

/// How long a test waits for an edit to be served: the server polls every 200 ms, so this is
/// only a bound for a slow, loaded machine, not a figure the test holds it to.
const DEADLINE: Duration = Duration::from_secs(10);

fn tier(server: &Server) -> Value {
    let answer = server.post("/score", "application/json", LEAD);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()["tier"].clone()
}

#[test]
fn a_broken_edit_keeps_the_working_rules_and_a_valid_one_is_served() {
    let project = scoring_project();
    let dir = project.path();
    let rule_file = dir.join("rules/demo.icp");
    let server = Server::start(dir, &[]);
    assert_eq!(tier(&server), "B");
    let before = server.get("/rules").json();

    // A typo: the edit is refused, logged, shown by /healthz; scoring goes on unchanged.
    std::fs::write(&rule_file, BROKEN).expect("write");
    let health = poll(DEADLINE, || {
        let health = server.get("/healthz").json();
        (health["status"] == "degraded").then_some(health)
    })
    .expect("/healthz shows the failed reload");
    assert_eq!(health["version"], 1);
    let error = &health["reload_error"];
    assert_eq!(error["message"], "the rule set has 1 error");
    assert_eq!(error["diagnostics"][0]["severity"], "error");
    let code = error["diagnostics"][0]["code"].as_str().expect("a code");
    assert!(code.starts_with('E'), "{code}");
    assert!(
        error["text"]
            .as_str()
            .expect("text")
            .contains("company.employes")
    );
    insta::assert_snapshot!(
        "serve_reload_failure_text",
        error["text"].as_str().expect("text")
    );
    assert_eq!(tier(&server), "B");
    assert_eq!(server.get("/rules").json(), before);
    assert!(server.log().contains(
        "the edited rules were not loaded (the rule set has 1 error); version 1 keeps serving"
    ));

    // A valid edit: the lead now reaches tier A (the threshold is lowered).
    std::fs::write(
        &rule_file,
        SCORED.replace("tier A when score >= 30", "tier A when score >= 20"),
    )
    .expect("write");
    poll(DEADLINE, || (tier(&server) == "A").then_some(())).expect("the edit is served");
    let health = server.get("/healthz").json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], 2);
    let after = server.get("/rules").json();
    assert_eq!(after["version"], 2);
    assert_ne!(after["hash"], before["hash"]);
    let metrics = server.get("/metrics").body;
    assert!(metrics.contains("icp_rules_reloads_total 1\n"), "{metrics}");
    assert!(
        metrics.contains("icp_rules_reload_failures_total 1\n"),
        "{metrics}"
    );
    assert!(metrics.contains("icp_rules_version 2\n"), "{metrics}");
    assert!(metrics.contains("icp_rules_healthy 1\n"), "{metrics}");
}

#[test]
fn an_edit_of_icp_toml_is_checked_and_served_too() {
    let project = scoring_project();
    let dir = project.path();
    let server = Server::start(dir, &[]);
    assert_eq!(tier(&server), "B");
    let toml = std::fs::read_to_string(dir.join("icp.toml")).expect("icp.toml");
    // Broken TOML: refused, the version in force stays.
    std::fs::write(dir.join("icp.toml"), format!("{toml}\n[input\n")).expect("write");
    poll(DEADLINE, || {
        (server.get("/healthz").json()["status"] == "degraded").then_some(())
    })
    .expect("degraded");
    assert_eq!(tier(&server), "B");
    // A valid edit that changes what the rules read: `head_count` now feeds employees, so
    // the lead's `employees` key feeds nothing and it fails the `require`.
    std::fs::write(
        dir.join("icp.toml"),
        format!("{toml}\n[input.columns]\nhead_count = \"company.employees\"\nemployees = \"\"\n"),
    )
    .expect("write");
    let answer = poll(DEADLINE, || {
        let answer = server.post("/score", "application/json", LEAD).json();
        (answer["qualified"] == false).then_some(answer)
    })
    .expect("the new mapping is served");
    assert_eq!(answer["id"], "r1");
    assert_eq!(server.get("/healthz").json()["status"], "ok");
}

#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let project = scoring_project();
    let mut server = Server::start(project.path(), &[]);
    let mut held = Pending::send(
        server.addr,
        "POST",
        "/score",
        Some("application/json"),
        &LEAD[..20],
        LEAD.len(),
    );
    poll(DEADLINE, || {
        let metrics = server.get("/metrics").body;
        metrics.contains("icp_requests_in_flight 2\n").then_some(())
    })
    .expect("the request is in flight");
    server.terminate();
    poll(DEADLINE, || {
        server.log().contains("icp serve: stopping").then_some(())
    })
    .expect("the server is stopping");
    let answer = held.finish(&LEAD[20..]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["id"], "r1");
    assert_eq!(server.wait(), Some(0));
    assert!(
        server.log().ends_with("icp serve: stopped"),
        "{}",
        server.log()
    );
}

/// `bodies` posted to `/score`, `rate` a second for 2 s over `connections` connections.
fn load(
    server: &Server,
    bodies: Vec<Vec<u8>>,
    rate: u32,
    connections: usize,
) -> icp_benches::serve_load::LoadReport {
    icp_benches::serve_load::run(&icp_benches::serve_load::LoadPlan {
        addr: server.addr,
        path: "/score".to_string(),
        rate,
        seconds: 2.0,
        connections,
        bodies,
        server_pid: Some(server.child.id()),
    })
}

#[test]
fn a_short_load_run_has_no_errors() {
    let project = scoring_project();
    let server = Server::start(project.path(), &[]);
    let bodies: Vec<Vec<u8>> = (0..50)
        .map(|i| {
            format!(
                r#"{{"id": "l{i}", "employees": {}, "industry": "Software"}}"#,
                10 * i
            )
            .into_bytes()
        })
        .collect();
    let report = load(&server, bodies, 200, 8);
    assert_eq!(report.sent, 400, "{}", report.render());
    assert_eq!(report.errors, 0, "{}", report.render());
    assert_eq!(report.ok, 400);
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("icp_leads_scored_total 400\n"),
        "{metrics}"
    );
}

/// The scoring threads are a fixed pool of `--max-concurrent`: under load the process does
/// not gain threads (each would keep an allocator heap of its own, and memory would creep).
#[test]
fn the_scoring_threads_never_outnumber_max_concurrent() {
    let project = scoring_project();
    let server = Server::start(project.path(), &["--max-concurrent", "1"]);
    let bodies: Vec<Vec<u8>> = (0..50)
        .map(|i| format!(r#"{{"id": "l{i}", "employees": {i}}}"#).into_bytes())
        .collect();
    let report = load(&server, bodies, 500, 16);
    assert_eq!(report.errors, 0, "{}", report.render());
    // The runtime's threads are all named icp-serve: its workers, one per core, and the
    // scoring pool.
    let tasks = std::fs::read_dir(format!("/proc/{}/task", server.child.id())).expect("/proc");
    let named = (tasks.flatten())
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == "icp-serve")
        })
        .count();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        named <= cores + 1,
        "{named} icp-serve threads with {cores} cores and --max-concurrent 1"
    );
}

/// A project whose rules call the funding plugin, configured with the demo's data.
fn plugin_project(weight: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("icp.toml"),
        format!("rules = [\"rules\"]\n\n{}", demo_plugins()),
    )
    .expect("write icp.toml");
    std::fs::create_dir_all(dir.path().join("rules")).expect("mkdir");
    std::fs::write(dir.path().join("rules/funded.icp"), funded_rules(weight)).expect("write");
    dir
}

fn funded_rules(weight: u32) -> String {
    format!(
        "icp funded {{\n  score {weight} \"funded\" when funding.raised_within(3650d)\n  score 1 \"big\" when company.employees >= 100\n  tier A when score >= 1\n  tier B otherwise\n}}\n"
    )
}

/// The value of an unlabelled sample of the Prometheus text.
fn sample(metrics: &str, name: &str) -> u64 {
    (metrics.lines())
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{metrics}"))
}

#[test]
fn two_hundred_reloads_initialise_the_plugin_once_and_memory_stays_bounded() {
    plugins_built();
    let project = plugin_project(1);
    let dir = project.path();
    let server = Server::start(dir, &["--watch-interval", "5", "--as-of", "2026-11-23"]);
    let rss = || icp_benches::serve_load::rss_kib(server.child.id()).expect("the server's RSS");
    let reload_to = |version: u64| {
        // Renamed into place, so the watcher never reads a half-written file (which would
        // be a version of its own).
        let staged = dir.join("funded.icp.new");
        std::fs::write(&staged, funded_rules(version as u32)).expect("write");
        std::fs::rename(&staged, dir.join("rules/funded.icp")).expect("rename");
        poll(DEADLINE, || {
            (server.get("/rules").json()["version"] == version).then_some(())
        })
        .unwrap_or_else(|| panic!("version {version} is served: {}", server.log()));
    };
    // Warm up (the allocator's pools, the runtime's threads), then measure.
    for version in 2..=20 {
        reload_to(version);
    }
    let before = rss();
    for version in 21..=220 {
        reload_to(version);
    }
    let after = rss();
    let metrics = server.get("/metrics").body;
    assert_eq!(sample(&metrics, "icp_rules_reloads_total"), 219);
    assert_eq!(sample(&metrics, "icp_plugins_loaded"), 3, "{metrics}");
    assert_eq!(sample(&metrics, "icp_plugins_initialised"), 1, "{metrics}");
    assert_eq!(sample(&metrics, "icp_plugin_inits_total"), 1, "{metrics}");
    // Each `init` of the funding plugin reads the demo's funding file into memory (hundreds
    // of KiB); 200 of them leaked would be tens of MiB.
    assert!(
        after <= before + 8 * 1024,
        "resident memory grew from {before} KiB to {after} KiB over 200 reloads"
    );
    // The plugin still answers, with the state of its one `init`.
    let answer = server.post(
        "/score",
        "application/json",
        br#"{"id": "x", "domain": "example.com", "employees": 5}"#,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[test]
fn a_changed_plugin_table_waits_for_a_restart_and_the_rules_keep_serving() {
    plugins_built();
    let project = plugin_project(1);
    let dir = project.path();
    let server = Server::start(dir, &["--watch-interval", "20", "--as-of", "2026-11-23"]);
    let toml = std::fs::read_to_string(dir.join("icp.toml")).expect("icp.toml");
    std::fs::write(
        dir.join("icp.toml"),
        toml.replace(
            "[plugins.events]\n",
            "[plugins.events]\ncovers = [\"US\"]\n",
        ),
    )
    .expect("write");
    let health = poll(DEADLINE, || {
        let health = server.get("/healthz").json();
        (health["status"] == "degraded").then_some(health)
    })
    .expect("the edit is refused");
    assert_eq!(
        health["reload_error"]["message"],
        "icp.toml changes [plugins.events]; plugins are loaded once, when icp serve starts: \
         restart it to load the new plugin configuration"
    );
    assert_eq!(server.get("/rules").json()["version"], 1);
    let metrics = server.get("/metrics").body;
    assert_eq!(sample(&metrics, "icp_plugin_inits_total"), 1, "{metrics}");
}

#[test]
fn a_watch_interval_of_zero_is_a_usage_error() {
    let project = scoring_project();
    let out = icp(project.path(), &["serve", "--watch-interval", "0"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("serve_watch_interval_zero", stderr(&out));
}
