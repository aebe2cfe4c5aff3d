//! The columnar evaluator agrees with the reference evaluator: random rule sets (random
//! well-typed conditions over every kind of field, lets, personas, quantifiers, groups, tiers)
//! × random leads (missing values, empty contact lists, odd case and spacing, country names
//! and codes), compared result by result — qualification, reasons, score, tier, matched
//! labels, unknowns, explanation checks, personas and best ICP; and the columns `icp score`
//! writes from (`eval::columnar::evaluate_columns`) read back as the same rows, and each
//! contact's personas beside them (`evaluate_columns_with_personas`) are the reference's.
//! Ordered categories (seniority, a declared enum, employee bands, values outside the order)
//! and decaying scores (ages of numbers, durations, negative ages, unknown ages) are among
//! them.

use icp_diagnostics::SourceMap;
use icp_engine::plan::Plan;
use icp_engine::{Entity, SignalCatalog, Value};
use icp_tests::rule_gen::{Row, leads, pick, rule_set, schema};
use proptest::prelude::*;

// ------------------------------------------------------------------ the property

/// A generated rule file, checked against the generator's schema; it must check clean.
fn compile_generated(src: &str) -> icp_engine::ir::RuleSet {
    let schema = schema();
    let mut sources = SourceMap::new();
    sources.add("random.icp", src.to_string());
    let compiled = icp_engine::compile(&sources, &schema, &SignalCatalog::new());
    let rendered = icp_diagnostics::render_text(&sources, &compiled.diagnostics, false);
    compiled
        .rules
        .unwrap_or_else(|| panic!("generated rules must check:\n{src}\n{rendered}"))
}

/// Generated leads with their fields looked up in `rules`' schema.
fn lead_values(
    rules: &icp_engine::ir::RuleSet,
    leads: &[(Row, Vec<Row>)],
) -> Vec<icp_tests::LeadValues> {
    let field = |entity, (name, value): &(&str, Value)| -> (icp_engine::FieldId, Value) {
        (
            rules.schema.lookup(entity, name).expect("a field"),
            value.clone(),
        )
    };
    leads
        .iter()
        .map(|(company, contacts)| {
            (
                company.iter().map(|v| field(Entity::Company, v)).collect(),
                contacts
                    .iter()
                    .map(|c| c.iter().map(|v| field(Entity::Contact, v)).collect())
                    .collect(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn fast_evaluator_agrees_with_the_reference(src in rule_set(), leads in leads(), today in 19_500i32..20_500) {
        let rules = compile_generated(&src);
        let plan = Plan::new(&rules);
        let values = lead_values(&rules, &leads);
        let (batch, expected) = icp_tests::batch_and_reference(&rules, &values, today);
        let got = icp_engine::eval::columnar::evaluate(&rules, &plan, &batch, today, true);
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            prop_assert_eq!(g, e, "lead {} differs\nrules:\n{}\nplan:\n{}", i, src, plan);
        }

        // The columns `icp score` writes read back the same, row by row.
        let columns = icp_engine::eval::columnar::evaluate_columns(&rules, &plan, &batch, today);
        let mut scratch = icp_engine::result::RowScratch::default();
        for (i, e) in expected.iter().enumerate() {
            prop_assert_eq!(columns.best(i), e.best, "best ICP of lead {}\nrules:\n{}", i, src);
            for (k, r) in e.icps.iter().enumerate() {
                let row = columns.row(i, k, &mut scratch);
                let got = (
                    row.name, row.qualified, row.score, row.max_score, row.tier_index, row.tier,
                    row.matched, row.unknown, row.reasons,
                );
                let want = (
                    r.name, r.qualified, r.score, r.max_score, r.tier_index, r.tier,
                    &r.matched[..], &r.unknown[..], &r.reasons[..],
                );
                prop_assert_eq!(got, want, "lead {} ICP {}\nrules:\n{}", i, k, src);
            }
        }

        // The personas `icp score --contacts-out` writes: each contact's, as the reference
        // names them, beside the same columns.
        let (with_personas, personas) =
            icp_engine::eval::columnar::evaluate_columns_with_personas(&rules, &plan, &batch, today);
        for (i, e) in expected.iter().enumerate() {
            prop_assert_eq!(with_personas.best(i), e.best, "best ICP of lead {}", i);
            for (k, c) in batch.contacts_of(i).enumerate() {
                let got: Vec<&str> =
                    personas.matched(c).map(|p| rules.personas[p].name.as_str()).collect();
                prop_assert_eq!(&got, &e.personas[k], "lead {} contact {}\nrules:\n{}", i, k, src);
            }
        }
    }
}

// ------------------------------------------------------------------ each lead as of its date

/// The dates leads are evaluated as of: few, so that several leads share one.
const AS_OF_DATES: &[i32] = &[19_700, 19_950, 20_000, 20_001, 20_300];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// `icp backtest` evaluates leads of many dates in one run, each as of its own date
    /// (`AsOf::PerLead`): every lead's result is the reference's as of its date, and the
    /// columns and per-lead personas equal those of evaluating each date's leads on their own
    /// (what the backtest did before, a batch per date).
    #[test]
    fn each_lead_is_evaluated_as_of_its_own_date(
        src in rule_set(),
        leads in leads(),
        dates in prop::collection::vec(pick(AS_OF_DATES), 24),
    ) {
        let rules = compile_generated(&src);
        let plan = Plan::new(&rules);
        let values = lead_values(&rules, &leads);
        let dates = &dates[..values.len()];
        let as_of = icp_engine::eval::AsOf::PerLead(dates);
        let (batch, _) = icp_tests::batch_and_reference(&rules, &values, dates[0]);

        // Whole results: the reference's, lead by lead, as of the lead's date.
        let got = icp_engine::eval::columnar::evaluate(&rules, &plan, &batch, as_of, true);
        let mut reference = std::collections::HashMap::new();
        for (i, g) in got.iter().enumerate() {
            let expected = reference
                .entry(dates[i])
                .or_insert_with(|| icp_tests::batch_and_reference(&rules, &values, dates[i]).1);
            prop_assert_eq!(g, &expected[i], "lead {} as of {}\nrules:\n{}", i, dates[i], src);
        }

        // Columns and lead personas: those of the batch of each date's leads.
        let (columns, personas) = icp_engine::eval::columnar::evaluate_columns_with_lead_personas(
            &rules, &plan, &batch, as_of,
        );
        let (mut scratch, mut scratch_one) = Default::default();
        for day in AS_OF_DATES {
            let rows: Vec<usize> = (0..dates.len()).filter(|r| dates[*r] == *day).collect();
            let one = batch.select(&rows);
            let (one_columns, one_personas) =
                icp_engine::eval::columnar::evaluate_columns_with_lead_personas(
                    &rules, &plan, &one, *day,
                );
            for (j, &i) in rows.iter().enumerate() {
                prop_assert_eq!(columns.best(i), one_columns.best(j), "best ICP of lead {}", i);
                for k in 0..rules.icps.len() {
                    let a = columns.row(i, k, &mut scratch);
                    let b = one_columns.row(j, k, &mut scratch_one);
                    let a = (a.qualified, a.score, a.tier, a.matched, a.unknown, a.reasons);
                    let b = (b.qualified, b.score, b.tier, b.matched, b.unknown, b.reasons);
                    prop_assert_eq!(a, b, "lead {} ICP {} as of {}\nrules:\n{}", i, k, day, src);
                }
                for (p, truths) in personas.iter().enumerate() {
                    prop_assert_eq!(truths[i], one_personas[p][j], "persona {} of lead {}", p, i);
                }
            }
        }
    }
}
