//! Differential test of the plugin boundary: a rule set that reads the funding plugin's
//! signals gives, lead by lead, the same results as the same rule set reading the same values
//! from custom company fields.
//!
//! How it works: `icp_gen` writes a few thousand companies and, with its `signals` module,
//! the funding rounds of those companies. Side A loads the shipped funding library through
//! the host, as `icp score` does, reads the leads in batches with `icp_io` and fills the
//! signal columns with `Signals::fill`. Side B needs no host: the expected value of each
//! signal for each *domain* comes from the funding plugin's own code called through the SDK's
//! test harness (the C table, in process, no host), and is set, looked up by the lead's
//! domain, into custom fields (`company.total_raised`, `company.raised_365d`, …) of a copy of
//! each batch. The rule set is written once with `funding.x` and derived for side B by
//! replacing each signal call with its field. Both sides are evaluated by the fast and by
//! the reference evaluator and compared lead by lead: qualified, score, tier, matched labels,
//! unknowns and reasons (their names mapped back), best ICP. Because B's values are found by
//! domain and never by row, a host that dropped, shifted or mixed up values (across rows,
//! batches or calls of one signal with different arguments) makes the sides differ; the test
//! also checks that it would notice (rotated or dropped values do change results), and that
//! the funding rules do decide things (leads qualify, tiers and unknowns occur).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::Path;

use icp_diagnostics::SourceMap;
use icp_engine::batch::{Batch, Column};
use icp_engine::ir::RuleSet;
use icp_engine::plan::Plan;
use icp_engine::result::LeadResult;
use icp_engine::{Entity, Schema, SignalCatalog, Type, Value};
use icp_io::{InputConfig, LeadReader, ReadOptions};
use icp_plugin_api::sdk;
use icp_plugin_host::{Configured, Host, PluginRequest, library_file};
use icp_syntax::ast::days_from_civil;
use icp_tests::cargo_build;

const COMPANIES: u64 = 3000;
/// Leads per batch: several batches, and a last one that is not full.
const BATCH: usize = 700;

/// The rule set, side A: three ICPs using six distinct signal calls, two of them the same
/// signal with different durations.
const RULES: &str = r#"
icp funded "Funded accounts" {
  require funding.total_raised >= 1M
  exclude funding.days_since_last_round > 1800
  exclude funding.acquired_within(730d)
  score 30 "raised this year"    when funding.raised_within(365d)
  score 20 "raised this quarter" when funding.raised_within(90d)
  score 20 "big raiser"          when funding.total_raised >= 50M
  score 15 "fresh round"         when funding.days_since_last_round <= 180
  score 10 "growth stage"        when funding.last_round_type in ["Series B", "Series C", "Series D"]
  score  5 "software"            when company.industry has any ["Software", "Internet"]
  tier A when score >= 60
  tier B when score >= 30
  tier C otherwise
}

icp early "Early or unfunded" {
  require funding.days_since_last_round is missing or funding.days_since_last_round > 365
  exclude funding.last_round_type == "IPO"
  score 20 "never raised"    when funding.days_since_last_round is missing
  score 15 "no recent round" when not funding.raised_within(365d)
  score 10 "seed only"       when funding.last_round_type == "Seed"
  score 10 "small"           when company.employees < 100
  group "momentum" max 15 {
    score 10 "stale raise" when funding.days_since_last_round > 720
    score 10 "some money"  when funding.total_raised > 0
  }
  tier A when score >= 40
  tier B otherwise
}

icp recent "Recently funded" {
  require funding.days_since_last_round <= 1000
  score 20 "quarter" when funding.raised_within(90d)
  score 10 "year"    when funding.raised_within(365d) and funding.total_raised < 100M
  tier A when score >= 20
  tier B otherwise
}
"#;

/// Each signal call of [`RULES`], the custom field that stands for it on side B, the
/// field's type, and how to ask the plugin for it (signal name and arguments).
struct Stand {
    call: &'static str,
    field: &'static str,
    ty: &'static str,
    signal: &'static str,
    within: Option<f64>,
}

const STANDS: &[Stand] = &[
    Stand {
        call: "funding.raised_within(365d)",
        field: "raised_365d",
        ty: "bool",
        signal: "raised_within",
        within: Some(365.0),
    },
    Stand {
        call: "funding.raised_within(90d)",
        field: "raised_90d",
        ty: "bool",
        signal: "raised_within",
        within: Some(90.0),
    },
    Stand {
        call: "funding.total_raised",
        field: "total_raised",
        ty: "number",
        signal: "total_raised",
        within: None,
    },
    Stand {
        call: "funding.days_since_last_round",
        field: "days_since_last_round",
        ty: "number",
        signal: "days_since_last_round",
        within: None,
    },
    Stand {
        call: "funding.last_round_type",
        field: "last_round_type",
        ty: "string",
        signal: "last_round_type",
        within: None,
    },
    Stand {
        call: "funding.acquired_within(730d)",
        field: "acquired_730d",
        ty: "bool",
        signal: "acquired_within",
        within: Some(730.0),
    },
];

