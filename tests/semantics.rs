//! The semantic rules of SPEC §3, each pinned down by a file of `test` blocks in
//! `tests/semantics/` and run here by name through the reference evaluator — and through the
//! fast evaluator, which must reach the same result for every test lead.

use icp_diagnostics::SourceMap;
use icp_engine::batch::BatchBuilder;
use icp_engine::lead::Lead;
use icp_engine::plan::Plan;
use icp_engine::{Entity, Schema};
use icp_tests::{check_sources, project_schema, test_signals, workspace};

/// Runs every test block of one file (checked alone, with the project's custom fields).
fn run(file: &str) {
    let path = workspace().join("tests/semantics").join(file);
    let source = std::fs::read_to_string(&path).expect("readable");
    run_source(file, source, &project_schema());
}

/// Runs every test block of `source`, checked with `schema`, through both evaluators.
fn run_source(file: &str, source: String, schema: &Schema) {
    let mut sources = SourceMap::new();
    sources.add(file, source);
    let compiled = icp_engine::compile(&sources, schema, &test_signals());
    let rendered = icp_diagnostics::render_text(&sources, &compiled.diagnostics, false);
    assert!(compiled.diagnostics.is_empty(), "{rendered}");
    let rules = compiled.rules.expect("checks");
    let today = icp_syntax::ast::days_from_civil(2026, 11, 23).expect("date");
    let rules = icp_engine::rule_tests::with_test_thresholds(&rules, today);
    let reports = icp_engine::rule_tests::run_tests(&rules, today);
    assert!(!reports.is_empty(), "{file} has no tests");
    let failures: Vec<String> = reports
        .iter()
        .filter(|r| !r.passed())
        .map(|r| format!("{}: {:?}", r.label, r.failures))
        .collect();
    assert!(failures.is_empty(), "{file}:\n{}", failures.join("\n"));

    // The same leads through the columnar evaluator.
    let plan = Plan::new(&rules);
    let mut builder = BatchBuilder::new(&rules.schema, rules.signal_calls.len());
    for test in &rules.tests {
        let lead = Lead::from_test(&rules, test);
        builder.start_lead(&test.label, 0);
        for (f, v) in lead.company.iter().enumerate() {
            if let Some(v) = v {
                builder.set_company(icp_engine::FieldId(f as u32), v.clone());
            }
        }
        for contact in &lead.contacts {
            builder.start_contact();
            for (f, v) in contact.iter().enumerate() {
                if let Some(v) = v {
                    builder.set_contact(icp_engine::FieldId(f as u32), v.clone());
                }
            }
        }
        for (s, v) in lead.signals.iter().enumerate() {
            if let Some(v) = v {
                builder.set_signal(s, v.clone());
            }
        }
    }
    let batch = builder.finish();
    let fast = icp_engine::eval::columnar::evaluate(&rules, &plan, &batch, today, true);
    for (report, result) in reports.iter().zip(&fast) {
        assert_eq!(&report.result, result, "{file}: {}", report.label);
    }
}

#[test]
fn three_valued_logic() {
    run("three_valued_logic.icp");
}

#[test]
fn case_insensitive_text_comparison() {
    run("text_comparison.icp");
}

#[test]
fn countries_compare_by_code_or_name() {
    run("countries.icp");
}

#[test]
fn region_membership() {
    run("regions.icp");
}

#[test]
fn list_semantics() {
    run("lists.icp");
}

#[test]
fn quantifiers_over_contacts_including_none() {
    run("quantifiers.icp");
}

#[test]
fn group_caps_and_negative_scores() {
    run("groups_and_scores.icp");
}

#[test]
fn tier_order() {
    run("tiers.icp");
}

#[test]
fn best_icp_choice() {
    run("best_icp.icp");
}

#[test]
fn arithmetic_and_dates() {
    run("arithmetic_and_dates.icp");
}

#[test]
fn signals_compare_like_fields() {
    run("signals.icp");
}

