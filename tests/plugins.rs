//! The shipped plugins loaded as `icp` loads them — built, opened with `libloading`, configured
//! by the repository's `icp.toml` — and every signal evaluated over the demo lead set, with
//! known answers for companies picked by hand from the demo's data files (as of 2026-11-23).

use std::collections::HashMap;

use icp_diagnostics::SourceMap;
use icp_engine::Value;
use icp_engine::ir::RuleSet;
use icp_io::{LeadReader, ReadOptions};
use icp_tests::{shipped_host, workspace};

/// One score line per signal call, so that every call is part of the rule set.
const RULES: &str = r#"
icp every_signal {
  score 1 "a" when funding.days_since_last_round >= 0
  score 1 "b" when funding.last_round_type == "Seed"
  score 1 "c" when funding.last_round_amount >= 0
  score 1 "d" when funding.total_raised >= 0
  score 1 "e" when funding.raised_within(90d)
  score 1 "f" when funding.raised_within(180d)
  score 1 "g" when funding.raised_at_least(50M, within: 365d)
  score 1 "h" when funding.raised_at_least(60M, within: 365d)
  score 1 "i" when funding.event_within("series b", 365d)
  score 1 "j" when funding.event_within("Series B", 400d)
  score 1 "k" when events.attended("google cloud next")
  score 1 "l" when events.sponsored("Google Cloud Next")
  score 1 "m" when events.spoke_at("Snowflake Summit")
  score 1 "n" when events.count_within(1095d) >= 0
  score 1 "o" when events.count_within(1460d) >= 0
  score 1 "p" when events.attended_any(["SaaStr Annual", "Snowflake Summit"])
  score 1 "q" when job_changes.new_exec_within(90d)
  score 1 "r" when job_changes.new_exec_within(60d)
  score 1 "s" when job_changes.promotions_within(365d) >= 0
  score 1 "t" when job_changes.promotions_within(730d) >= 0
  score 1 "u" when job_changes.days_since_last_exec_hire >= 0
  score 1 "v" when job_changes.champion_joined(within: 90d)
  score 1 "w" when job_changes.champion_joined(within: 30d)
  score 1 "x" when job_changes.count(90d) >= 0
  score 1 "y" when job_changes.count(within: 90d, seniority: "Director", kind: "joined") >= 0
  score 1 "z" when job_changes.count(within: 730d, title: "chief", department: "it") >= 0
  score 1 "aa" when funding.acquired_within(750d)
  score 1 "ab" when funding.acquired_within(365d)
  score 1 "ac" when funding.divested_within(3650d)
  tier A otherwise
}
"#;

fn rules(host: &icp_plugin_host::Host, config: &icp_cli::config::Config) -> RuleSet {
    let mut sources = SourceMap::new();
    sources.add("every_signal.icp", RULES.to_string());
    let compiled = icp_engine::compile(&sources, &config.schema, host.catalog());
    let rendered = icp_diagnostics::render_text(&sources, &compiled.diagnostics, false);
    compiled.rules.expect(&rendered)
}

/// The value of every signal call (by its text) for each of the given lead ids.
fn signal_values(ids: &[&str]) -> HashMap<(String, String), Option<Value>> {
    let host = shipped_host();
    let config = icp_cli::config::Config::load(&workspace().join("icp.toml")).expect("icp.toml");
    let rules = rules(host, &config);
    let signals = host
        .prepare(&rules)
        .expect("the plugins read the demo data");
    let options = ReadOptions {
        contacts: Some(workspace().join("demo/contacts.csv")),
        ..ReadOptions::default()
    };
    let reader = LeadReader::open(
        &workspace().join("demo/companies.csv"),
        &rules.schema,
        &config.input,
        options,
    )
    .expect("the demo opens");
    let today = icp_syntax::ast::days_from_civil(2026, 11, 23).expect("a date");
    let mut values = HashMap::new();
    let mut leads = 0;
    for batch in reader {
        let mut batch = batch.expect("a batch");
        signals
            .fill(&mut batch, today)
            .expect("every signal answers");
        leads += batch.len();
        for (row, id) in batch.ids.iter().enumerate() {
            if !ids.contains(&id) {
                continue;
            }
            for (call, column) in rules.signal_calls.iter().zip(&batch.signals) {
                values.insert((id.to_string(), call.text.clone()), column.get(row));
            }
        }
    }
    assert_eq!(leads, 3000, "the whole demo was read");
    values
}

fn num(n: f64) -> Option<Value> {
    Some(Value::Number(n))
}

fn yes(b: bool) -> Option<Value> {
    Some(Value::Bool(b))
}