fn today() -> i32 {
    let (y, m, d) = icp_gen::REFERENCE_DATE;
    days_from_civil(y, m, d).expect("a date")
}

/// The rule set of side B: every signal call replaced by its field.
fn rules_b() -> String {
    let mut text = RULES.to_string();
    for s in STANDS {
        text = text.replace(s.call, &format!("company.{}", s.field));
    }
    assert!(!text.contains("funding."), "{text}");
    text
}

fn compile(text: &str, schema: &Schema, catalog: &SignalCatalog) -> RuleSet {
    let mut sources = SourceMap::new();
    sources.add("differential.icp", text);
    let compiled = icp_engine::compile(&sources, schema, catalog);
    let rendered = icp_diagnostics::render_text(&sources, &compiled.diagnostics, false);
    assert!(compiled.diagnostics.is_empty(), "{rendered}");
    compiled.rules.expect("the rules compile")
}

/// The plugin's values, computed without the host: the funding plugin's code through the
/// SDK's harness, once for every distinct domain. Per domain, one value per [`STANDS`] entry.
fn expected_by_domain(data_dir: &Path, domains: &[String]) -> HashMap<String, Vec<Option<Value>>> {
    let harness = sdk::testing::Harness::new::<plugin_funding::Funding>(
        r#"{"data": "funding.csv"}"#,
        data_dir,
    )
    .expect("the funding plugin reads the generated data");
    let leads: Vec<Vec<(&str, sdk::Value)>> = domains
        .iter()
        .map(|d| vec![("company.domain", sdk::Value::String(d.clone()))])
        .collect();
    let today = sdk::Date(today());
    let columns: Vec<Vec<Option<Value>>> = STANDS
        .iter()
        .map(|s| {
            let args: Vec<Option<sdk::Value>> = s
                .within
                .map(sdk::Value::Duration)
                .into_iter()
                .map(Some)
                .collect();
            harness
                .call(s.signal, &args, today, &leads)
                .expect("the plugin evaluates")
                .into_iter()
                .map(|v| {
                    v.map(|v| match v {
                        sdk::Value::Bool(b) => Value::Bool(b),
                        sdk::Value::Number(n) => Value::Number(n),
                        sdk::Value::String(s) => Value::String(s),
                        other => panic!("unexpected value {other:?}"),
                    })
                })
                .collect()
        })
        .collect();
    domains
        .iter()
        .enumerate()
        .map(|(i, d)| (d.clone(), columns.iter().map(|c| c[i].clone()).collect()))
        .collect()
}

/// A lead's domain as the reader parsed it.
fn domain(batch: &Batch, rules: &RuleSet, row: usize) -> Option<String> {
    let field = rules
        .schema
        .lookup(Entity::Company, "domain")
        .expect("company.domain");
    match batch.company[field.0 as usize].get(row) {
        Some(Value::String(d)) => Some(d),
        _ => None,
    }
}

/// A copy of side A's batch for side B: no signal columns, the custom fields set to
/// `value(row, stand)`.
fn side_b(batch: &Batch, rules: &RuleSet, value: impl Fn(usize, usize) -> Option<Value>) -> Batch {
    let mut b = batch.clone();
    b.signals.clear();
    for (k, s) in STANDS.iter().enumerate() {
        let field = rules
            .schema
            .lookup(Entity::Company, s.field)
            .expect("a custom field");
        let ty = Type::parse(s.ty).expect("a type");
        let mut column = Column::for_type(ty);
        for row in 0..batch.len() {
            column.push(value(row, k));
        }
        b.company[field.0 as usize] = column;
    }
    b
}

/// What is compared of a lead's result, with side B's field names written as side A's
/// signal calls.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    best: Option<usize>,
    icps: Vec<SeenIcp>,
}

#[derive(Debug, Clone, PartialEq)]
struct SeenIcp {
    name: String,
    qualified: bool,
    score: f64,
    tier: Option<String>,
    matched: Vec<String>,
    unknown: Vec<String>,
    reasons: Vec<String>,
}

fn seen(result: &LeadResult<'_>) -> Seen {
    let rename = |text: &str| {
        let mut text = text.to_string();
        for s in STANDS {
            text = text.replace(&format!("company.{}", s.field), s.call);
        }
        text
    };
    Seen {
        best: result.best,
        icps: result
            .icps
            .iter()
            .map(|r| SeenIcp {
                name: r.name.to_string(),
                qualified: r.qualified,
                score: r.score,
                tier: r.tier.map(str::to_string),
                matched: r.matched.iter().map(|m| m.to_string()).collect(),
                unknown: r.unknown.iter().map(|u| rename(u)).collect(),
                reasons: r.reasons.iter().map(|u| rename(u)).collect(),
            })
            .collect(),
    }
}