/// A custom field declared with `kind = "country"` compares like `company.country`: names and
/// ISO codes are equal, in a string field, a list field and a contact field, in both
/// evaluators.
#[test]
fn a_custom_country_field_matches_names_with_codes() {
    let mut schema = project_schema();
    for (entity, name, ty) in [
        (Entity::Company, "hq_country", "string"),
        (Entity::Company, "markets", "list"),
        (Entity::Contact, "home_country", "string"),
    ] {
        schema
            .add_custom_of_kind(entity, name, ty, Some("country"))
            .expect("a country field");
    }
    schema
        .add_custom(Entity::Company, "plain_country", "string")
        .expect("a plain field");
    let source = r#"
icp hq_de "== a code" {
  require company.hq_country == "DE"
}

icp hq_in_names "in a list of names" {
  require company.hq_country in ["Germany", "Austria"]
}

icp sells_in_de "has a code" {
  require company.markets has "DE"
}

icp sells_in_dach "has any of names" {
  require company.markets has any ["Germany", "Austria", "Switzerland"]
}

icp german_contact "any contact with a code" {
  require any contact where contact.home_country == "DE"
}

icp plain_de "a plain field compares as text" {
  require company.plain_country == "DE"
}

test "Germany equals DE in a custom country field" {
  company { hq_country: "Germany" }
  expect hq_de qualified
  expect hq_in_names qualified
}

test "DE equals Germany in a custom country field" {
  company { hq_country: "de" }
  expect hq_de qualified
  expect hq_in_names qualified
}

test "France is not DE" {
  company { hq_country: "France" }
  expect hq_de disqualified
  expect hq_in_names disqualified
}

test "a list of countries has DE by name" {
  company { markets: ["France", "Germany"] }
  expect sells_in_de qualified
}

test "a list of codes has any of the names" {
  company { markets: ["FR", "CH"] }
  expect sells_in_dach qualified
}

test "a list without them" {
  company { markets: ["France", "Spain"] }
  expect sells_in_de disqualified
  expect sells_in_dach disqualified
}

test "a contact country by name equals its code" {
  company { name: "Acme" }
  contact { home_country: "France" }
  contact { home_country: "Germany" }
  expect german_contact qualified
}

test "a plain field does not compare by code" {
  company { plain_country: "Germany" }
  expect plain_de disqualified
}
"#;
    run_source("custom_kinds.icp", source.to_string(), &schema);
}

#[test]
fn every_semantics_file_is_run() {
    let mut files: Vec<String> = std::fs::read_dir(workspace().join("tests/semantics"))
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let source =
        std::fs::read_to_string(workspace().join("tests/semantics.rs")).expect("this file");
    for f in files {
        assert!(
            source.contains(&format!("run(\"{f}\")")),
            "{f} is not run by a named test"
        );
    }
}

