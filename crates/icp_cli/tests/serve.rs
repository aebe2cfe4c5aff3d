//! `icp serve` over loopback: its answers are `icp score --format jsonl --explain`'s lines
//! for the same leads (the demo leads, generated messy ones, odd hand-written ones), `/explain`
//! is `icp explain`'s text, every bad request gets a JSON error with its status, and a server
//! that cannot start says why with exit code 2. (Reloading, shutdown and load are in
//! `serve_reload.rs`.)

#![cfg(feature = "serve")]

mod common;
mod serve_support;

use std::collections::HashMap;
use std::path::Path;

use common::*;
use serde_json::Value;
use serve_support::*;

const AS_OF: &str = "2026-11-23";

/// `icp score --format jsonl --explain` of a JSON Lines file, in `dir`: one JSON value a line.
fn score_file(dir: &Path, leads: &Path) -> Vec<Value> {
    let out = icp(
        dir,
        &[
            "score",
            "--leads",
            leads.to_str().expect("utf-8"),
            "--format",
            "jsonl",
            "--explain",
            "--as-of",
            AS_OF,
            "-o",
            "-",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Posts the leads (JSON Lines text) to `/score` in arrays of `per_request`, and returns the
/// answers' rows in order.
fn score_served(server: &Server, jsonl: &str, per_request: usize) -> Vec<Value> {
    let lines: Vec<&str> = jsonl.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut rows = Vec::new();
    for chunk in lines.chunks(per_request) {
        let body = format!("[{}]", chunk.join(",\n  "));
        let answer = server.post("/score", "application/json", body.as_bytes());
        assert_eq!(answer.status, 200, "{}", answer.body);
        match answer.json() {
            Value::Array(items) => rows.extend(items),
            other => panic!("an array for an array: {other}"),
        }
    }
    rows
}

/// The demo's companies and contacts as JSON Lines: each company row an object of its
/// non-empty cells, its contacts nested in a `contacts` array.
fn demo_as_jsonl() -> String {
    let demo = repo().join("demo");
    let mut contacts: HashMap<String, Vec<serde_json::Map<String, Value>>> = HashMap::new();
    let mut reader = csv::Reader::from_path(demo.join("contacts.csv")).expect("contacts");
    let headers = reader.headers().expect("headers").clone();
    for record in reader.records() {
        let record = record.expect("a contact");
        let object: serde_json::Map<String, Value> = (headers.iter().zip(record.iter()))
            .filter(|(h, v)| *h != "company_id" && !v.is_empty())
            .map(|(h, v)| (h.to_string(), Value::String(v.to_string())))
            .collect();
        let company = record.get(0).expect("company_id").to_string();
        contacts.entry(company).or_default().push(object);
    }
    let mut reader = csv::Reader::from_path(demo.join("companies.csv")).expect("companies");
    let headers = reader.headers().expect("headers").clone();
    let mut out = String::new();
    for record in reader.records() {
        let record = record.expect("a company");
        let mut object: serde_json::Map<String, Value> = (headers.iter().zip(record.iter()))
            .filter(|(_, v)| !v.is_empty())
            .map(|(h, v)| (h.to_string(), Value::String(v.to_string())))
            .collect();
        if let Some(people) = contacts.remove(record.get(0).expect("id")) {
            object.insert(
                "contacts".into(),
                Value::Array(people.into_iter().map(Value::Object).collect()),
            );
        }
        out.push_str(&Value::Object(object).to_string());
        out.push('\n');
    }
    out
}

#[test]
fn serve_answers_as_icp_score_does_on_the_demo_leads() {
    plugins_built();
    let dir = tempfile::tempdir().expect("temp dir");
    let jsonl = demo_as_jsonl();
    let leads = dir.path().join("demo.jsonl");
    std::fs::write(&leads, &jsonl).expect("write the leads");
    let expected = score_file(&repo(), &leads);
    assert_eq!(expected.len(), 3000);
    let server = Server::start(&repo(), &["--as-of", AS_OF]);
    let served = score_served(&server, &jsonl, 250);
    assert_eq!(served.len(), expected.len());
    for (i, (got, want)) in served.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "lead {}", i + 1);
    }
    // One object gets one object; JSON Lines get the very bytes `icp score` writes.
    let first = jsonl.lines().next().expect("a lead");
    let answer = server.post("/score", "application/json", first.as_bytes());
    assert_eq!(answer.json(), expected[0]);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let some: String = jsonl.lines().take(40).map(|l| format!("{l}\n")).collect();
    let answer = server.post("/score", "application/x-ndjson", some.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/x-ndjson"));
    let lines: Vec<Value> = (answer.body.lines())
        .map(|l| serde_json::from_str(l).expect("a line"))
        .collect();
    assert_eq!(lines, expected[..40]);
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains(&format!("icp_leads_scored_total {}\n", 3000 + 1 + 40)),
        "{metrics}"
    );
}

#[test]
fn serve_answers_as_icp_score_does_on_generated_and_odd_leads() {
    let project = scoring_project();
    let dir = project.path();
    let mut jsonl = String::new();
    for seed in [3, 17] {
        let file = dir.join(format!("gen{seed}.jsonl"));
        let out = icp(
            dir,
            &[
                "gen",
                "--companies",
                "300",
                "--seed",
                &seed.to_string(),
                "--messy",
                "0.6",
                "--contacts-per-company",
                "0..6",
                "-o",
                file.to_str().expect("utf-8"),
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        jsonl.push_str(&std::fs::read_to_string(&file).expect("generated"));
    }
    // Odd but readable leads: a nested company object, keys that feed nothing, nulls,
    // numbers as text, two keys for one field (the first wins), no id but a domain, an id
    // seen twice. (A lead with neither id nor domain is named by its line, which is its
    // place in the request, not in the file: `a_lead_without_id_or_domain_…` below.)
    for odd in [
        r#"{"company": {"id": "n1", "employees": "120", "industry": "Software"}, "contacts": [{"first_name": "Ann", "last_name": "Lee", "seniority": "VP"}]}"#,
        r#"{"id": "n2", "employees": null, "revenue": "$12M", "favourite_colour": "blue"}"#,
        r#"{"id": "n3", "domain": "first.example", "website": "https://second.example", "employees": 75}"#,
        r#"{"name": "No Id Inc", "domain": "noid.example", "employees": 900}"#,
        r#"{"id": "n2", "employees": 60, "industry": ["Internet", "Gambling"]}"#,
    ] {
        jsonl.push_str(odd);
        jsonl.push('\n');
    }
    let leads = dir.join("all.jsonl");
    std::fs::write(&leads, &jsonl).expect("write the leads");
    let expected = score_file(dir, &leads);
    let server = Server::start(dir, &["--as-of", AS_OF]);
    for per_request in [1, 7, 1000] {
        let served = score_served(&server, &jsonl, per_request);
        assert_eq!(served, expected, "{per_request} leads per request");
    }
    // `?all=true`: every ICP's row, as `icp score --all`.
    let out = icp(
        dir,
        &[
            "score",
            "--leads",
            "all.jsonl",
            "--format",
            "jsonl",
            "--explain",
            "--all",
            "--as-of",
            AS_OF,
            "-o",
            "-",
        ],
    );
    let all: Vec<Value> = (stdout(&out).lines())
        .map(|l| serde_json::from_str(l).expect("a line"))
        .collect();
    let body = format!("[{}]", jsonl.lines().collect::<Vec<_>>().join(","));
    let answer = server.post("/score?all=true", "application/json", body.as_bytes());
    assert_eq!(answer.json(), Value::Array(all));
}

#[test]
fn a_lead_without_id_or_domain_is_named_by_its_place_in_the_request() {
    let project = scoring_project();
    let server = Server::start(project.path(), &[]);
    let answer = server.post("/score", "application/json", b"{}");
    assert_eq!(answer.json()["id"], "1");
    let answer = server.post("/score", "application/json", br#"[{"id": "a"}, {}]"#);
    assert_eq!(answer.json()[1]["id"], "2");
}

#[test]
fn explain_answers_with_the_text_of_icp_explain() {
    let project = scoring_project();
    let dir = project.path();
    let lead = r#"{"id": "e1", "name": "Acme", "industry": "Software", "employees": 120, "revenue": "$40M", "contacts": [{"name": "Ann", "seniority": "C-Level"}]}"#;
    std::fs::write(dir.join("one.jsonl"), format!("{lead}\n")).expect("write");
    let out = icp(
        dir,
        &[
            "explain",
            "--leads",
            "one.jsonl",
            "--id",
            "e1",
            "--as-of",
            AS_OF,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed = stdout(&out);
    // `icp explain` opens with the lead's line in its file; the rest is the explanation.
    let (_, text) = printed.split_once('\n').expect("a first line");
    let server = Server::start(dir, &["--as-of", AS_OF]);
    let answer = server.post("/explain", "application/json", lead.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["id"], "e1");
    assert_eq!(body["icp"], "demo");
    assert_eq!(body["tier"], "A");
    assert_eq!(body["explanation"], text);
    insta::assert_snapshot!("serve_explain_text", text);
    let answer = server.post(
        "/explain",
        "application/json",
        format!("[{lead}]").as_bytes(),
    );
    assert_eq!(answer.json()[0], body);
}

#[test]
fn bad_requests_get_json_errors_with_their_status() {
    let project = scoring_project();
    let server = Server::start(project.path(), &["--max-body", "2000"]);
    let big = format!("[{}]", vec![r#"{"id":"x","employees":100}"#; 200].join(","));
    let cases: Vec<(&str, Answer)> = vec![
        (
            "too large",
            server.post("/score", "application/json", big.as_bytes()),
        ),
        (
            "not JSON",
            server.post("/score", "application/json", b"{\"id\": "),
        ),
        (
            "a number",
            server.post("/score", "application/json", b"[{\"id\": \"1\"}, 2]"),
        ),
        (
            "bad line",
            server.post("/explain", "application/x-ndjson", b"{}\nnope\n"),
        ),
        (
            "not UTF-8",
            server.post("/score", "application/json", b"\"\xff\""),
        ),
        ("empty", server.post("/score", "application/json", b"")),
        (
            "form",
            server.post("/score", "application/x-www-form-urlencoded", b"id=1"),
        ),
        ("text", server.post("/explain", "text/plain", b"{}")),
        ("no type", http(server.addr, "POST", "/score", None, b"{}")),
        (
            "all",
            server.post("/score?all=maybe", "application/json", b"{}"),
        ),
        ("unknown path", server.get("/v1/score")),
        ("wrong method", server.get("/score")),
        (
            "wrong method too",
            server.post("/healthz", "application/json", b"{}"),
        ),
    ];
    let mut shown = String::new();
    for (what, answer) in &cases {
        assert_eq!(
            answer.header("content-type"),
            Some("application/json"),
            "{what}"
        );
        let error = answer.json()["error"].as_str().map(str::to_string);
        let error = error.unwrap_or_else(|| panic!("{what}: no error: {}", answer.body));
        shown.push_str(&format!("{what}: {} {error}\n", answer.status));
    }
    let statuses: Vec<u16> = cases.iter().map(|(_, a)| a.status).collect();
    assert_eq!(
        statuses,
        [
            413, 400, 400, 400, 400, 400, 415, 415, 415, 400, 404, 405, 405
        ]
    );
    insta::assert_snapshot!("serve_errors", shown);
    // A body larger than the limit without a Content-Length (sent in chunks) is cut at the
    // limit all the same.
    let chunked = {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(server.addr).expect("connect");
        let chunk = "x".repeat(1500);
        let request = format!(
            "POST /score HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
            chunk.len(),
            chunk.len()
        );
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        answer
    };
    assert!(chunked.starts_with("HTTP/1.1 413"), "{chunked}");
    assert!(
        chunked.contains("{\"error\":\"the body is larger than 2000 bytes"),
        "{chunked}"
    );
    // The server is still up, and counted every error.
    assert_eq!(server.get("/healthz").json()["status"], "ok");
    let metrics = server.get("/metrics").body;
    assert!(metrics.contains("icp_errors_total 14\n"), "{metrics}");
    assert!(metrics.contains("icp_http_requests_total{route=\"other\",status=\"404\"} 1\n"));
}

#[test]
fn a_full_queue_answers_429_and_the_admitted_request_still_completes() {
    let project = scoring_project();
    let server = Server::start(
        project.path(),
        &["--max-concurrent", "1", "--max-queue", "1"],
    );
    let lead = br#"{"id": "q1", "employees": 100, "industry": "Software"}"#;
    // Held in flight: its headers are read, its body is not complete.
    let mut held = Pending::send(
        server.addr,
        "POST",
        "/score",
        Some("application/json"),
        &lead[..10],
        lead.len(),
    );
    let in_flight = poll(std::time::Duration::from_secs(30), || {
        let metrics = server.get("/metrics").body;
        // The /metrics request itself is in flight too.
        metrics.contains("icp_requests_in_flight 2\n").then_some(())
    });
    assert!(in_flight.is_some(), "the held request is in flight");
    let refused = server.post("/score", "application/json", lead);
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert!(
        refused.json()["error"]
            .as_str()
            .expect("error")
            .starts_with("the server is busy")
    );
    let answer = held.finish(&lead[10..]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["id"], "q1");
    assert_eq!(server.post("/score", "application/json", lead).status, 200);
}

#[test]
fn rules_and_healthz_show_the_version_in_force() {
    let project = scoring_project();
    let server = Server::start(project.path(), &[]);
    let rules = server.get("/rules").json();
    assert_eq!(rules["version"], 1);
    assert_eq!(rules["icps"], serde_json::json!(["demo"]));
    assert_eq!(rules["files"][0]["path"], "rules/demo.icp");
    assert_eq!(rules["files"][0]["bytes"], common::SCORED.len());
    assert_eq!(rules["config"]["path"], "icp.toml");
    assert_eq!(rules["hash"].as_str().map(str::len), Some(16));
    let health = server.get("/healthz").json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["hash"], rules["hash"]);
}

#[test]
fn a_server_that_cannot_start_says_why_and_exits_2() {
    let project = scoring_project();
    let dir = project.path();
    let run = |args: &[&str]| {
        let mut all = vec!["serve"];
        all.extend_from_slice(args);
        let out = icp(dir, &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        stderr(&out)
    };
    let mut shown = String::new();
    shown.push_str(&run(&["--addr", "localhost"]));
    shown.push_str(&run(&["--addr", "127.0.0.1:0", "--max-queue", "0"]));
    shown.push_str(&run(&[
        "--addr",
        "127.0.0.1:0",
        "--max-concurrent",
        "8",
        "--max-queue",
        "4",
    ]));
    shown.push_str(&run(&["--addr", "127.0.0.1:0", "--as-of", "yesterday"]));
    std::fs::write(dir.join("rules/demo.icp"), common::BROKEN).expect("write");
    shown.push_str(&run(&["--addr", "127.0.0.1:0"]));
    std::fs::write(
        dir.join("rules/demo.icp"),
        "icp demo {\n  require company.employees >= percentile(company.employees, 50)\n}\n",
    )
    .expect("write");
    shown.push_str(&run(&["--addr", "127.0.0.1:0"]));
    insta::assert_snapshot!("serve_start_errors", shown);
}

/// The bodies of docs/serve.md's fences whose info string has `key=NAME`, by name.
fn doc_fences(markdown: &str, key: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let name = (info.split_whitespace())
            .find_map(|a| a.strip_prefix(&format!("{key}=")))
            .map(str::to_string);
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        if let Some(name) = name {
            out.push((name, body.join("\n")));
        }
    }
    out
}

#[test]
fn the_crm_webhook_examples_of_the_docs_are_scored_as_shown() {
    plugins_built();
    let doc = std::fs::read_to_string(repo().join("docs/serve.md")).expect("docs/serve.md");
    let bodies = doc_fences(&doc, "crm");
    let answers: HashMap<String, String> = doc_fences(&doc, "answer").into_iter().collect();
    let names: Vec<&str> = bodies.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["hubspot", "salesforce"]);
    assert!(answers.contains_key("hubspot"));
    for (crm, body) in &bodies {
        // The repository's project, with the CRM's preset in its icp.toml.
        let dir = tempfile::tempdir().expect("temp dir");
        let toml = std::fs::read_to_string(repo().join("icp.toml")).expect("icp.toml");
        std::fs::write(
            dir.path().join("icp.toml"),
            format!("{toml}\n[input]\npreset = \"{crm}\"\n"),
        )
        .expect("write icp.toml");
        for name in ["demo", "rules"] {
            std::os::unix::fs::symlink(repo().join(name), dir.path().join(name)).expect("link");
        }
        let server = Server::start(dir.path(), &["--as-of", AS_OF]);
        let answer = server.post("/score", "application/json", body.as_bytes());
        assert_eq!(answer.status, 200, "{crm}: {}", answer.body);
        let got = answer.json();
        if let Some(shown) = answers.get(crm) {
            let shown: Value = serde_json::from_str(shown).expect("the documented answer");
            assert_eq!(got, shown, "{crm}: the answer in docs/serve.md");
        }
        // And `icp score` says the same of the same leads with the same icp.toml.
        let sent: Value = serde_json::from_str(body).expect("the documented body");
        let leads = match &sent {
            Value::Array(items) => items.clone(),
            one => vec![one.clone()],
        };
        let jsonl: String = leads.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(dir.path().join("leads.jsonl"), jsonl).expect("write");
        let expected = score_file(dir.path(), Path::new("leads.jsonl"));
        let got = match got {
            Value::Array(items) => items,
            one => vec![one],
        };
        assert_eq!(got, expected, "{crm}");
        assert!(
            got.iter().all(|row| row["qualified"] == true),
            "{crm}: {got:?}"
        );
    }
}