/// Side B's results for a batch, by both evaluators (which must agree).
fn evaluate_b(rules: &RuleSet, plan: &Plan, batch: &Batch) -> Vec<Seen> {
    let fast: Vec<Seen> = icp_engine::eval::columnar::evaluate(rules, plan, batch, today(), true)
        .iter()
        .map(seen)
        .collect();
    for (row, f) in fast.iter().enumerate() {
        let r = seen(&icp_engine::eval::reference::evaluate(
            rules,
            &batch.lead(row),
            today(),
        ));
        assert_eq!(
            f, &r,
            "side B, lead {}: fast and reference differ",
            &batch.ids[row]
        );
    }
    fast
}

#[test]
fn plugin_signals_give_the_same_results_as_the_same_values_in_custom_fields() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = icp_gen::GenOptions {
        companies: COMPANIES,
        seed: 20_261_123,
        contacts_min: 0,
        contacts_max: 0,
        messy: 0.1,
        format: icp_gen::Format::Csv,
    };
    let leads = dir.path().join("companies.csv");
    let mut out = File::create(&leads).expect("companies.csv");
    icp_gen::generate(&options, &mut out, None).expect("companies generated");
    drop(out);
    let report = icp_gen::signals::write_signals(&options, dir.path()).expect("signals written");
    assert!(report.funding > 200, "{report:?}");

    // One schema for both sides: the canonical fields and side B's custom ones.
    let mut schema = Schema::canonical();
    for s in STANDS {
        schema
            .add_custom(Entity::Company, s.field, s.ty)
            .expect("a custom field");
    }

    // Side A: the shipped funding library through the host.
    let library = cargo_build(&["-p", "plugin_funding"]).join(library_file("plugin_funding"));
    let host = Host::load(&PluginRequest {
        libraries: vec![library],
        configured: vec![Configured {
            name: "funding".into(),
            library: None,
            config_json: r#"{"data": "funding.csv"}"#.into(),
            base_dir: dir.path().to_path_buf(),
            isolation: None,
        }],
        directories: Vec::new(),
        plugin_home: None,
        ..icp_plugin_host::PluginRequest::default()
    })
    .expect("the funding plugin loads");
    let rules_a = compile(RULES, &schema, host.catalog());
    let calls: Vec<&str> = rules_a
        .signal_calls
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(calls.len(), STANDS.len(), "{calls:?}");
    // Which signal column holds which stand-in.
    let column_of: Vec<usize> = STANDS
        .iter()
        .map(|s| {
            calls
                .iter()
                .position(|c| *c == s.call)
                .unwrap_or_else(|| panic!("no call {} in {calls:?}", s.call))
        })
        .collect();
    let signals = host
        .prepare(&rules_a)
        .expect("the funding plugin initialises");
    let plan_a = Plan::new(&rules_a);

    let rules_b = compile(&rules_b(), &schema, &SignalCatalog::new());
    assert!(rules_b.signal_calls.is_empty());
    let plan_b = Plan::new(&rules_b);

    let config = InputConfig {
        batch_size: BATCH,
        ..InputConfig::default()
    };
    let reader = LeadReader::open(
        &leads,
        &rules_a.schema,
        &config,
        ReadOptions {
            ..ReadOptions::default()
        },
    )
    .expect("the leads open");
    let mut batches: Vec<Batch> = reader.map(|b| b.expect("a batch")).collect();
    assert!(batches.len() >= 4, "{} batches", batches.len());
    for batch in &mut batches {
        signals.fill(batch, today()).expect("the plugin evaluates");
    }

    let mut domains: Vec<String> = batches
        .iter()
        .flat_map(|b| (0..b.len()).filter_map(|row| domain(b, &rules_a, row)))
        .collect();
    domains.sort();
    domains.dedup();
    let expected = expected_by_domain(dir.path(), &domains);
    let expect = |batch: &Batch, row: usize, k: usize| -> Option<Value> {
        domain(batch, &rules_a, row).and_then(|d| expected[&d][k].clone())
    };

    // What the comparison must see to mean something.
    let mut leads_total = 0usize;
    let mut with_money = 0usize;
    let mut round_types: BTreeMap<String, usize> = BTreeMap::new();
    let mut qualified: BTreeMap<String, usize> = BTreeMap::new();
    let mut tiers: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut matched: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknown_days = 0usize;
    let mut unknown_days_qualified_early = 0usize;
    let mut disqualified_by_unknown = 0usize;
    let mut rotated_differs = 0usize;
    let mut dropped_differs = 0usize;

    for batch in &batches {
        // The host's columns hold exactly the plugin's values, lead by lead.
        for (k, s) in STANDS.iter().enumerate() {
            for row in 0..batch.len() {
                assert_eq!(
                    batch.signals[column_of[k]].get(row),
                    expect(batch, row, k),
                    "{} of lead {}",
                    s.call,
                    &batch.ids[row]
                );
            }
        }

        let a_fast = icp_engine::eval::columnar::evaluate(&rules_a, &plan_a, batch, today(), true);
        let b = side_b(batch, &rules_b, |row, k| expect(batch, row, k));
        let b_seen = evaluate_b(&rules_b, &plan_b, &b);
        for row in 0..batch.len() {
            let id = &batch.ids[row];
            let a_fast = seen(&a_fast[row]);
            let a_reference = seen(&icp_engine::eval::reference::evaluate(
                &rules_a,
                &batch.lead(row),
                today(),
            ));
            assert_eq!(a_fast, b_seen[row], "lead {id}: fast, signals vs fields");
            assert_eq!(
                a_reference, b_seen[row],
                "lead {id}: reference, signals vs fields"
            );

            leads_total += 1;
            if matches!(expect(batch, row, 2), Some(Value::Number(n)) if n > 0.0) {
                with_money += 1;
            }
            if let Some(Value::String(t)) = expect(batch, row, 4) {
                *round_types.entry(t).or_default() += 1;
            }
            let days_unknown =
                domain(batch, &rules_a, row).is_some() && expect(batch, row, 3).is_none();
            for icp in &a_fast.icps {
                if icp.qualified {
                    *qualified.entry(icp.name.clone()).or_default() += 1;
                }
                if let Some(t) = &icp.tier {
                    *tiers.entry((icp.name.clone(), t.clone())).or_default() += 1;
                }
                for m in &icp.matched {
                    *matched.entry(m.clone()).or_default() += 1;
                }
                if icp.name == "early" && icp.qualified && days_unknown {
                    unknown_days_qualified_early += 1;
                }
                if icp.name == "recent"
                    && icp
                        .reasons
                        .iter()
                        .any(|r| r.contains("funding.days_since_last_round is missing"))
                {
                    disqualified_by_unknown += 1;
                }
            }
            if days_unknown {
                unknown_days += 1;
            }
        }

        // The comparison would notice a host that shifted or dropped values: side B with
        // its values moved down one row, or all missing, differs for many leads.
        let n = batch.len();
        let rotated = side_b(batch, &rules_b, |row, k| expect(batch, (row + 1) % n, k));
        let dropped = side_b(batch, &rules_b, |_, _| None);
        let rotated = evaluate_b(&rules_b, &plan_b, &rotated);
        let dropped = evaluate_b(&rules_b, &plan_b, &dropped);
        for row in 0..n {
            rotated_differs += usize::from(rotated[row] != b_seen[row]);
            dropped_differs += usize::from(dropped[row] != b_seen[row]);
        }
    }

    let summary = format!(
        "leads {leads_total}, with money {with_money}, round types {round_types:?}, qualified {qualified:?}, tiers {tiers:?}, matched {matched:?}, unknown days {unknown_days} ({unknown_days_qualified_early} qualify for `early`), disqualified by unknown {disqualified_by_unknown}, rotated differs {rotated_differs}, dropped differs {dropped_differs}"
    );
    assert_eq!(leads_total as u64, COMPANIES, "{summary}");
    assert!(with_money >= 200, "{summary}");
    assert!(round_types.len() >= 4, "{summary}");
    for icp in ["funded", "early", "recent"] {
        assert!(
            qualified.get(icp).copied().unwrap_or(0) >= 50,
            "{icp}: {summary}"
        );
    }
    for tier in [
        ("funded", "A"),
        ("funded", "B"),
        ("funded", "C"),
        ("early", "A"),
        ("early", "B"),
        ("recent", "A"),
        ("recent", "B"),
    ] {
        let key = (tier.0.to_string(), tier.1.to_string());
        assert!(
            tiers.get(&key).copied().unwrap_or(0) > 0,
            "{tier:?}: {summary}"
        );
    }
    for label in [
        "raised this year",
        "raised this quarter",
        "big raiser",
        "fresh round",
        "growth stage",
        "never raised",
        "no recent round",
        "seed only",
        "stale raise",
        "some money",
        "quarter",
        "year",
    ] {
        assert!(
            matched.get(label).copied().unwrap_or(0) > 0,
            "{label}: {summary}"
        );
    }
    assert!(unknown_days >= 1000, "{summary}");
    assert!(unknown_days_qualified_early >= 500, "{summary}");
    assert!(disqualified_by_unknown >= 1000, "{summary}");
    assert!(rotated_differs >= 200, "{summary}");
    assert!(dropped_differs >= 1000, "{summary}");
}