/// An unknown condition names the inputs whose absence made it so, and the columnar evaluator
/// finds the same ones as the reference evaluator, in the same order, from its vectors: a
/// field read or tested is its own input; `and`/`or` keep only the operands that left them
/// unknown; `any contact` merges its contacts' inputs in contact order; arithmetic unknown
/// over known operands (a division by zero) names none, so its reason is the clause's own
/// text; `is missing` and `count contacts` are always known.
#[test]
fn an_unknown_condition_names_the_inputs_that_made_it_so() {
    let src = r#"
let geo = company.country in ["US", "CA"]
persona vp when contact.seniority == "VP"
icp one {
  require company.employees between 10 and 500
  require company.industry has any ["Software"] or len(company.industry) >= 3
  require geo and not (company.country == "CA")
  require company.employees > 10 and company.revenue > 1M
  require company.employees is missing or company.founded > 2000
  require company.revenue / company.employees > 1
  require any contact where vp
  require (count contacts where vp) >= 1
  require any contact where contact.seniority == "VP" and contact.department == "Finance"
  exclude company.founded < 1900 or company.revenue < 1
  score 5 "staff" when company.employees >= 50 and company.founded > 1990
  tier A when score >= 5 and company.country == "US"
  tier B otherwise
}
icp two {
  require company.country in ["US", "CA"]
  score 5 "finance" when every contact where contact.department == "Finance" or company.employees > 100
  tier A when company.business_model == "B2B"
  tier B when any contact where contact.title matches /cfo/i and company.revenue > 1M
  tier C otherwise
}
"#;
    let (compiled, _, rendered) =
        check_sources(&[("unknown.icp", src)], &project_schema(), &test_signals());
    let rules = compiled.rules.unwrap_or_else(|| panic!("{rendered}"));
    let plan = Plan::new(&rules);
    let company = |name: &str| {
        let f = rules.schema.lookup(icp_engine::Entity::Company, name);
        f.expect("a company field")
    };
    let contact = |name: &str| {
        let f = rules.schema.lookup(icp_engine::Entity::Contact, name);
        f.expect("a contact field")
    };
    let text = |s: &str| icp_engine::Value::String(s.to_string());
    let number = icp_engine::Value::Number;
    // A lead with no values and one contact without any; one with a division by zero and
    // contacts each missing another field; one with every value there.
    let leads = [
        (vec![], vec![vec![]]),
        (
            vec![
                (company("employees"), number(0.0)),
                (company("revenue"), number(5e6)),
                (company("country"), text("Canada")),
            ],
            vec![
                vec![(contact("seniority"), text("Staff"))],
                vec![(contact("department"), text("Finance"))],
                vec![(contact("title"), text("CTO"))],
            ],
        ),
        (
            vec![
                (company("employees"), number(120.0)),
                (company("revenue"), number(5e6)),
                (company("country"), text("US")),
                (company("founded"), number(2001.0)),
                (
                    company("industry"),
                    icp_engine::Value::List(vec![text("Software")]),
                ),
            ],
            vec![vec![
                (contact("seniority"), text("VP")),
                (contact("department"), text("Finance")),
            ]],
        ),
    ];
    let (batch, expected) = icp_tests::batch_and_reference(&rules, &leads, 20_000);
    let unknown = |lead: usize| expected[lead].icps[0].unknown.clone();
    assert_eq!(
        unknown(0),
        [
            "company.employees",
            "company.industry",
            "company.country",
            "company.revenue",
            "contact.seniority",
            "contact.department",
            "company.founded",
        ]
    );
    // Lead 1: the division by zero names nothing (its reason is the clause's own text); the
    // last `any contact` names the seniority missing on the second contact, then the
    // department missing on the third as well (the first is decided false).
    assert_eq!(
        unknown(1),
        [
            "company.industry",
            "company.founded",
            "contact.seniority",
            "contact.department",
        ]
    );
    let reasons = &expected[1].icps[0].reasons;
    assert_eq!(
        reasons[5],
        "unknown: company.revenue / company.employees > 1"
    );
    assert_eq!(
        reasons[8],
        "unknown: contact.seniority, contact.department is missing"
    );
    assert!(unknown(2).is_empty());
    // ICP two: on qualified leads the tiers tried before the one that matched name what they
    // missed (lead 2: no business model, no contact title, so tier C); `every contact` over a
    // condition that also reads a company field names the contacts' missing department
    // (lead 1, the company's employees known).
    let two = |lead: usize| {
        (
            expected[lead].icps[1].tier,
            expected[lead].icps[1].unknown.clone(),
        )
    };
    assert_eq!(
        two(2),
        (Some("C"), vec!["company.business_model", "contact.title"])
    );
    assert_eq!(
        two(1),
        (
            Some("C"),
            vec![
                "contact.department",
                "company.business_model",
                "contact.title"
            ]
        )
    );

    let whole = icp_engine::eval::columnar::evaluate(&rules, &plan, &batch, 20_000, true);
    let columns = icp_engine::eval::columnar::evaluate_columns(&rules, &plan, &batch, 20_000);
    let mut scratch = icp_engine::result::RowScratch::default();
    for (lead, e) in expected.iter().enumerate() {
        assert_eq!(whole[lead], *e, "lead {lead}, whole");
        for (i, e) in e.icps.iter().enumerate() {
            let row = columns.row(lead, i, &mut scratch);
            assert!(row.whole.is_none(), "lead {lead} is in columns");
            assert_eq!(
                (row.qualified, row.tier, row.unknown, row.reasons),
                (e.qualified, e.tier, &e.unknown[..], &e.reasons[..]),
                "lead {lead}, ICP {}, columns",
                e.name
            );
        }
    }
}

