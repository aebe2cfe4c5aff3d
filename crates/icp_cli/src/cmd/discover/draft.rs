//! The draft rule file of `icp discover --draft`, built and checked here.
//!
//! How it works: `icp_learn::discover::draft` chooses the lines and writes the text; this module
//! evaluates it. The draft is compiled with the project's schema and plugins, first with one
//! tier, and every best customer's lead (kept from the pass) is scored by the reference
//! evaluator: the qualified ones' scores give the tier cuts. The second draft, with its tiers,
//! gets a `test` per outcome among the best customers (a tier, or disqualified), taken from
//! the first customer by id that has it: its values of the fields, contacts and signals the
//! draft reads are written as literals, and the expectation is what the reference evaluator
//! concludes on exactly that written lead — the same lead `icp test` will build. The final
//! text is compiled once more (an error there is a bug, reported) and printed by the formatter,
//! so it passes `icp check` and `icp fmt --check` as written.

use std::collections::HashMap;

use icp_diagnostics::SourceMap;
use icp_engine::ir::RuleSet;
use icp_engine::lead::Lead;
use icp_engine::schema::{FieldId, Value};
use icp_learn::discover::draft::{self, Expect, TestCase, Tier, number, string_literal};
use icp_learn::discover::{Finding, Population};

use super::count::{Lane, Source};

/// At most this many contacts of a customer go into its test block.
const TEST_CONTACTS: usize = 10;

/// What the draft is built from.
pub struct DraftInput<'a> {
    pub rules: &'a RuleSet,
    pub sources: &'a [Source],
    pub findings: &'a [Finding],
    pub attributes: usize,
    pub population: Population,
    /// The best customers' ids and leads, sorted by id.
    pub best_leads: &'a [(String, Lead)],
    pub today: i32,
}

/// The draft's text, formatted; an error message when it does not compile (a bug).
pub fn build(input: &DraftInput<'_>) -> Result<String, String> {
    let chosen = draft::choose(input.findings, input.attributes);
    let one_tier = [Tier {
        name: "A",
        at_least: None,
        best_at_or_above: 0,
        best: 0,
    }];
    let first = compile(
        input,
        &draft::write(&chosen, &one_tier, &[], input.population),
    )?;
    let scores: Vec<f64> = input
        .best_leads
        .iter()
        .map(|(_, lead)| evaluate(&first, &remap(input.rules, &first, lead), input.today))
        .filter(|(qualified, _, _)| *qualified)
        .map(|(_, score, _)| score)
        .collect();
    let tiers = draft::tier_cuts(&scores);
    let text = draft::write(&chosen, &tiers, &[], input.population);
    let tiered = compile(input, &text)?;
    let reads: Vec<Lane> = chosen
        .requires
        .iter()
        .copied()
        .chain(chosen.scores.iter().map(|(f, _)| *f))
        .filter_map(|f| input.sources.iter().find(|s| s.name == f.candidate.field))
        .map(|s| s.lane)
        .collect();
    let mut tests: Vec<TestCase> = Vec::new();
    for (id, lead) in input.best_leads {
        let (case, written) = test_case(input.rules, &reads, id, lead);
        let (qualified, _, tier) =
            evaluate(&tiered, &remap(input.rules, &tiered, &written), input.today);
        let expect = match (qualified, tier) {
            (true, Some(tier)) => Expect::Tier(tier),
            (true, None) => Expect::Qualified,
            (false, _) => Expect::Disqualified,
        };
        if tests.iter().all(|t| t.expect != expect) {
            tests.push(TestCase { expect, ..case });
        }
        if tests.len() > tiers.len() {
            break;
        }
    }
    let text = draft::write(&chosen, &tiers, &tests, input.population);
    compile(input, &text)?;
    let ast = icp_syntax::parse(icp_diagnostics::FileId(0), &text)
        .map_err(|_| "the draft does not parse".to_string())?;
    Ok(icp_syntax::format(&ast, &text))
}