#[test]
fn every_shipped_signal_gives_its_known_answer_on_the_demo() {
    // C00333 redwoodpartners333.fr: Seed 2023-03-13, Series A 2024-04-26, Series B 2025-11-21
    // ($14.7M), Series C 2026-07-26 ($50.6M).
    // C01830 quantumindustries1830.ca: Gartner IT Symposium/Xpo 2023-10-19, Google Cloud Next
    // 2024-04-09, Snowflake Summit 2024-06-02 (one row by a contact's email only), attendee.
    // C00035 harborpay35.co.uk: promotions 2025-04-24 and 2025-10-23, Jon Berg (a champion
    // at Acme Analytics, matched by name) joined as Chief Revenue Officer (C-Level, Sales) on
    // 2026-09-18, Chloe Lopez moved to another team on 2026-10-07, Maya Johnson was promoted
    // Chief Information Officer (IT) on 2025-04-24.
    // C00003 dundersoftware3.com: acquired 2024-11-10 (743 days before).
    let values = signal_values(&["C00333", "C01830", "C00035", "C00003"]);
    let get = |id: &str, call: &str| {
        values
            .get(&(id.to_string(), call.to_string()))
            .unwrap_or_else(|| panic!("no value of {call} for {id}"))
            .clone()
    };
    let expected: &[(&str, &str, Option<Value>)] = &[
        ("C00333", "funding.days_since_last_round", num(120.0)),
        (
            "C00333",
            "funding.last_round_type",
            Some(Value::String("Series C".into())),
        ),
        ("C00333", "funding.last_round_amount", num(50_600_000.0)),
        ("C00333", "funding.total_raised", num(65_300_000.0)),
        ("C00333", "funding.raised_within(90d)", yes(false)),
        ("C00333", "funding.raised_within(180d)", yes(true)),
        (
            "C00333",
            "funding.raised_at_least(50M, within: 365d)",
            yes(true),
        ),
        (
            "C00333",
            "funding.raised_at_least(60M, within: 365d)",
            yes(false),
        ),
        (
            "C00333",
            "funding.event_within(\"series b\", 365d)",
            yes(false),
        ),
        (
            "C00333",
            "funding.event_within(\"Series B\", 400d)",
            yes(true),
        ),
        // A company with no funding data, covered (the demo declares no `covers`): no rounds,
        // so nothing raised, the last round "None", and no number of days since it.
        ("C01830", "funding.total_raised", num(0.0)),
        ("C01830", "funding.raised_within(90d)", yes(false)),
        ("C01830", "funding.days_since_last_round", None),
        (
            "C01830",
            "funding.last_round_type",
            Some(Value::String("None".into())),
        ),
        ("C01830", "funding.acquired_within(750d)", yes(false)),
        ("C00003", "funding.acquired_within(750d)", yes(true)),
        ("C00003", "funding.acquired_within(365d)", yes(false)),
        ("C00333", "funding.divested_within(3650d)", yes(false)),
        (
            "C01830",
            "events.attended(\"google cloud next\")",
            yes(true),
        ),
        (
            "C01830",
            "events.sponsored(\"Google Cloud Next\")",
            yes(false),
        ),
        (
            "C01830",
            "events.spoke_at(\"Snowflake Summit\")",
            yes(false),
        ),
        ("C01830", "events.count_within(1095d)", num(2.0)),
        ("C01830", "events.count_within(1460d)", num(3.0)),
        (
            "C01830",
            "events.attended_any([\"SaaStr Annual\", \"Snowflake Summit\"])",
            yes(true),
        ),
        ("C00333", "events.count_within(1460d)", num(0.0)),
        ("C00035", "job_changes.new_exec_within(90d)", yes(true)),
        ("C00035", "job_changes.new_exec_within(60d)", yes(false)),
        ("C00035", "job_changes.promotions_within(365d)", num(0.0)),
        ("C00035", "job_changes.promotions_within(730d)", num(2.0)),
        ("C00035", "job_changes.days_since_last_exec_hire", num(66.0)),
        (
            "C00035",
            "job_changes.champion_joined(within: 90d)",
            yes(true),
        ),
        (
            "C00035",
            "job_changes.champion_joined(within: 30d)",
            yes(false),
        ),
        (
            "C00333",
            "job_changes.champion_joined(within: 90d)",
            yes(false),
        ),
        ("C00035", "job_changes.count(90d)", num(2.0)),
        (
            "C00035",
            "job_changes.count(within: 90d, seniority: \"Director\", kind: \"joined\")",
            num(1.0),
        ),
        (
            "C00035",
            "job_changes.count(within: 730d, title: \"chief\", department: \"it\")",
            num(1.0),
        ),
        ("C00333", "job_changes.count(90d)", num(0.0)),
    ];
    let mut wrong = Vec::new();
    for (id, call, want) in expected {
        let got = get(id, call);
        if &got != want {
            wrong.push(format!("{id} {call}: expected {want:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