/// `icp score`'s columns hold what whole results hold, also for an ICP of more than 64 checks
/// of a kind (kept whole) beside a small one, and for a rule set without ICPs.
#[test]
fn columns_read_back_as_whole_results() {
    let mut src = String::from("icp big {\n");
    for n in 0..66 {
        src.push_str(&format!("  require company.employees >= {n}\n"));
    }
    for n in 0..70 {
        src.push_str(&format!(
            "  score 1 \"s{n}\" when company.employees >= {}\n",
            n * 10
        ));
    }
    src.push_str("  tier A when score >= 30\n  tier B otherwise\n}\n");
    src.push_str(
        "icp small {\n  exclude company.revenue < 1M\n  score 5 \"big\" when company.employees >= 100\n  \
         tier A when score >= 5\n}\n",
    );
    for (src, leads) in [(src.as_str(), 4), ("", 2)] {
        let (compiled, _, rendered) =
            check_sources(&[("columns.icp", src)], &project_schema(), &test_signals());
        let rules = compiled.rules.unwrap_or_else(|| panic!("{rendered}"));
        let plan = Plan::new(&rules);
        let field = |name| {
            rules
                .schema
                .lookup(icp_engine::Entity::Company, name)
                .expect("a canonical field")
        };
        let (employees, revenue) = (field("employees"), field("revenue"));
        let mut builder = BatchBuilder::new(&rules.schema, rules.signal_calls.len());
        for (i, (e, r)) in [
            (Some(400.0), Some(5e6)),
            (Some(70.0), None),
            (None, Some(1e5)),
            (Some(900.0), Some(2e6)),
        ]
        .into_iter()
        .take(leads)
        .enumerate()
        {
            let values = [(employees, e), (revenue, r)]
                .into_iter()
                .filter_map(|(f, v)| Some((f, icp_engine::Value::Number(v?))))
                .collect();
            builder.add_lead(&format!("lead{i}"), i as u64 + 2, values);
        }
        let batch = builder.finish();
        let whole = icp_engine::eval::columnar::evaluate(&rules, &plan, &batch, 20_000, false);
        let columns = icp_engine::eval::columnar::evaluate_columns(&rules, &plan, &batch, 20_000);
        assert_eq!((columns.len(), columns.icps()), (leads, rules.icps.len()));
        if !rules.icps.is_empty() {
            // The big ICP (over 64 checks of a kind) is kept whole; the small one is read from
            // the columns, with every outcome known on lead 0 (every input there) and an
            // unknown `exclude` on lead 1 (no revenue).
            assert!((0..leads).all(|l| columns.whole_result(l, 0).is_some()));
            assert!((0..leads).all(|l| columns.whole_result(l, 1).is_none()));
            assert!(columns.all_known(0, 1));
            assert!(!columns.all_known(1, 1));
        }
        let mut scratch = icp_engine::result::RowScratch::default();
        for (lead, expected) in whole.iter().enumerate() {
            assert_eq!(columns.best(lead), expected.best);
            for (i, r) in expected.icps.iter().enumerate() {
                let row = columns.row(lead, i, &mut scratch);
                assert_eq!(
                    (
                        row.qualified,
                        row.score,
                        row.tier,
                        row.matched,
                        row.unknown,
                        row.reasons
                    ),
                    (
                        r.qualified,
                        r.score,
                        r.tier,
                        &r.matched[..],
                        &r.unknown[..],
                        &r.reasons[..]
                    ),
                    "lead {lead}, ICP {}",
                    r.name
                );
            }
        }
    }
}

#[test]
fn ordered_categories_compare_by_rank() {
    run("ordered.icp");
}

#[test]
fn decaying_scores_halve_every_half_life() {
    run("decay.icp");
}

/// `lines(…)` and `csv_column(…)` read their files relative to the rule file that names them
/// (here by its absolute path), and the lists decide `in` and `has any` in both evaluators.
#[test]
fn list_files_are_read_relative_to_their_rule_file() {
    let path = workspace().join("tests/cases/valid/list_files.icp");
    let source = std::fs::read_to_string(&path).expect("readable");
    run_source(&path.display().to_string(), source, &project_schema());
}

#[test]
fn relative_thresholds_over_the_test_leads() {
    run("relative.icp");
}