/// The draft compiled against the project's schema and signals.
fn compile(input: &DraftInput<'_>, text: &str) -> Result<RuleSet, String> {
    let mut sources = SourceMap::new();
    sources.add("draft.icp", text.to_string());
    let compiled = icp_engine::compile(&sources, &input.rules.schema, &input.rules.signals);
    compiled.rules.ok_or_else(|| {
        let errors: Vec<String> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.message.clone())
            .collect();
        format!("the draft does not compile: {}", errors.join("; "))
    })
}

/// Whether the draft's ICP qualifies the lead, its score and tier.
fn evaluate(rules: &RuleSet, lead: &Lead, today: i32) -> (bool, f64, Option<String>) {
    let result = icp_engine::eval::reference::evaluate(rules, lead, today);
    let icp = &result.icps[0];
    (icp.qualified, icp.score, icp.tier.map(str::to_string))
}

/// A lead of the project's rules as a lead of the draft's: the same fields, the signals by
/// call text.
fn remap(from: &RuleSet, to: &RuleSet, lead: &Lead) -> Lead {
    let by_text: HashMap<&str, usize> = from
        .signal_calls
        .iter()
        .enumerate()
        .map(|(i, c)| (c.text.as_str(), i))
        .collect();
    Lead {
        company: lead.company.clone(),
        contacts: lead.contacts.clone(),
        signals: to
            .signal_calls
            .iter()
            .map(|c| {
                by_text
                    .get(c.text.as_str())
                    .and_then(|i| lead.signals.get(*i).cloned().flatten())
            })
            .collect(),
    }
}

/// The test block of a customer with the values the draft reads, and the lead it describes
/// (what can be written as literals, nothing else).
fn test_case(rules: &RuleSet, reads: &[Lane], id: &str, lead: &Lead) -> (TestCase, Lead) {
    let mut written = Lead {
        company: vec![None; lead.company.len()],
        contacts: Vec::new(),
        signals: vec![None; lead.signals.len()],
    };
    let mut company = Vec::new();
    let mut contact_fields: Vec<FieldId> = Vec::new();
    let mut signals = Vec::new();
    for lane in dedup(reads) {
        match lane {
            Lane::Company(f) => {
                if let Some((value, literal)) = literal_of(&lead.company[f.0 as usize]) {
                    company.push((rules.schema.field(f).name.clone(), literal));
                    written.company[f.0 as usize] = Some(value);
                }
            }
            Lane::Contact(f) => contact_fields.push(f),
            Lane::Signal(c) => {
                if let Some((value, literal)) = literal_of(&lead.signals[c]) {
                    signals.push((rules.signal_calls[c].text.clone(), literal));
                    written.signals[c] = Some(value);
                }
            }
            Lane::Persona => {}
        }
    }
    let mut contacts = Vec::new();
    if !contact_fields.is_empty() {
        for row in lead.contacts.iter().take(TEST_CONTACTS) {
            let mut fields = Vec::new();
            let mut values = vec![None; row.len()];
            for f in &contact_fields {
                if let Some((value, literal)) = literal_of(&row[f.0 as usize]) {
                    fields.push((rules.schema.field(*f).name.clone(), literal));
                    values[f.0 as usize] = Some(value);
                }
            }
            if !fields.is_empty() {
                contacts.push(fields);
                written.contacts.push(values);
            }
        }
    }
    let case = TestCase {
        id: id.to_string(),
        company,
        contacts,
        signals,
        expect: Expect::Qualified,
    };
    (case, written)
}

fn dedup(lanes: &[Lane]) -> Vec<Lane> {
    let mut seen = Vec::new();
    for lane in lanes {
        if !seen.contains(lane) {
            seen.push(*lane);
        }
    }
    seen
}

/// A value and its literal, when the test syntax can write it exactly.
fn literal_of(value: &Option<Value>) -> Option<(Value, String)> {
    let value = value.as_ref()?;
    let literal = match value {
        Value::String(s) => string_literal(s),
        Value::Number(n) if *n >= 0.0 => number(*n),
        Value::Bool(b) => b.to_string(),
        Value::Date(_) => value.to_string(),
        Value::List(items) => {
            let texts: Option<Vec<String>> = items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Some(string_literal(s)),
                    _ => None,
                })
                .collect();
            format!("[{}]", texts?.join(", "))
        }
        _ => return None,
    };
    Some((value.clone(), literal))
}
